"""The date resolver: time expressions in a prediction become concrete datetimes in the user's timezone.

Dates are not left to a model's arithmetic. Rules cover what people say about the future (tonight, this
weekend, next Friday, in three weeks, end of the month, Q2 2027, next spring, Christmas Day); dateparser
covers explicit dates ("March 15, 2027", "12/3", "2027-01-15"). Each expression resolves to the span of
time it names; a call is checked at the end of that span (the deadline, for "by" and "before").

Conventions (docs/eval.md has the full list):
- numeric dates follow the timezone's region: US zones read 12/3 as December 3 (MDY), others as
  3 December (DMY); `Settings.date_order` overrides it;
- seasons are meteorological and follow the timezone's hemisphere (spring is Sep-Nov in Sydney);
- "next Friday" is the Friday of next week when this week's Friday is still ahead, else the coming one;
  "this/on/by Friday" is the coming Friday, today included;
- a day ends at 23:59:59; "tonight" and "this evening" run from 18:00.
"""

from __future__ import annotations

import calendar
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

DateOrder = Literal["MDY", "DMY", "YMD"]

_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
# From zone.tab (country US), for systems without it.
_US_ZONES = frozenset({
    "America/New_York", "America/Detroit", "America/Kentucky/Louisville", "America/Kentucky/Monticello",
    "America/Indiana/Indianapolis", "America/Indiana/Vincennes", "America/Indiana/Winamac",
    "America/Indiana/Marengo", "America/Indiana/Petersburg", "America/Indiana/Vevay", "America/Chicago",
    "America/Indiana/Tell_City", "America/Indiana/Knox", "America/Menominee", "America/North_Dakota/Center",
    "America/North_Dakota/New_Salem", "America/North_Dakota/Beulah", "America/Denver", "America/Boise",
    "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "America/Juneau", "America/Sitka",
    "America/Metlakatla", "America/Yakutat", "America/Nome", "America/Adak", "Pacific/Honolulu",
    "US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "US/Alaska", "US/Hawaii", "US/Arizona",
    "America/Indianapolis", "America/Louisville",
})
_SOUTHERN_PREFIXES = ("Australia/", "Antarctica/", "America/Argentina/", "Pacific/Auckland", "Pacific/Fiji",
                      "America/Sao_Paulo", "America/Santiago", "Africa/Johannesburg", "America/Montevideo",
                      "America/Lima", "Africa/Harare", "Indian/Mauritius", "Pacific/Chatham")


@cache
def _zone_table() -> dict[str, tuple[str, float]]:
    """zone name -> (country code, latitude), from the system's zone.tab when it has one."""
    table: dict[str, tuple[str, float]] = {}
    try:
        lines = _ZONE_TAB.read_text().splitlines()
    except OSError:
        return table
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        match = re.match(r"([+-])(\d{2})(\d{2})", fields[1])
        if match:
            sign = -1 if match.group(1) == "-" else 1
            table[fields[2]] = (fields[0], sign * (int(match.group(2)) + int(match.group(3)) / 60))
    return table


def date_order_for(timezone: str, override: str | None = None) -> DateOrder:
    """How to read 12/3: MDY in US timezones, DMY elsewhere, unless `override` (a setting) says."""
    if override and override.upper() in ("MDY", "DMY", "YMD"):
        return override.upper()  # type: ignore[return-value]
    entry = _zone_table().get(timezone)
    is_us = entry[0] == "US" if entry else timezone in _US_ZONES
    return "MDY" if is_us or timezone in _US_ZONES else "DMY"


def southern_hemisphere(timezone: str) -> bool:
    entry = _zone_table().get(timezone)
    if entry is not None:
        return entry[1] < 0
    return timezone.startswith(_SOUTHERN_PREFIXES)


