"""Deterministic calendar facts: weekdays, day counts, leap years, holidays (the `holidays` package)."""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays as _holidays
from dateutil.easter import easter

WEEKDAYS = tuple(_calendar.day_name)  # Monday .. Sunday
MONTHS = {name.lower(): index for index, name in enumerate(_calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(_calendar.month_abbr) if name})
MONTHS["sept"] = 9
DEFAULT_COUNTRY = "US"

# Named days the `holidays` package does not list everywhere (or at all), by (month, day).
FIXED_DAYS = {
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "halloween": (10, 31),
    "valentine's day": (2, 14),
    "valentines day": (2, 14),
    "st patrick's day": (3, 17),
    "st. patrick's day": (3, 17),
    "saint patrick's day": (3, 17),
    "independence day": (7, 4),
    "bastille day": (7, 14),
}


class CalendarError(ValueError):
    """A date or country that cannot be read; the message says which format is expected."""


def parse_iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise CalendarError(f"not a date: {text!r}; use YYYY-MM-DD, e.g. 2026-12-25") from exc


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def days_between(start: date, end: date) -> int:
    """Whole days from `start` to `end` (negative when `end` is earlier)."""
    return (end - start).days


def is_leap_year(year: int) -> bool:
    return _calendar.isleap(year)


def in_calendar(year: int) -> bool:
    """Whether the calendar has `year` (1 to 9999: there is no year 0, and no dates beyond 9999)."""
    return MINYEAR <= year <= MAXYEAR


def outside_calendar(year: int) -> str:
    """Why the tools say nothing exact about `year`, for the model's evidence."""
    if year == 0:
        return "there is no year 0 in the calendar (1 BC is followed by AD 1)."
    return f"the calendar covers the years {MINYEAR} to {MAXYEAR} only, not {year}."


def check_country(country: str) -> str:
    code = country.strip().upper()
    if code not in _holidays.list_supported_countries():
        raise CalendarError(f"no holiday calendar for {country!r}; use an ISO 3166 code such as US, GB, FR")
    return code


def holidays_on(day: date, country: str = DEFAULT_COUNTRY) -> list[str]:
    """Public holidays on `day` in `country` (ISO code)."""
    names = _holiday_table(check_country(country), day.year).get_list(day)
    return [str(name) for name in names]


@lru_cache(maxsize=64)
def _holiday_table(country: str, year: int) -> _holidays.HolidayBase:
    """One country's holidays in one year, built once: a text may name the same year many times."""
    return _holidays.country_holidays(country, years=year)


def holiday_dates(name: str, year: int, country: str = DEFAULT_COUNTRY) -> list[tuple[date, str]]:
    """Dates of the holiday called `name` in `year`: fixed named days, Easter, then the country's calendar."""
    if not in_calendar(year):
        raise CalendarError(f"no holidays in year {year}: {outside_calendar(year)}")
    key = _clean_name(name)
    if key in FIXED_DAYS:
        month, day = FIXED_DAYS[key]
        return [(date(year, month, day), name.strip())]
    if key in ("easter", "easter sunday"):
        return [(easter(year), "Easter Sunday")]
    if key == "good friday":
        return [(easter(year) - timedelta(days=2), "Good Friday")]
    if key == "easter monday":
        return [(easter(year) + timedelta(days=1), "Easter Monday")]
    table = _holiday_table(check_country(country), year)
    return sorted(
        (day, str(label)) for day, label in table.items() if key and key in _clean_name(str(label))
    )


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().replace("\u2019", "'")).removeprefix("the ")


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO country, from the system tz database when it is there."""
    table: dict[str, str] = {}
    for path in (Path("/usr/share/zoneinfo/zone.tab"), Path("/usr/share/zoneinfo/zone1970.tab")):
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                table.setdefault(parts[2], parts[0].split(",")[0])
    return table


def country_for_timezone(timezone: str) -> str:
    """The country whose holidays apply to a user in `timezone` (US when unknown)."""
    country = _zone_countries().get(timezone, DEFAULT_COUNTRY)
    return country if country in _holidays.list_supported_countries() else DEFAULT_COUNTRY


# --- finding dates in text ------------------------------------------------------------------------

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_HOLIDAY_NAMES = "|".join(
    re.escape(name).replace("'", "['\u2019]?")
    for name in sorted({*FIXED_DAYS, "easter sunday", "easter monday", "easter", "good friday",
                        "thanksgiving day", "thanksgiving", "labor day", "labour day", "memorial day",
                        "martin luther king jr. day", "juneteenth", "columbus day", "veterans day",
                        "washington's birthday", "presidents' day"}, key=len, reverse=True)
)
_DATE_PATTERNS = [
    re.compile(r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,\s*|\s+){_YEAR}\b", re.I),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b(?:the\s+)?(?P<holiday>{_HOLIDAY_NAMES})(?:\s+(?:of|in))?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_YEAR}(?:'s)?\s+(?P<holiday>{_HOLIDAY_NAMES})\b", re.I),
]


@dataclass(frozen=True)
class DateMention:
    """A date written in the text, where it is, and how it was read."""

    start: int
    end: int
    day: date
    text: str


def find_dates(text: str, country: str = DEFAULT_COUNTRY) -> list[DateMention]:
    """Every unambiguous date in `text` (a year is required), left to right, without overlaps."""
    found: list[DateMention] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _read(match, country)
            if day is None or any(m.start < match.end() and match.start() < m.end for m in found):
                continue
            found.append(DateMention(match.start(), match.end(), day, match.group(0)))
    return sorted(found, key=lambda mention: mention.start)


def _read(match: re.Match[str], country: str) -> date | None:
    groups = match.groupdict()
    try:
        if groups.get("iso"):
            return date.fromisoformat(groups["iso"])
        year = int(groups["year"])
        if groups.get("holiday"):
            days = holiday_dates(groups["holiday"], year, country)
            return days[0][0] if days else None
        return date(year, MONTHS[groups["month"].lower().rstrip(".")], int(groups["day"]))
    except (ValueError, KeyError, CalendarError):
        return None


def weekday_mentions(text: str) -> Iterator[tuple[int, int, str]]:
    for match in re.finditer(r"\b(" + "|".join(WEEKDAYS) + r")s?\b", text, re.I):
        yield match.start(), match.end(), match.group(1).capitalize()
