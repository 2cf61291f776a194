"""The current time in any timezone or named place, from an injected clock (frozen in tests and evals)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache


class ClockError(ValueError):
    """An unknown timezone name."""


def now_in(clock: Callable[[], datetime], timezone: str) -> datetime:
    """The clock's current instant in the IANA `timezone`."""
    try:
        zone = zoneinfo.ZoneInfo(timezone.strip() or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ClockError(f"unknown timezone {timezone!r}; use an IANA name such as Europe/Paris") from exc
    return clock().astimezone(zone)


def describe_now(moment: datetime, timezone: str) -> str:
    """'2026-11-21T10:00:00+01:00 (Saturday) in Europe/Paris; 2026-11-21T09:00:00Z in UTC'."""
    utc = moment.astimezone(UTC)
    return (
        f"{moment.isoformat(timespec='seconds')} ({moment:%A}) in {timezone}; "
        f"{utc.strftime('%Y-%m-%dT%H:%M:%SZ')} in UTC"
    )


# Places people name -> their IANA zone: major cities, and countries with one zone. Any other IANA city
# ("Pacific/Auckland" as "Auckland") and full IANA names are found by `zone_for_place` too.
PLACES: dict[str, str] = {
    "new york": "America/New_York", "nyc": "America/New_York", "boston": "America/New_York",
    "washington": "America/New_York", "washington dc": "America/New_York", "miami": "America/New_York",
    "atlanta": "America/New_York", "philadelphia": "America/New_York", "chicago": "America/Chicago",
    "dallas": "America/Chicago", "houston": "America/Chicago", "austin": "America/Chicago",
    "new orleans": "America/Chicago", "denver": "America/Denver", "salt lake city": "America/Denver",
    "phoenix": "America/Phoenix", "los angeles": "America/Los_Angeles", "la": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles", "las vegas": "America/Los_Angeles",
    "san diego": "America/Los_Angeles", "portland": "America/Los_Angeles", "anchorage": "America/Anchorage",
    "honolulu": "Pacific/Honolulu", "hawaii": "Pacific/Honolulu", "toronto": "America/Toronto",
    "montreal": "America/Toronto", "ottawa": "America/Toronto", "vancouver": "America/Vancouver",
    "calgary": "America/Edmonton", "st. john's": "America/St_Johns", "st john's": "America/St_Johns",
    "newfoundland": "America/St_Johns", "mexico city": "America/Mexico_City", "havana": "America/Havana",
    "bogota": "America/Bogota", "lima": "America/Lima", "caracas": "America/Caracas",
    "santiago": "America/Santiago", "buenos aires": "America/Argentina/Buenos_Aires",
    "sao paulo": "America/Sao_Paulo", "são paulo": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo",
    "rio": "America/Sao_Paulo", "london": "Europe/London", "edinburgh": "Europe/London",
    "manchester": "Europe/London", "dublin": "Europe/Dublin", "lisbon": "Europe/Lisbon",
    "reykjavik": "Atlantic/Reykjavik", "paris": "Europe/Paris", "berlin": "Europe/Berlin",
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "madrid": "Europe/Madrid",
    "barcelona": "Europe/Madrid", "rome": "Europe/Rome", "milan": "Europe/Rome", "amsterdam": "Europe/Amsterdam",
    "brussels": "Europe/Brussels", "zurich": "Europe/Zurich", "geneva": "Europe/Zurich", "vienna": "Europe/Vienna",
    "prague": "Europe/Prague", "warsaw": "Europe/Warsaw", "stockholm": "Europe/Stockholm", "oslo": "Europe/Oslo",
    "copenhagen": "Europe/Copenhagen", "helsinki": "Europe/Helsinki", "athens": "Europe/Athens",
    "istanbul": "Europe/Istanbul", "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "moscow": "Europe/Moscow",
    "cairo": "Africa/Cairo", "lagos": "Africa/Lagos", "nairobi": "Africa/Nairobi",
    "johannesburg": "Africa/Johannesburg", "cape town": "Africa/Johannesburg", "casablanca": "Africa/Casablanca",
    "dubai": "Asia/Dubai", "abu dhabi": "Asia/Dubai", "riyadh": "Asia/Riyadh", "doha": "Asia/Qatar",
    "tehran": "Asia/Tehran", "kabul": "Asia/Kabul", "karachi": "Asia/Karachi", "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata", "kolkata": "Asia/Kolkata", "calcutta": "Asia/Kolkata",
    "india": "Asia/Kolkata", "colombo": "Asia/Colombo", "sri lanka": "Asia/Colombo",
    "kathmandu": "Asia/Kathmandu", "nepal": "Asia/Kathmandu", "dhaka": "Asia/Dhaka", "yangon": "Asia/Yangon",
    "bangkok": "Asia/Bangkok", "hanoi": "Asia/Bangkok", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "jakarta": "Asia/Jakarta", "singapore": "Asia/Singapore", "kuala lumpur": "Asia/Kuala_Lumpur",
    "manila": "Asia/Manila", "hong kong": "Asia/Hong_Kong", "taipei": "Asia/Taipei", "beijing": "Asia/Shanghai",
    "shanghai": "Asia/Shanghai", "china": "Asia/Shanghai", "seoul": "Asia/Seoul", "south korea": "Asia/Seoul",
    "tokyo": "Asia/Tokyo", "osaka": "Asia/Tokyo", "japan": "Asia/Tokyo", "perth": "Australia/Perth",
    "darwin": "Australia/Darwin", "adelaide": "Australia/Adelaide", "brisbane": "Australia/Brisbane",
    "sydney": "Australia/Sydney", "canberra": "Australia/Sydney", "melbourne": "Australia/Melbourne",
    "hobart": "Australia/Hobart", "auckland": "Pacific/Auckland", "wellington": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland", "fiji": "Pacific/Fiji", "chatham islands": "Pacific/Chatham",
    "utc": "UTC", "gmt": "UTC",
}


def _key(place: str) -> str:
    return " ".join(place.strip().lower().replace("_", " ").split()).removeprefix("the ")


@lru_cache(maxsize=1)
def _iana_places() -> dict[str, str]:
    """'auckland' -> 'Pacific/Auckland', and each IANA name itself, from the zones tzdata has."""
    table: dict[str, str] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        table.setdefault(name.lower(), name)
        if "/" in name:
            table.setdefault(_key(name.rsplit("/", 1)[1]), name)
    return table


def zone_for_place(place: str) -> zoneinfo.ZoneInfo | None:
    """The zone of a named place ("Tokyo", "St. John's", "Asia/Kathmandu"), or None when it is not known."""
    key = _key(place)
    name = PLACES.get(key) or _iana_places().get(key) or _iana_places().get(place.strip().lower())
    if name is None:
        key = re.sub(r",.*$", "", key).strip()  # "Paris, France"
        name = PLACES.get(key) or _iana_places().get(key)
    return zoneinfo.ZoneInfo(name) if name else None