@dataclass(frozen=True)
class TimeExpression:
    """A time expression found in a prediction and the span of time it names (aware, user's zone)."""

    text: str
    start: datetime
    end: datetime
    kind: str  # moment, day, evening, weekend, week, month, quarter, half, season, year, duration, holiday
    position: tuple[int, int]  # character offsets in the prediction
    cue: str | None = None  # the word just before it: by, before, on, in, until, every, ...
    source: Literal["rule", "dateparser"] = "rule"
    # False when the words have several common readings ("this season": weather or sports?): the guard
    # then only keeps the date out of the past instead of replacing it.
    firm: bool = True

    @property
    def deadline(self) -> datetime:
        """When a call about it can be checked: the start for "before X", else the end of X."""
        if self.cue == "before" and self.kind not in ("moment", "duration"):
            return self.start - timedelta(seconds=1)
        return self.end

    def describe(self) -> str:
        """One short line for the model: the words and when they are checked."""
        return f'"{self.text}" = {self.deadline.isoformat(timespec="seconds")}'

    def as_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "start": self.start.isoformat(timespec="seconds"),
            "end": self.end.isoformat(timespec="seconds"),
            "check_at": self.deadline.isoformat(timespec="seconds"),
        }


# --- building blocks -----------------------------------------------------------------------------------

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
_MONTH_ABBR = {name[:3]: i for i, name in enumerate(_MONTHS, 1)} | {"sept": 9}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100, "couple of": 2,
    "a couple of": 2, "few": 3, "a few": 3,
}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "last": 4, "final": 4}
_CUES = ("by", "before", "until", "till", "on", "in", "at", "within", "during", "after", "every", "through",
         "throughout", "from", "for", "around", "of")

_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
            r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_WEEKDAY_RE = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_YEAR_RE = r"(?:19|20|21)\d{2}"
_NUM_RE = r"(?:\d+|a couple of|couple of|a few|few|" + "|".join(
    sorted((w for w in _NUMBER_WORDS if " " not in w), key=len, reverse=True)) + r")"
_UNIT_RE = r"(?:minute|min|hour|hr|day|week|fortnight|month|year|yr|decade)s?"
_TIME_RE = r"(?:noon|midday|midnight|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2})"


def _month_number(word: str) -> int:
    return _MONTH_ABBR[word.lower()[:4] if word.lower().startswith("sept") else word.lower()[:3]]


def _number(word: str) -> int:
    word = word.lower().strip()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


class _Clock:
    """Local wall-clock arithmetic in one zone, normalising times that fall in a DST gap."""

    def __init__(self, now: datetime, zone: zoneinfo.ZoneInfo, order: DateOrder = "DMY") -> None:
        self.zone = zone
        self.now = now.astimezone(zone)
        self.today = self.now.date()
        self.order = order

    def at(self, day: date, clock: time = time(0, 0)) -> datetime:
        naive = datetime.combine(day, clock)
        aware = naive.replace(tzinfo=self.zone)
        # A wall time inside a spring-forward gap does not exist: round-tripping through UTC moves it on.
        return aware.astimezone(UTC).astimezone(self.zone)

    def day(self, day: date) -> tuple[datetime, datetime]:
        return self.at(day), self.at(day, time(23, 59, 59))

    def days(self, first: date, last: date) -> tuple[datetime, datetime]:
        return self.at(first), self.at(last, time(23, 59, 59))

    def month(self, year: int, month: int) -> tuple[datetime, datetime]:
        return self.days(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    def year(self, year: int) -> tuple[datetime, datetime]:
        return self.days(date(year, 1, 1), date(year, 12, 31))

    def week_of(self, day: date) -> tuple[datetime, datetime]:
        monday = day - timedelta(days=day.weekday())
        return self.days(monday, monday + timedelta(days=6))

    def upcoming(self, first: date, last: date) -> tuple[datetime, datetime]:
        """A yearly span (holiday, season) this year if not yet over, else next year's."""
        start, end = self.days(first, last)
        if end < self.now:
            return self.days(first + relativedelta(years=1), last + relativedelta(years=1))
        return start, end


def _parse_time(text: str) -> time:
    text = text.lower().replace(".", "").replace(" ", "")
    if text in ("noon", "midday"):
        return time(12, 0)
    if text == "midnight":
        return time(23, 59, 59)
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)) % 24, int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    return time(hour, minute)


