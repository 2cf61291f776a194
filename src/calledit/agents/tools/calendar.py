"""The calendar as the verifier's tools see it: the one calendar (`agents.calendar`), and dates found in text.

Every fact (weekdays, day counts, leap years, holidays, zones) comes from `calledit.agents.calendar`; this
module only adds `find_dates`, which reads the dates a text writes out (for the regex pre-pass).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from calledit.agents.calendar import (
    MONTHS,
    WEEKDAYS,
    CalendarError,
    UnknownHoliday,
    check_country,
    days_between,
    holiday_country,
    holiday_dates,
    holidays_on,
    in_calendar,
    is_leap_year,
    outside_calendar,
    parse_iso_date,
    weekday_name,
)

DEFAULT_COUNTRY = "US"  # the hosted models' holiday tool, when they name no country


def country_for_timezone(timezone: str) -> str | None:
    """The country whose holidays apply to a user in `timezone`; None when the zone is no country's."""
    return holiday_country(timezone)


# --- finding dates in text ------------------------------------------------------------------------

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_HOLIDAY_NAMES = "|".join(
    re.escape(name).replace("'", "['\u2019]?")
    for name in sorted({"christmas eve", "christmas day", "christmas", "boxing day", "new year's eve",
                        "new years eve", "new year's day", "new years day", "halloween", "valentine's day",
                        "valentines day", "st patrick's day", "st. patrick's day", "saint patrick's day",
                        "independence day", "bastille day", "easter sunday", "easter monday", "easter", "good friday",
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


def find_dates(text: str, country: str | None = None) -> list[DateMention]:
    """Every unambiguous date in `text` (a year is required), left to right, without overlaps."""
    found: list[DateMention] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            day = _read(match, country)
            if day is None or any(m.start < match.end() and match.start() < m.end for m in found):
                continue
            found.append(DateMention(match.start(), match.end(), day, match.group(0)))
    return sorted(found, key=lambda mention: mention.start)


def _read(match: re.Match[str], country: str | None) -> date | None:
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


__all__ = [
    "DEFAULT_COUNTRY",
    "MONTHS",
    "WEEKDAYS",
    "CalendarError",
    "DateMention",
    "UnknownHoliday",
    "check_country",
    "country_for_timezone",
    "days_between",
    "find_dates",
    "holiday_dates",
    "holidays_on",
    "in_calendar",
    "is_leap_year",
    "outside_calendar",
    "parse_iso_date",
    "weekday_mentions",
    "weekday_name",
]
