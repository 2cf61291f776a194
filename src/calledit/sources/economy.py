"""Economic series from FRED (St. Louis Fed), with the key from CALLEDIT_FRED_API_KEY.

Request (docs/DESIGN.md): `GET api.stlouisfed.org/fred/series/observations?series_id=ID&file_type=json&
api_key=KEY&observation_start=START&observation_end=END` → observations[] {date, value}. An observation
is dated by the start of its period (November's unemployment rate is 2026-11-01) and appears once it is
released. Its period runs to the next observation (the last one: one usual spacing), so the request
starts a year before the check to learn the spacing, and an observation counts for the check's range when
its period overlaps it (placed on the range's first day if it began before). A month not released yet has
no value and the check waits. A value of "." has no data (a holiday in a daily series): it is left out, as
a market holiday is. The key never appears in evidence or logs.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from statistics import median

from dateutil.relativedelta import relativedelta

from calledit.domain.check import EconomyCheck
from calledit.sources.base import SourceSeries, reading
from calledit.sources.http import SourceClient, SourceError

OBSERVATIONS_URL = "https://api.stlouisfed.org/fred/series/observations"
LOOKBACK_DAYS = 400  # a year and a bit: enough observations of a monthly or quarterly series to see its spacing
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
        "observation_start": (check.start - timedelta(days=LOOKBACK_DAYS)).isoformat(),
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
    observed: list[tuple[date, float]] = []
    with reading("FRED", fetched.url):
        observations = fetched.body["observations"]
        if not isinstance(observations, list):
            raise TypeError("observations is not a list")
        for observation in observations:
            text = str(observation["value"]).strip()
            if text != ".":
                observed.append((date.fromisoformat(str(observation["date"])), float(text)))
    observed.sort()
    series: list[tuple[date, float | None]] = []
    notes = []
    for day, observed_value, last_day in _periods(observed):
        if last_day < check.start or day > check.end:
            continue
        series.append((max(day, check.start), observed_value))
        covers = f" (its period runs to {last_day.isoformat()})" if day < check.start else ""
        notes.append(f"{check.series} {day.isoformat()}{covers} = {observed_value:g}")
    note = f"{check.series}: observations are dated by the start of their period"
    return SourceSeries(
        series=series, timezone=timezone, urls=[fetched.url], data_url=fetched.url, notes=[note, *notes[-3:]]
    )


def _periods(observed: list[tuple[date, float]]) -> list[tuple[date, float, date]]:
    """(start, value, last day) of each observation's period: up to the next observation; the last one
    spans the series' usual spacing, in calendar months for monthly, quarterly and yearly series."""
    gaps = [(later[0] - earlier[0]).days for earlier, later in itertools.pairwise(observed)]
    spacing = int(median(gaps)) if gaps else 1
    months = next((n for n, (low, high) in _MONTHLY.items() if low <= spacing <= high), None)
    step = relativedelta(months=months) if months else relativedelta(days=max(1, spacing))
    periods = []
    for index, (day, value) in enumerate(observed):
        following = observed[index + 1][0] if index + 1 < len(observed) else day + step
        periods.append((day, value, following - timedelta(days=1)))
    return periods


_MONTHLY = {1: (27, 32), 3: (88, 93), 6: (180, 185), 12: (364, 367)}  # months: the spacing in days they show

__all__ = ["NO_KEY", "OBSERVATIONS_URL", "fetch_economy"]
