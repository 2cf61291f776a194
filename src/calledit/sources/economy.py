"""Economic series from FRED (St. Louis Fed), with the key from CALLEDIT_FRED_API_KEY.

Request (DESIGN.md): `GET api.stlouisfed.org/fred/series/observations?series_id=ID&file_type=json&
api_key=KEY&observation_start=START&observation_end=END` → observations[] {date, value}. An observation
is dated by the start of its period (November's unemployment rate is 2026-11-01) and appears once it is
released: before that the range has no value and the check waits. A value of "." has no data (a holiday in
a daily series): it is left out, as a market holiday is. The key never appears in evidence or logs.
"""

from __future__ import annotations

from datetime import date

from calledit.domain.check import EconomyCheck
from calledit.sources.base import SourceSeries, reading
from calledit.sources.http import SourceClient, SourceError

OBSERVATIONS_URL = "https://api.stlouisfed.org/fred/series/observations"
REPLAY_KEY = "replay"  # recordings carry no key: any stands in for it
NO_KEY = (
    "FRED is not configured: set CALLEDIT_FRED_API_KEY to a free key "
    "(https://fred.stlouisfed.org/docs/api/api_key.html) to check economic series"
)


async def fetch_economy(client: SourceClient, check: EconomyCheck, *, timezone: str) -> SourceSeries:
    api_key = client.keys.get("economy")
    key = api_key.get_secret_value() if api_key is not None else (REPLAY_KEY if client.mode == "replay" else None)
    if not key:
        raise SourceError(NO_KEY, kind="not_configured")
    params = {
        "series_id": check.series,
        "file_type": "json",
        "api_key": key,
        "observation_start": check.start.isoformat(),
        "observation_end": check.end.isoformat(),
    }
    try:
        fetched = await client.get_json("economy", OBSERVATIONS_URL, params=params)
    except SourceError as exc:
        if exc.status == 400 and "does not exist" in exc.reason:
            raise SourceError(
                f"FRED has no series {check.series}: edit the check's series to a FRED id (UNRATE, CPIAUCSL, DGS10)",
                kind="not_found",
                url=exc.url,
                status=400,
            ) from None
        raise
    series: list[tuple[date, float | None]] = []
    with reading("FRED", fetched.url):
        observations = fetched.body["observations"]
        if not isinstance(observations, list):
            raise TypeError("observations is not a list")
        for observation in observations:
            value = str(observation["value"]).strip()
            if value == ".":
                continue
            series.append((date.fromisoformat(str(observation["date"])), float(value)))
    note = f"{check.series}: {len(series)} observations, each dated by the start of its period"
    return SourceSeries(series=series, timezone=timezone, urls=[fetched.url], data_url=fetched.url, notes=[note])


__all__ = ["NO_KEY", "OBSERVATIONS_URL", "fetch_economy"]