def _quarter(clock: _Clock, year: int, quarter: int) -> tuple[datetime, datetime]:
    first_month = 3 * (quarter - 1) + 1
    start, _ = clock.month(year, first_month)
    _, end = clock.month(year, first_month + 2)
    return start, end


_SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def _season(clock: _Clock, name: str, which: str | None, year: int | None, southern: bool) -> tuple[datetime, datetime]:
    """A meteorological season: three months from its first (shifted six months south of the equator)."""
    first = _SEASON_MONTHS[name]
    if southern:
        first = (first + 6 - 1) % 12 + 1

    def span(start_year: int) -> tuple[datetime, datetime]:
        start, _ = clock.month(start_year, first)
        last = date(start_year, first, 1) + relativedelta(months=2)
        _, end = clock.month(last.year, last.month)
        return start, end

    if year is not None:
        # "winter 2027" is the winter that starts in December 2026 north of the equator? No: most people
        # mean the one that starts in the named year; keep it simple and predictable.
        return span(year)
    candidates = [span(clock.today.year - 1), span(clock.today.year), span(clock.today.year + 1)]
    current_or_next = next(s for s in candidates if s[1] >= clock.now)
    if which == "next" and current_or_next[0] <= clock.now:
        return candidates[candidates.index(current_or_next) + 1]
    return current_or_next


def _current_season(clock: _Clock, southern: bool) -> tuple[datetime, datetime]:
    month = clock.today.month
    first = month - (month % 3)
    first = 12 if first == 0 else first
    start_year = clock.today.year - 1 if month < 3 and first == 12 else clock.today.year
    start, _ = clock.month(start_year, first)
    last = date(start_year, first, 1) + relativedelta(months=2)
    _, end = clock.month(last.year, last.month)
    del southern  # the same three months are a season in both hemispheres; only the name differs
    return start, end


def _thanksgiving(year: int) -> date:
    november = date(year, 11, 1)
    first_thursday = november + timedelta(days=(3 - november.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def _holiday(name: str, year: int) -> date:
    name = name.lower().replace("\u2019", "'")
    if "christmas eve" in name:
        return date(year, 12, 24)
    if "christmas" in name or "xmas" in name:
        return date(year, 12, 25)
    if "new year's eve" in name or "new years eve" in name:
        return date(year, 12, 31)
    if "new year" in name:
        return date(year, 1, 1)
    if "halloween" in name:
        return date(year, 10, 31)
    if "valentine" in name:
        return date(year, 2, 14)
    if "thanksgiving" in name:
        return _thanksgiving(year)
    if "easter" in name:
        return easter(year)
    return date(year, 7, 4)  # independence day / fourth of july / july 4th


# --- rules ------------------------------------------------------------------------------------------------

Span = tuple[datetime, datetime, str]
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], _Clock, bool], Span | None]]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$])" + pattern + r"(?![\w%])", re.I)


