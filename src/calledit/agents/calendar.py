"""The one calendar: weekday and month names, leap years, day counts, named holidays, and what a timezone
says about its user (country, hemisphere, how they write 12/3).

Holidays come from the `holidays` package (public holidays per country) plus the few observances it does
not list (Halloween, Valentine's Day, New Year's Eve ...) and the Easter cycle (`dateutil.easter`). An
unknown name is an `UnknownHoliday`, never a guess. Zones come from the `tzdata` package (its `zone.tab`),
so every system reads the same table.
"""

from __future__ import annotations

import calendar as _calendar
import importlib.resources
import re
import warnings
from collections.abc import Callable
from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import cache, lru_cache
from typing import Literal

import holidays as _holidays
from dateutil.easter import easter

DateOrder = Literal["MDY", "DMY", "YMD"]

WEEKDAYS = tuple(_calendar.day_name)  # Monday .. Sunday
MONTH_NAMES = tuple(_calendar.month_name)[1:]  # January .. December
MONTHS: dict[str, int] = {name.lower(): index for index, name in enumerate(_calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(_calendar.month_abbr) if name})
MONTHS["sept"] = 9


class CalendarError(ValueError):
    """A date, year, country or holiday the calendar cannot read; the message says what to write instead."""


class UnknownHoliday(CalendarError):
    """No holiday of that name: never replaced by another day."""


def month_number(word: str) -> int:
    """1-12 from a month's name or abbreviation ("Sept", "dec."); CalendarError otherwise."""
    key = word.strip().lower().rstrip(".")
    if key in MONTHS:
        return MONTHS[key]
    if len(key) >= 3 and key[:3] in MONTHS:
        return MONTHS[key[:3]]
    raise CalendarError(f"not a month: {word!r}; write its name, e.g. March")


def weekday_number(word: str) -> int:
    """0 (Monday) - 6 (Sunday) from a weekday's name; CalendarError otherwise."""
    key = word.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if key in (name.lower(), name.lower()[:3]):
            return index
    raise CalendarError(f"not a weekday: {word!r}; write its name, e.g. Friday")


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
    """Why nothing exact can be said about `year`."""
    if year == 0:
        return "there is no year 0 in the calendar (1 BC is followed by AD 1)."
    return f"the calendar covers the years {MINYEAR} to {MAXYEAR} only, not {year}."


def check_year(year: int) -> int:
    if not in_calendar(year):
        raise CalendarError(f"no such year: {outside_calendar(year)}")
    return year


def month_length(year: int, month: int) -> int:
    return _calendar.monthrange(check_year(year), month)[1]


def weekday_count(weekday: int, year: int, month: int | None = None) -> int:
    """How many of `weekday` (0 = Monday) a month, or a whole year, has."""
    check_year(year)
    months = [month] if month is not None else list(range(1, 13))
    total = 0
    for number in months:
        first = date(year, number, 1)
        length = _calendar.monthrange(year, number)[1]
        ahead = (weekday - first.weekday()) % 7
        total += 0 if ahead >= length else (length - 1 - ahead) // 7 + 1
    return total


def parse_iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise CalendarError(f"not a date: {text!r}; use YYYY-MM-DD, e.g. 2026-12-25") from exc


# --- zones ---------------------------------------------------------------------------------------------


