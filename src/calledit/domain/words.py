"""Words for people: the numbers, dates and negations in a text, and dates written for reading.

Pure rules shared by the statement-fidelity guard (agents/fidelity.py), the verifiability score
(domain/verifiability.py) and the eval. No I/O: the caller says whether its user reads month first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_MONTH_NUMBERS = {name.lower()[:3]: index for index, name in enumerate(MONTHS, 1)}
_MONTH_RE = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
             r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAY_RE = r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?"


# --- numbers ----------------------------------------------------------------------------------------

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
          "t": 1e12, "tn": 1e12, "trillion": 1e12}
_CURRENCY = "$\u20ac\u00a3\u00a5"  # $ EUR GBP JPY signs: "$5m" is five million, "5m" may be five metres
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-\u2212](?=\d))?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<ordinal>st|nd|rd|th)\b|(?P<scale>k|bn|mn|tn|m|b|t)\b|\s(?P<scale_word>thousand|million|billion|trillion)\b)?",
    re.I,
)
_TIME = re.compile(r"(?<![\w:.])(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)(?!\w)|"
                   r"(?<![\w:.])(?P<hour24>\d{1,2}):(?P<minute24>\d{2})(?::\d{2})?(?![\w:])", re.I)
# Number words a person writes for a quantity ("three goals"); "one" and "a" are left out: they are
# pronouns and articles far more often than quantities.
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
_NUMBER_WORD = re.compile(r"(?<![\w-])(" + "|".join(NUMBER_WORDS) + r")(?![\w-])", re.I)


@dataclass(frozen=True)
class Number:
    """A number as written in a text: its value and where it is (`span`, character offsets)."""

    text: str
    value: float
    span: tuple[int, int]
    kind: str = "number"  # number | time (minutes after midnight) | word ("three")


def numbers_in(text: str) -> list[Number]:
    """Every number in `text`: digits with separators and scales ($150k, 1.5 million, 80,000), times of
    day (6:15, 7pm: as minutes after midnight, one number each) and number words (three)."""
    found: list[Number] = []
    taken: list[tuple[int, int]] = []
    for match in _TIME.finditer(text):
        if match.group("hour24") is not None:
            hour, minute = int(match.group("hour24")), int(match.group("minute24"))
        else:
            hour, minute = int(match.group("hour")) % 12, int(match.group("minute") or 0)
            if match.group("half").lower().startswith("p"):
                hour += 12
        if hour > 23 or minute > 59:
            continue
        found.append(Number(match.group(0), float(hour * 60 + minute), match.span(), "time"))
        taken.append(match.span())
    for match in _NUMBER.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        value = float(match.group("digits").replace(",", ""))
        scale = (match.group("scale") or match.group("scale_word") or "").lower()
        with_currency = match.start() > 0 and text[match.start() - 1] in _CURRENCY
        if scale and (scale not in ("m", "b", "t") or with_currency):
            value *= _SCALE[scale]
        if match.group("sign"):
            value = -value
        found.append(Number(match.group(0), value, match.span()))
    for match in _NUMBER_WORD.finditer(text):
        found.append(Number(match.group(0), float(NUMBER_WORDS[match.group(1).lower()]), match.span(), "word"))
    return sorted(found, key=lambda number: number.span)


def same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- negations --------------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|nowhere|neither|nor|without|cannot)\b|n['\u2019]t\b", re.I)


def negations_in(text: str) -> list[str]:
    """The negating words of `text`, in order ("won't" and "will not" are one each)."""
    return [match.group(0).lower() for match in _NEGATION.finditer(text)]


# --- dates written for people -------------------------------------------------------------------------


def date_words(day: date, *, month_first: bool = False, weekday: bool = True) -> str:
    """`Friday, 1 January 2027`, or `Friday, January 1, 2027` for a reader who puts the month first."""
    body = f"{MONTHS[day.month - 1]} {day.day}, {day.year}" if month_first else \
        f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]}, {body}" if weekday else body


def time_words(moment: time, *, twelve_hour: bool = False) -> str:
    """`18:30`, or `6:30 pm` for a reader of 12-hour clocks."""
    if not twelve_hour:
        return f"{moment.hour:02d}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def moment_words(moment: datetime, *, month_first: bool = False) -> str:
    """A date and time for people: the day in words, then the time ("the end of" the day for 23:59:59)."""
    day = date_words(moment.date(), month_first=month_first)
    clock = moment.timetz().replace(tzinfo=None, microsecond=0)
    if clock == time(23, 59, 59):
        return f"the end of {day}"
    return f"{day}, {time_words(clock, twelve_hour=month_first)}"


def span_words(start: date, end: date, *, month_first: bool = False) -> str:
    """`21-22 November 2026`, `November 2026`, `2027`, or `30 November - 6 December 2026`."""
    if start == end:
        return date_words(start, month_first=month_first)
    if start.day == 1 and start.month == 1 and end.month == 12 and end.day == 31 and start.year == end.year:
        return str(start.year)
    next_day = date.fromordinal(min(end.toordinal() + 1, date.max.toordinal()))
    if start.day == 1 and next_day.day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{MONTHS[start.month - 1]} {start.year}"

    def short(day: date) -> str:
        return f"{MONTHS[day.month - 1]} {day.day}" if month_first else f"{day.day} {MONTHS[day.month - 1]}"

    if start.year != end.year:
        return f"{short(start)}, {start.year} - {short(end)}, {end.year}" if month_first else \
            f"{short(start)} {start.year} - {short(end)} {end.year}"
    if start.month == end.month and not month_first:
        return f"{start.day}-{end.day} {MONTHS[end.month - 1]} {end.year}"
    return f"{short(start)} - {short(end)}, {end.year}" if month_first else f"{short(start)} - {short(end)} {end.year}"


@dataclass(frozen=True)
class WrittenDate:
    """A date written in words in a text (`day` None for "June 2027"; `year` None for "25 December")."""

    year: int | None
    month: int
    day: int | None
    span: tuple[int, int]

    def matches(self, other: date) -> bool:
        return (self.month == other.month and (self.day is None or self.day == other.day)
                and (self.year is None or self.year == other.year))


_ORD = r"(?:st|nd|rd|th)?"
_WRITTEN_DATES = (
    # Friday, 1 January 2027 / 1st Jan. 2027 / 23-29 November 2026 (the first day of a span too)
    re.compile(rf"(?:{_WEEKDAY_RE}\.?,?\s+)?(?:the\s+)?(?P<day>\d{{1,2}}){_ORD}(?:\s*[-\u2013]\s*(?P<day2>\d{{1,2}}){_ORD})?"
               rf"\s+(?:of\s+)?(?P<month>{_MONTH_RE})\.?(?:,?\s+(?P<year>\d{{4}}))?\b", re.I),
    # Friday, January 1, 2027 / Jan 1st 2027 / January 1-3, 2027
    re.compile(rf"(?:{_WEEKDAY_RE}\.?,?\s+)?(?P<month>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}}){_ORD}"
               rf"(?:\s*[-\u2013]\s*(?P<day2>\d{{1,2}}){_ORD})?(?:,?\s+(?P<year>\d{{4}}))?\b", re.I),
    # June 2027
    re.compile(rf"(?P<month>{_MONTH_RE})\.?,?\s+(?P<year>\d{{4}})\b", re.I),
)


def written_dates(text: str) -> list[WrittenDate]:
    """The dates written in words in `text` ("Friday, 1 January 2027", "Dec 25th", "June 2027")."""
    found: list[WrittenDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _WRITTEN_DATES:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            month = _MONTH_NUMBERS[match.group("month").lower()[:3]]
            year = int(match.group("year")) if match.group("year") else None
            groups = match.groupdict()
            days: list[int | None] = [int(groups[name]) for name in ("day", "day2") if groups.get(name)]
            if any(day is not None and not 1 <= day <= 31 for day in days):
                continue
            for day in days or [None]:
                found.append(WrittenDate(year, month, day, match.span()))
            taken.append(match.span())
    return sorted(found, key=lambda written: written.span)


# --- machine formats ----------------------------------------------------------------------------------

ISO_MOMENT = re.compile(
    r"(?<![\w-])(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"
)
_ISO_TIME = re.compile(r"(?<![\w:])\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})(?![\w:])")


def machine_formats(text: str) -> list[str]:
    """The ISO 8601 dates and times in `text` (2027-12-25T23:59:59+00:00, 2027-01-01, 23:59:59Z)."""
    return [match.group(0) for match in ISO_MOMENT.finditer(text)] + \
        [match.group(0) for match in _ISO_TIME.finditer(text)]


def parse_iso(text: str, zone: tzinfo) -> datetime | date | None:
    """An ISO date (a `date`) or date and time (a `datetime` in `zone`), or None if it is no real date."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    return moment.astimezone(zone) if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def iso_to_words(text: str, zone: tzinfo, *, month_first: bool = False) -> str:
    """`text` with every ISO date and time rewritten for people in `zone` ("Friday, 1 January 2027")."""

    def words(match: re.Match[str]) -> str:
        parsed = parse_iso(match.group(0), zone)
        if parsed is None:
            return match.group(0)
        if isinstance(parsed, datetime):
            return moment_words(parsed, month_first=month_first)
        return date_words(parsed, month_first=month_first)

    text = ISO_MOMENT.sub(words, text)

    def clock(match: re.Match[str]) -> str:
        try:
            parsed = datetime.fromisoformat(f"2000-01-01T{match.group(0)}")
        except ValueError:  # 25:61:00Z is no time of day: leave it as written
            return match.group(0)
        local = parsed.astimezone(zone) if parsed.tzinfo else parsed
        return time_words(local.time(), twelve_hour=month_first)

    return _ISO_TIME.sub(clock, text)


__all__ = [
    "ISO_MOMENT",
    "MONTHS",
    "NUMBER_WORDS",
    "WEEKDAYS",
    "Number",
    "WrittenDate",
    "date_words",
    "iso_to_words",
    "machine_formats",
    "moment_words",
    "negations_in",
    "numbers_in",
    "parse_iso",
    "same_number",
    "span_words",
    "time_words",
    "written_dates",
]