def _end_of(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    which, unit, month, year = (match.group(name) or None for name in ("which", "unit", "month", "year"))
    today = clock.today
    if month:
        number = _month_number(month)
        y = int(year) if year else (today.year if number >= today.month else today.year + 1)
        _, end = clock.month(y, number)
    elif unit is None or unit.lower() == "year":
        y = int(year) if year else today.year + (1 if which and which.lower() == "next" else 0)
        _, end = clock.year(y)
    else:
        unit = unit.lower()
        step = 1 if which and which.lower() == "next" else 0
        if unit == "day":
            _, end = clock.day(today + timedelta(days=step))
        elif unit == "week":
            _, end = clock.week_of(today + timedelta(weeks=step))
        elif unit == "month":
            first = date(today.year, today.month, 1) + relativedelta(months=step)
            _, end = clock.month(first.year, first.month)
        else:  # quarter
            quarter = (today.month - 1) // 3 + 1 + step
            y = today.year + (quarter - 1) // 4
            _, end = _quarter(clock, y, (quarter - 1) % 4 + 1)
    return end, end, "moment"


def _quarter_rule(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    quarter = match.group("q") or match.group("qword")
    number = int(quarter) if quarter.isdigit() else _ORDINALS[quarter.lower()]
    year = int(match.group("year")) if match.group("year") else clock.today.year
    if not match.group("year") and _quarter(clock, year, number)[1] < clock.now:
        year += 1
    start, end = _quarter(clock, year, number)
    return start, end, "quarter"


def _half_rule(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    half = match.group("h") or ("1" if match.group("hword").lower() == "first" else "2")
    year = int(match.group("year"))
    start, _ = clock.month(year, 1 if half == "1" else 7)
    _, end = clock.month(year, 6 if half == "1" else 12)
    return start, end, "half"


def _relative_period(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    which, unit = match.group("which").lower(), match.group("unit").lower()
    step = 0 if which == "this" else 1
    today = clock.today
    if unit == "week":
        start, end = clock.week_of(today + timedelta(weeks=step))
    elif unit == "month":
        first = date(today.year, today.month, 1) + relativedelta(months=step)
        start, end = clock.month(first.year, first.month)
    elif unit == "quarter":
        quarter = (today.month - 1) // 3 + 1 + step
        start, end = _quarter(clock, today.year + (quarter - 1) // 4, (quarter - 1) % 4 + 1)
    else:
        start, end = clock.year(today.year + step)
    if step == 0:
        start = max(start, clock.now)
    return start, end, unit


def _season_rule(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    which = match.group("which")
    year = int(match.group("year")) if match.group("year") else None
    before = match.string[: match.start()].lower().split()[-1:]
    if match.group("season").lower() == "fall" and not (which or year or before in (["in"], ["by"], ["the"])):
        return None  # "prices will fall" is a verb, not a season
    start, end = _season(clock, match.group("season").lower(), which.lower() if which else None, year, southern)
    return start, end, "season"


def _this_season(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del match
    start, end = _current_season(clock, southern)
    return max(start, clock.now), end, "season"


def _holiday_rule(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    name = match.group("holiday")
    if match.group("year"):
        day = _holiday(name, int(match.group("year")))
        start, end = clock.day(day)
    else:
        start, end = clock.day(_holiday(name, clock.today.year))
        if end < clock.now:
            start, end = clock.day(_holiday(name, clock.today.year + 1))
    return start, end, "holiday"


_PARTS_OF_DAY = {"morning": (time(6), time(11, 59, 59)), "afternoon": (time(12), time(17, 59, 59)),
                 "evening": (time(18), time(23, 59, 59)), "night": (time(18), time(23, 59, 59))}


def _day_word(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    word = match.group("day").lower()
    offset = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}.get(word, 2)
    day = clock.today + timedelta(days=offset)
    part = (match.group("part") or ("night" if word == "tonight" else "")).lower()
    at = match.group("time") or match.group("time2")
    if at:
        moment = clock.at(day, _parse_time(at))
        if word == "tonight" and moment.hour < 12:
            moment = clock.at(day + timedelta(days=1), moment.time())
        return moment, moment, "moment"
    if part:
        first, last = _PARTS_OF_DAY[part]
        return clock.at(day, first), clock.at(day, last), "evening" if part in ("evening", "night") else "day"
    start, end = clock.day(day)
    return start, end, "day"


def _this_part(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    first, last = _PARTS_OF_DAY[match.group("part").lower()]
    return clock.at(clock.today, first), clock.at(clock.today, last), "day"


def _weekend(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    today = clock.today
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on Sunday "this weekend" is the one under way
        saturday = today - timedelta(days=1)
    if match.group("which").lower() == "next":
        saturday += timedelta(weeks=1)
    start, end = clock.days(saturday, saturday + timedelta(days=1))
    return max(start, clock.now), end, "weekend"


def _weekday(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    which = (match.group("which") or "").lower()
    target = _WEEKDAYS.index(match.group("weekday").lower())
    today = clock.today
    ahead = (target - today.weekday()) % 7
    if which == "next":
        ahead = ahead or 7
        if target > today.weekday():  # this week's is still ahead: "next" means the one after it
            ahead += 7
    elif which == "last":
        return None
    day = today + timedelta(days=ahead)
    at = match.group("time")
    if at:
        moment = clock.at(day, _parse_time(at))
        return moment, moment, "moment"
    start, end = clock.day(day)
    return start, end, "day"


_UNIT_STEPS: dict[str, timedelta | relativedelta] = {
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1), "hour": timedelta(hours=1),
    "hr": timedelta(hours=1), "day": relativedelta(days=1), "week": relativedelta(weeks=1),
    "fortnight": relativedelta(weeks=2), "month": relativedelta(months=1),
    "year": relativedelta(years=1), "yr": relativedelta(years=1), "decade": relativedelta(years=10),
}


def _duration(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    count = _number(match.group("count"))
    unit = match.group("unit").lower().rstrip("s")
    step = _UNIT_STEPS[unit]
    if isinstance(step, timedelta):  # hours and minutes are elapsed time, whatever DST does
        end = (clock.now.astimezone(UTC) + step * count).astimezone(clock.zone)
    else:  # days and longer keep the wall-clock time
        end = clock.at((clock.now + step * count).date(), clock.now.time().replace(tzinfo=None))
    return clock.now, end, "duration"


def _month_year(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    start, end = clock.month(int(match.group("year")), _month_number(match.group("month")))
    return start, end, "month"


def _bare_month(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    number = _month_number(match.group("month"))
    year = clock.today.year if number >= clock.today.month else clock.today.year + 1
    if (match.group("which") or "").lower() == "next" and number == clock.today.month:
        year += 1
    start, end = clock.month(year, number)
    return max(start, clock.now), end, "month"


def _year(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    start, end = clock.year(int(match.group("year")))
    return start, end, "year"


def _time_only(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    moment = clock.at(clock.today, _parse_time(match.group("time")))
    if moment < clock.now:
        moment = clock.at(clock.today + timedelta(days=1), moment.time())
    return moment, moment, "moment"


def _calendar_day(match: re.Match[str], clock: _Clock, year: str | None, month: int, day: int) -> Span | None:
    """A named day ("March 15, 2027", "15 March", "12/3"): the next one when no year is given."""
    try:
        when = date(int(year) if year else clock.today.year, month, day)
    except ValueError:
        return None  # "February 30", or a number pair that is not a date in this order
    at = match.groupdict().get("time")
    if year is None and clock.day(when)[1] < clock.now:
        when = when.replace(year=when.year + 1)
    if at:
        moment = clock.at(when, _parse_time(at))
        return moment, moment, "moment"
    return (*clock.day(when), "day")


def _month_day(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    return _calendar_day(match, clock, match.group("year"), _month_number(match.group("month")),
                         int(match.group("day")))


def _iso_day(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    del southern
    return _calendar_day(match, clock, match.group("year"), int(match.group("m")), int(match.group("d")))


def _numeric_day(match: re.Match[str], clock: _Clock, southern: bool) -> Span | None:
    """12/3 or 12/3/2027, read in the user's date order (MDY in the US, DMY elsewhere)."""
    del southern
    first, second, year = int(match.group("a")), int(match.group("b")), match.group("y")
    if year and len(year) == 2:
        year = f"20{year}"
    month, day = (first, second) if clock.order == "MDY" else (second, first)
    return _calendar_day(match, clock, year, month, day)


_AT_TIME = r"(?:,?\s+(?:at|by)\s+(?P<time>" + _TIME_RE + r"))?"

_HOLIDAY_RE = (r"(?P<holiday>christmas(?:\s+(?:day|eve))?|xmas|new\s+year'?s?(?:\s+(?:day|eve))?|"
               r"new\s+year\u2019s(?:\s+(?:day|eve))?|halloween|valentine'?s?(?:\s+day)?|thanksgiving(?:\s+day)?|"
               r"easter(?:\s+sunday)?|independence\s+day|(?:the\s+)?fourth\s+of\s+july|july\s+4(?:th)?)")

_RULES: list[Rule] = [
    (_r(r"(?:the\s+)?end\s+of\s+(?:(?P<which>the|this|next)\s+)?(?:(?P<unit>day|week|month|quarter|year)|"
        r"(?P<month>" + _MONTH_RE + r"))(?:\s+(?:of\s+)?(?P<year>" + _YEAR_RE + r"))?"), _end_of),
    (_r(r"(?:the\s+)?end\s+of\s+(?:the\s+year\s+)?(?P<year>" + _YEAR_RE + r")(?P<which>)(?P<unit>)(?P<month>)"),
     _end_of),
    (_r(r"(?:the\s+)?(?P<which>)(?P<unit>)(?P<month>)year[-\s]end(?:\s+(?P<year>" + _YEAR_RE + r"))?"), _end_of),
    (_r(r"(?:q(?P<q>[1-4])|(?:the\s+)?(?P<qword>first|second|third|fourth|1st|2nd|3rd|4th|last|final)\s+"
        r"quarter)(?:\s+of)?(?:\s+(?:fy\s*)?(?P<year>" + _YEAR_RE + r"))?"), _quarter_rule),
    (_r(r"(?:h(?P<h>[12])|(?:the\s+)?(?P<hword>first|second)\s+half)(?:\s+of)?\s+(?P<year>" + _YEAR_RE + r")"),
     _half_rule),
    (_r(r"(?:(?P<which>this|next)\s+)?(?P<season>spring|summer|autumn|fall|winter)(?:\s+of)?"
        r"(?:\s+(?P<year>" + _YEAR_RE + r"))?"), _season_rule),
    (_r(r"this\s+season"), _this_season),
    (_r(_HOLIDAY_RE + r"(?:\s+(?:of\s+)?(?P<year>" + _YEAR_RE + r"))?"), _holiday_rule),
    (_r(r"(?:(?:at\s+)?(?P<time2>" + _TIME_RE + r")\s+)?(?P<day>today|tonight|tomorrow|tmrw|yesterday|"
        r"(?:the\s+)?day\s+after\s+tomorrow)(?:\s+(?P<part>morning|afternoon|evening|night))?"
        r"(?:\s+(?:at|by)\s+(?P<time>" + _TIME_RE + r"))?"), _day_word),
    (_r(r"this\s+(?P<part>morning|afternoon|evening)"), _this_part),
    (_r(r"(?P<which>this|next|the\s+coming)\s+weekend"), _weekend),
    (_r(r"(?<!\ba\s)(?:(?P<which>this|next|last|coming|this\s+coming)\s+)?(?P<weekday>" + _WEEKDAY_RE + r")"
        r"(?:\s+(?:at|by)\s+(?P<time>" + _TIME_RE + r"))?"), _weekday),
    (_r(r"(?P<which>this|next|the\s+coming)\s+(?P<unit>week|month|quarter|year)"), _relative_period),
    (_r(r"(?:in|within|over\s+the\s+next|for\s+the\s+next|in\s+the\s+next|after)\s+(?P<count>" + _NUM_RE +
        r")\s+(?P<unit>" + _UNIT_RE + r")(?:'s\s+time|\s+time)?"), _duration),
    (_r(r"(?P<count>" + _NUM_RE + r")\s+(?P<unit>" + _UNIT_RE + r")\s+from\s+(?:now|today)"), _duration),
    (_r(r"(?P<year>" + _YEAR_RE + r")-(?P<m>\d{2})-(?P<d>\d{2})" + _AT_TIME), _iso_day),
    (_r(r"(?P<month>" + _MONTH_RE + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>" + _YEAR_RE +
        r"))?" + _AT_TIME), _month_day),
    (_r(r"(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>" + _MONTH_RE + r")(?:,?\s+(?P<year>" +
        _YEAR_RE + r"))?" + _AT_TIME), _month_day),
    # Not "24/7", and not a fraction ("1/2 of the vote").
    (_r(r"(?!24/7\b)(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?!\s+of\b)" + _AT_TIME), _numeric_day),
    (_r(r"(?P<month>" + _MONTH_RE + r")\s+(?:of\s+)?(?P<year>" + _YEAR_RE + r")"), _month_year),
    (_r(r"(?:(?P<which>this|next)\s+|(?:in|by|before|until|during|through|early|late|mid-?)\s*)"
        r"(?P<month>" + _MONTH_RE + r")(?!\s*\d)"), _bare_month),
    (_r(r"(?:in|by|before|until|during|through|of)\s+(?P<year>" + _YEAR_RE + r")"), _year),
]
# Read after dateparser, so "2027-01-15 at 3pm" stays one moment.
_LATE_RULES: list[Rule] = [(_r(r"(?:at|by|before|until)\s+(?P<time>" + _TIME_RE + r")"), _time_only)]

# The first word of a match that is a cue (and is not part of the expression), and its meaning.
_LEAD_CUES = {"in": "in", "by": "by", "before": "before", "until": "until", "till": "until", "during": "during",
              "through": "through", "of": "of", "at": "at", "within": "within", "after": "after", "early": "by",
              "late": "by", "mid": "by", "mid-": "by"}
_KEEP_LEAD = ("duration",)
_LOOSE = frozenset({"this season"})  # "in three weeks" reads better whole


# --- dateparser, for explicit dates -------------------------------------------------------------------------


def _period_span(clock: _Clock, moment: datetime, period: str | None) -> Span:
    """The span dateparser's reading names: a moment ("3pm"), a day, a month or a year."""
    if period == "time":
        point = clock.at(moment.date(), moment.time())
        return point, point, "moment"
    if period == "month":
        return (*clock.month(moment.year, moment.month), "month")
    if period == "year":
        return (*clock.year(moment.year), "year")
    return (*clock.day(moment.date()), "day")


def _dateparser_matches(
    text: str, taken: list[tuple[int, int]], clock: _Clock, order: DateOrder
) -> list[tuple[str, int, int, datetime, datetime, str]]:
    """Explicit dates ("March 15, 2027", "12/3", "2027-01-15 at 3pm") the rules did not cover."""
    import warnings

    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    base = clock.now.replace(tzinfo=None)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "DATE_ORDER": order,
                "RETURN_TIME_AS_PERIOD": True, "PARSERS": ["absolute-time", "custom-formats", "timestamp"]}
    # Blank out what the rules already read so dateparser does not read it again, keeping offsets.
    masked = list(text)
    for start, end in taken:
        masked[start:end] = " " * (end - start)
    masked_text = "".join(masked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = search_dates(masked_text, languages=["en"], settings=settings) or []
        parser = DateDataParser(languages=["en"], settings=settings)
        results = []
        cursor = 0
        for phrase, _ in found:
            begin = masked_text.find(phrase, cursor)
            if begin < 0:
                continue
            cursor = begin + len(phrase)
            cleaned = re.sub(r"^(?:(?:on|by|before|until|at|in|the|of)\s+)+", "", phrase.strip(), flags=re.I)
            # Only phrases that name a date: a digit with a month or a date-like shape, never a bare number.
            if not re.search(r"\d", cleaned) or re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
                continue
            if not (re.search(_MONTH_RE, cleaned, re.I) or re.search(r"\d{1,4}[/.-]\d{1,2}", cleaned)
                    or re.search(r"\b\d{1,2}(?:st|nd|rd|th)\b", cleaned)):
                continue
            data = parser.get_date_data(cleaned)
            if data.date_obj is None:
                continue
            moment = data.date_obj.replace(tzinfo=None)
            has_year = bool(re.search(_YEAR_RE, cleaned) or re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", cleaned))
            first, last, kind = _period_span(clock, moment, data.period)
            if last < clock.now and not has_year:  # "the 15th" said on the 21st: next month's
                step = relativedelta(months=1) if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", cleaned) else \
                    relativedelta(years=1)
                first, last = clock.at((first + step).date(), first.time()), clock.at((last + step).date(), last.time())
            offset = phrase.find(cleaned)
            results.append((cleaned, begin + offset, begin + offset + len(cleaned), first, last, kind))
    return results


def _split_lead(text: str, start: int, end: int, kind: str) -> tuple[int, str | None]:
    """Where the expression's own words begin, and the cue word that governs it ("by", "within", ...)."""
    inner = text[start:end]
    lead = re.match(r"(over the next|for the next|in the next|mid-|[a-z]+)\s*", inner, re.I)
    word = lead.group(1).lower() if lead else ""
    if word in ("over the next", "for the next", "in the next"):
        return start, "within"
    if word in _LEAD_CUES and lead is not None and lead.end() < len(inner):
        return (start if kind in _KEEP_LEAD else start + lead.end()), _LEAD_CUES[word]
    if word == "the" and lead is not None:
        return start + lead.end(), _cue_before(text, start)
    return start, _cue_before(text, start)


def _cue_before(text: str, start: int) -> str | None:
    """The word right before an expression ("by" Friday, "on" 12/3), skipping an article."""
    words = re.findall(r"[a-z]+", text[max(0, start - 24):start].lower())
    while words and words[-1] in ("the", "a"):
        words.pop()
    if words and words[-1] in _CUES:
        return str(words[-1])
    return None


def resolve_dates(
    prediction: str, now: datetime, timezone: str, *, date_order: str | None = None
) -> list[TimeExpression]:
    """Every time expression in `prediction`, in order, resolved against `now` in `timezone`."""
    zone = zoneinfo.ZoneInfo(timezone)
    order = date_order_for(timezone, date_order)
    clock = _Clock(now, zone, order)
    southern = southern_hemisphere(timezone)
    found: list[TimeExpression] = []
    taken: list[tuple[int, int]] = []

    def apply(rules: list[Rule]) -> None:
        for pattern, resolve in rules:
            for match in pattern.finditer(prediction):
                start, end = match.span()
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                span = resolve(match, clock, southern)
                if span is None:
                    continue
                first, last, kind = span
                text_start, cue = _split_lead(prediction, start, end, kind)
                text = prediction[text_start:end]
                found.append(TimeExpression(text, first, last, kind, (text_start, end), cue,
                                            firm=text.lower() not in _LOOSE))
                taken.append((start, end))

    apply(_RULES)
    for text, start, end, first, last, kind in _dateparser_matches(
        prediction, taken, clock, order
    ):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        found.append(TimeExpression(text, first, last, kind, (start, end), _cue_before(prediction, start),
                                    "dateparser"))
        taken.append((start, end))
    apply(_LATE_RULES)
    return sorted(found, key=lambda expression: expression.position)


def primary(expressions: list[TimeExpression], now: datetime) -> TimeExpression | None:
    """The expression a call is checked against: the latest one that is not already over."""
    future = [e for e in expressions if e.deadline >= now]
    return max(future, key=lambda e: e.deadline) if future else None


@cache
def warm_in_background() -> None:
    """Load dateparser's language data now (about 0.2 s), in a daemon thread, once per process.

    Otherwise the first prediction a server handles pays for it, between `processing` and its first text."""
    import threading

    def warm() -> None:
        resolve_dates("on 12/3, next Friday at 5pm or by the end of the month", datetime.now(UTC), "UTC")

    threading.Thread(target=warm, name="calledit-warm-dates", daemon=True).start()