@cache
def _zone_table() -> dict[str, tuple[str, float]]:
    """IANA zone -> (ISO country, latitude), from tzdata's zone.tab (every system reads the same one)."""
    text = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    table: dict[str, tuple[str, float]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        match = re.match(r"([+-])(\d{2})(\d{2})", fields[1])
        if len(fields) >= 3 and match:
            sign = -1 if match.group(1) == "-" else 1
            table[fields[2]] = (fields[0], sign * (int(match.group(2)) + int(match.group(3)) / 60))
    return table


@cache
def _links() -> dict[str, str]:
    """Old zone names ("US/Eastern", "Asia/Calcutta") -> the zone.tab zone they are a link to (the same file)."""
    from zoneinfo import available_timezones

    prints: dict[bytes, str] = {}
    for name in _zone_table():
        prints.setdefault(_zone_file(name), name)
    links: dict[str, str] = {}
    for name in available_timezones() - set(_zone_table()):
        target = prints.get(_zone_file(name))
        if target is not None:
            links[name] = target
    return links


def _zone_file(name: str) -> bytes:
    try:
        return (importlib.resources.files("tzdata") / "zoneinfo" / name).read_bytes()
    except OSError:
        return b""


def _entry(timezone: str) -> tuple[str, float] | None:
    table = _zone_table()
    if timezone in table:
        return table[timezone]
    target = _links().get(timezone)
    return table.get(target) if target else None


def country_of_zone(timezone: str) -> str | None:
    """The ISO country of an IANA zone ("America/Chicago" -> "US"); None for UTC and other non-places."""
    entry = _entry(timezone)
    return entry[0] if entry else None


def holiday_country(timezone: str) -> str | None:
    """The country whose public holidays apply to a user in `timezone`, when the holidays package has it."""
    country = country_of_zone(timezone)
    return country if country in _supported() else None


def date_order_for(timezone: str, override: str | None = None) -> DateOrder:
    """How to read 12/3: MDY in US timezones, DMY elsewhere, unless `override` (a setting) says."""
    if override and override.upper() in ("MDY", "DMY", "YMD"):
        return override.upper()  # type: ignore[return-value]
    return "MDY" if country_of_zone(timezone) == "US" else "DMY"


def southern_hemisphere(timezone: str) -> bool:
    entry = _entry(timezone)
    return entry is not None and entry[1] < 0


# --- countries -----------------------------------------------------------------------------------------


@cache
def _supported() -> frozenset[str]:
    return frozenset(_holidays.list_supported_countries())


@cache
def _country_names() -> dict[str, str]:
    """'canada' -> 'CA', 'united kingdom' -> 'GB', from the holidays package's registry, plus common names."""
    from holidays.registry import COUNTRIES

    names: dict[str, str] = {}
    for module, (class_name, code, *_rest) in COUNTRIES.items():
        names[module.replace("_", " ")] = code
        names[re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower()] = code
    names.update({"uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "usa": "US", "us": "US",
                  "america": "US", "the us": "US", "the uk": "GB", "the usa": "US", "united states": "US"})
    return names


_DEMONYMS = {"american": "US", "canadian": "CA", "british": "GB", "english": "GB", "australian": "AU",
             "french": "FR", "german": "DE", "irish": "IE", "indian": "IN", "mexican": "MX", "japanese": "JP",
             "chinese": "CN", "brazilian": "BR", "italian": "IT", "spanish": "ES", "dutch": "NL"}


def check_country(country: str) -> str:
    """An ISO 3166 code the holidays package knows, from a code or a country's name."""
    text = country.strip()
    code = text.upper() if len(text) <= 3 else _country_names().get(text.lower(), "")
    if code not in _supported():
        raise CalendarError(f"no holiday calendar for {country!r}; use an ISO 3166 code such as US, GB, FR")
    return code


@cache
def _country_pattern() -> re.Pattern[str]:
    words = sorted({*_country_names(), *_DEMONYMS}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(word) for word in words if len(word) > 2) + r")\b", re.I)


def country_in_text(text: str) -> str | None:
    """The country a text names for its holidays ("in Canada", "British", "the UK"), or None."""
    match = re.search(r"\b(?:in|of)\s+(?:the\s+)?(US|USA|UK)\b", text) or _country_pattern().search(text)
    if match is None:
        return None
    word = match.group(1).lower()
    code = _DEMONYMS.get(word) or _country_names().get(word)
    return code if code in _supported() else None


# --- holidays ------------------------------------------------------------------------------------------

# Named days the holidays package does not list (observances, not days off), by rule.
_OBSERVANCES: dict[str, Callable[[int], date]] = {
    "christmas eve": lambda year: date(year, 12, 24),
    "new year's eve": lambda year: date(year, 12, 31),
    "halloween": lambda year: date(year, 10, 31),
    "valentine's day": lambda year: date(year, 2, 14),
    "st patrick's day": lambda year: date(year, 3, 17),
    "groundhog day": lambda year: date(year, 2, 2),
    "earth day": lambda year: date(year, 4, 22),
    "fourth of july": lambda year: date(year, 7, 4),
    "easter sunday": easter,
    "good friday": lambda year: easter(year) - timedelta(days=2),
    "easter monday": lambda year: easter(year) + timedelta(days=1),
    "ash wednesday": lambda year: easter(year) - timedelta(days=46),
    "palm sunday": lambda year: easter(year) - timedelta(days=7),
    "pentecost": lambda year: easter(year) + timedelta(days=49),
    "mother's day": lambda year: _nth_weekday(year, 5, 6, 2),  # the US and many others: 2nd Sunday of May
    "father's day": lambda year: _nth_weekday(year, 6, 6, 3),
}
# What people call a holiday -> the name the calendar uses, and the country it belongs to when the user's
# own country has no day of that name (None: the user's country, or the observances above).
_ALIASES: dict[str, tuple[str, str | None]] = {
    "christmas": ("christmas day", "US"),
    "xmas": ("christmas day", "US"),
    "xmas day": ("christmas day", "US"),
    "xmas eve": ("christmas eve", None),
    "new year": ("new year's day", "US"),
    "new year's": ("new year's day", "US"),
    "new years": ("new year's day", "US"),
    "new years day": ("new year's day", "US"),
    "new years eve": ("new year's eve", None),
    "easter": ("easter sunday", None),
    "valentine's": ("valentine's day", None),
    "valentines day": ("valentine's day", None),
    "valentines": ("valentine's day", None),
    "saint patrick's day": ("st patrick's day", None),
    "st. patrick's day": ("st patrick's day", None),
    "st patricks day": ("st patrick's day", None),
    "july 4th": ("fourth of july", None),
    "july 4": ("fourth of july", None),
    "4th of july": ("fourth of july", None),
    "independence day": ("independence day", "US"),
    "thanksgiving": ("thanksgiving", "US"),
    "thanksgiving day": ("thanksgiving", "US"),
    "memorial day": ("memorial day", "US"),
    "labor day": ("labor day", "US"),
    "labour day": ("labour day", None),
    "mlk day": ("martin luther king jr. day", "US"),
    "martin luther king day": ("martin luther king jr. day", "US"),
    "martin luther king jr. day": ("martin luther king jr. day", "US"),
    "presidents' day": ("washington's birthday", "US"),
    "presidents day": ("washington's birthday", "US"),
    "washington's birthday": ("washington's birthday", "US"),
    "juneteenth": ("juneteenth", "US"),
    "columbus day": ("columbus day", "US"),
    "veterans day": ("veterans day", "US"),
    "boxing day": ("boxing day", "GB"),
    "canada day": ("canada day", "CA"),
    "bastille day": ("national day", "FR"),
    "australia day": ("australia day", "AU"),
    "anzac day": ("anzac day", "AU"),
    "christmas day": ("christmas day", "US"),
    "new year's day": ("new year's day", "US"),
}


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def clean_holiday_name(name: str) -> str:
    text = re.sub(r"\s+", " ", name.strip().lower().replace("\u2019", "'"))
    return text.removeprefix("the ")


