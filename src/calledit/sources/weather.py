"""Weather from Open-Meteo (no key): geocode the place, then daily values in the place's own days.

Requests (docs/DESIGN.md): `GET geocoding-api.open-meteo.com/v1/search?name=PLACE&count=10` → results[] with
latitude, longitude, timezone; then `GET archive-api.open-meteo.com/v1/archive?latitude&longitude&
start_date&end_date&daily=VAR&timezone=TZ` for days the archive has filled, and the same query on
`api.open-meteo.com/v1/forecast` for the last week (the archive lags by about five days). Values come in
the source units (°C, mm, cm of snow, km/h, seconds of sunshine); today and later are not final.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calledit.domain.check import WeatherCheck
from calledit.sources.base import SourceSeries, days, reading
from calledit.sources.http import SourceClient, SourceError

GEOCODING_URL = "https://geocoding-api.open-meteo.com/v1/search"
ARCHIVE_URL = "https://archive-api.open-meteo.com/v1/archive"
FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
RECENT_DAYS = 7  # the last week comes from the forecast API: the archive is not filled yet

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
COUNTRY_ALIASES = {"uk": "gb", "great britain": "gb", "usa": "us", "u.s.": "us", "u.s.a.": "us", "america": "us"}


def _qualifies(result: dict[str, Any], qualifier: str) -> bool:
    """Whether a geocoding result lies in the region the user named after the comma ("CO", "France")."""
    wanted = qualifier.strip().lower()
    wanted = US_STATES.get(wanted.upper(), wanted).lower() if result.get("country_code") == "US" else wanted
    wanted = COUNTRY_ALIASES.get(wanted, wanted)
    names = [str(result.get(key, "")).lower() for key in ("admin1", "admin2", "admin3", "country", "country_code")]
    return wanted in names


def _check_result(result: dict[str, Any]) -> None:
    """A result carries coordinates and a known timezone, or it is malformed."""
    float(result["latitude"])
    float(result["longitude"])
    try:
        ZoneInfo(str(result["timezone"]))
    except ZoneInfoNotFoundError:
        raise ValueError(f"unknown timezone {result['timezone']!r}") from None


def _label(result: dict[str, Any]) -> str:
    parts = [result.get("name"), result.get("admin1"), result.get("country")]
    return ", ".join(str(part) for part in parts if part)


async def geocode(client: SourceClient, place: str) -> tuple[dict[str, Any], str]:
    """The place's first geocoding result (in the region named after a comma) and the request URL.

    The full name is asked first; Open-Meteo matches names, so "Denver, CO" usually finds nothing and the
    name before the comma is asked next, keeping the results in the region after it.
    """
    name, _, rest = place.partition(",")
    region = [part for part in rest.split(",") if part.strip()]
    queries = [place, name.strip()] if region else [place]
    for query in queries:
        try:
            fetched = await client.get_json("weather", GEOCODING_URL, params={"name": query, "count": 10})
        except SourceError as exc:
            if exc.kind != "unreachable" or query == queries[-1]:
                raise
            continue  # a recording may hold only the other spelling of the name
        with reading("Open-Meteo geocoding", fetched.url):
            results = fetched.body.get("results") or []
            if not isinstance(results, list):
                raise TypeError("results is not a list")
            for result in results:
                if all(_qualifies(result, qualifier) for qualifier in region):
                    _check_result(result)
                    return result, fetched.url
    raise SourceError(
        f"Open-Meteo knows no place named {place!r}: edit the check's place (a city, then a region or country, "
        "such as 'Denver, Colorado')",
        kind="not_found",
        url=None,
    )


async def _daily(
    client: SourceClient, url: str, result: dict[str, Any], variable: str, start: date, end: date
) -> tuple[dict[date, float | None], str]:
    fetched = await client.get_json(
        "weather",
        url,
        params={
            "latitude": str(result["latitude"]),
            "longitude": str(result["longitude"]),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "daily": variable,
            "timezone": str(result["timezone"]),
        },
    )
    with reading("Open-Meteo", fetched.url):
        daily = fetched.body["daily"]
        times, values = daily["time"], daily[variable]
        if not isinstance(times, list) or not isinstance(values, list) or len(times) != len(values):
            raise ValueError(f"daily.time and daily.{variable} are not lists of one length")
        found: dict[date, float | None] = {}
        for when, value in zip(times, values, strict=True):
            found[date.fromisoformat(str(when))] = None if value is None else float(value)
    return found, fetched.url


async def fetch_weather(client: SourceClient, check: WeatherCheck, *, now: datetime) -> SourceSeries:
    """The check's variable for each day of its range that has ended in the place (None = not filled)."""
    result, geocoding_url = await geocode(client, check.place)
    zone = ZoneInfo(str(result["timezone"]))
    today = now.astimezone(zone).date()
    last_final = min(check.end, today - timedelta(days=1))
    recent_from = today - timedelta(days=RECENT_DAYS)
    windows = [
        (ARCHIVE_URL, check.start, min(last_final, recent_from - timedelta(days=1))),
        (FORECAST_URL, max(check.start, recent_from), last_final),
    ]
    values: dict[date, float | None] = {}
    urls = [geocoding_url]
    data_url = geocoding_url
    for url, start, end in windows:
        if start > end:
            continue
        found, data_url = await _daily(client, url, result, check.variable, start, end)
        urls.append(data_url)
        values.update({day: found.get(day) for day in days(start, end)})  # a day the answer lacks: not filled
    place = f"{check.place}: {_label(result)} ({result['latitude']}, {result['longitude']}), days in {zone.key}"
    return SourceSeries(
        series=sorted(values.items()),
        timezone=zone.key,
        urls=urls,
        data_url=data_url,
        notes=[place],
    )


__all__ = ["ARCHIVE_URL", "FORECAST_URL", "GEOCODING_URL", "fetch_weather", "geocode"]