@lru_cache(maxsize=128)
def _holiday_table(country: str, year: int, every_category: bool = False) -> _holidays.HolidayBase:
    """One country's public holidays in one year, built once (a text may name the same year many times);
    `every_category` adds the optional and government ones (Canada's Thanksgiving is optional federally)."""
    with warnings.catch_warnings():  # some calendars warn for years they do not cover; they then have no days
        warnings.simplefilter("ignore")
        if every_category:
            categories = _holidays.country_holidays(country).supported_categories
            return _holidays.country_holidays(country, years=year, categories=categories)
        return _holidays.country_holidays(country, years=year)


def _in_table(key: str, year: int, country: str) -> list[tuple[date, str]]:
    """The days whose name is `key`: an exact name first, then one that starts with it, then one that holds it
    ("Independence Day" is not Juneteenth National Independence Day)."""
    table = _holiday_table(country, year, every_category=True)
    named = [(day, str(label)) for day, label in table.items() if "(observed)" not in str(label).lower()]
    for matches in (lambda label: label == key, lambda label: label.startswith(key), lambda label: key in label):
        found = sorted((day, label) for day, label in named if matches(clean_holiday_name(label)))
        if found:
            return found
    return []


def known_holiday(name: str) -> bool:
    """Whether `name` is a holiday the calendar can date (in some country), without a year."""
    key = clean_holiday_name(name)
    canonical, _home = _ALIASES.get(key, (key, None))
    return canonical in _OBSERVANCES or key in _ALIASES


def holiday_dates(name: str, year: int, country: str | None = None) -> list[tuple[date, str]]:
    """Every date of the holiday called `name` in `year`, for `country` (ISO code; None: its home country).

    Raises UnknownHoliday when no calendar has a day of that name, CalendarError for a year outside 1-9999."""
    check_year(year)
    key = clean_holiday_name(name)
    canonical, home = _ALIASES.get(key, (key, None))
    if canonical in _OBSERVANCES:
        return [(_OBSERVANCES[canonical](year), name.strip())]
    tried = []
    for code in dict.fromkeys(c for c in (country and check_country(country), home) if c):
        tried.append(code)
        found = _in_table(canonical, year, code)
        if found:
            return found
    where = f" in {', '.join(tried)}" if tried else ""
    raise UnknownHoliday(
        f"no holiday called {name!r}{where} in {year}; name it as a calendar does (e.g. Thanksgiving, Easter, "
        "Christmas Day, Memorial Day) and give its country"
    )


def holiday_date(name: str, year: int, country: str | None = None) -> date:
    """The (first) date of a named holiday in `year`; UnknownHoliday for a name no calendar has."""
    return holiday_dates(name, year, country)[0][0]


def holidays_on(day: date, country: str) -> list[str]:
    """Public holidays on `day` in `country` (ISO code)."""
    names = _holiday_table(check_country(country), day.year).get_list(day)
    return [str(name) for name in names]


__all__ = [
    "MONTHS",
    "MONTH_NAMES",
    "WEEKDAYS",
    "CalendarError",
    "DateOrder",
    "UnknownHoliday",
    "check_country",
    "check_year",
    "clean_holiday_name",
    "country_in_text",
    "country_of_zone",
    "date_order_for",
    "days_between",
    "holiday_country",
    "holiday_date",
    "holiday_dates",
    "holidays_on",
    "in_calendar",
    "is_leap_year",
    "known_holiday",
    "month_length",
    "month_number",
    "outside_calendar",
    "parse_iso_date",
    "southern_hemisphere",
    "weekday_count",
    "weekday_name",
    "weekday_number",
]
