"""The rules: patterns for what people say about time, each resolved to a span by the clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from calledit.agents.calendar import CalendarError, holiday_date, month_number, weekday_number
from calledit.agents.dates.spans import LocalClock, current_season, parse_time, quarter_span, season_span

# --- building blocks -----------------------------------------------------------------------------------

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



def _number(word: str) -> int:
    word = word.lower().strip()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]



# --- rules ------------------------------------------------------------------------------------------------

Span = tuple[datetime, datetime, str]
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], LocalClock, bool], Span | None]]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w$])" + pattern + r"(?![\w%])", re.I)


def _end_of(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    which, unit, month, year = (match.group(name) or None for name in ("which", "unit", "month", "year"))
    today = clock.today
    if month:
        number = month_number(month)
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
            _, end = quarter_span(clock, y, (quarter - 1) % 4 + 1)
    return end, end, "moment"


def _quarter_rule(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    quarter = match.group("q") or match.group("qword")
    number = int(quarter) if quarter.isdigit() else _ORDINALS[quarter.lower()]
    year = int(match.group("year")) if match.group("year") else clock.today.year
    if not match.group("year") and quarter_span(clock, year, number)[1] < clock.now:
        year += 1
    start, end = quarter_span(clock, year, number)
    return start, end, "quarter"


def _half_rule(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    half = match.group("h") or ("1" if match.group("hword").lower() == "first" else "2")
    year = int(match.group("year"))
    start, _ = clock.month(year, 1 if half == "1" else 7)
    _, end = clock.month(year, 6 if half == "1" else 12)
    return start, end, "half"


def _relative_period(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
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
        start, end = quarter_span(clock, today.year + (quarter - 1) // 4, (quarter - 1) % 4 + 1)
    else:
        start, end = clock.year(today.year + step)
    if step == 0:
        start = max(start, clock.now)
    return start, end, unit


def _season_rule(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    which = match.group("which")
    year = int(match.group("year")) if match.group("year") else None
    before = match.string[: match.start()].lower().split()[-1:]
    if match.group("season").lower() == "fall" and not (which or year or before in (["in"], ["by"], ["the"])):
        return None  # "prices will fall" is a verb, not a season
    start, end = season_span(clock, match.group("season").lower(), which.lower() if which else None, year, southern)
    return start, end, "season"


def _this_season(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del match
    start, end = current_season(clock, southern)
    return max(start, clock.now), end, "season"


def _holiday_rule(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    """A named holiday from the one calendar, in the user's country; a name it does not know is no date."""
    del southern
    name = re.sub(r"\s+", " ", match.group("holiday"))
    try:
        if match.group("year"):
            return (*clock.day(holiday_date(name, int(match.group("year")), clock.country)), "holiday")
        start, end = clock.day(holiday_date(name, clock.today.year, clock.country))
        if end < clock.now:
            start, end = clock.day(holiday_date(name, clock.today.year + 1, clock.country))
    except CalendarError:
        return None
    return start, end, "holiday"


_PARTS_OF_DAY = {"morning": (time(6), time(11, 59, 59)), "afternoon": (time(12), time(17, 59, 59)),
                 "evening": (time(18), time(23, 59, 59)), "night": (time(18), time(23, 59, 59))}


def _day_word(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    word = match.group("day").lower()
    offset = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}.get(word, 2)
    day = clock.today + timedelta(days=offset)
    part = (match.group("part") or ("night" if word == "tonight" else "")).lower()
    at = match.group("time") or match.group("time2")
    if at:
        moment = clock.at(day, parse_time(at))
        if word == "tonight" and moment.hour < 12:
            moment = clock.at(day + timedelta(days=1), moment.time())
        return moment, moment, "moment"
    if part:
        first, last = _PARTS_OF_DAY[part]
        return clock.at(day, first), clock.at(day, last), "evening" if part in ("evening", "night") else "day"
    start, end = clock.day(day)
    return start, end, "day"


def _this_part(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    first, last = _PARTS_OF_DAY[match.group("part").lower()]
    return clock.at(clock.today, first), clock.at(clock.today, last), "day"


def _weekend(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    today = clock.today
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on Sunday "this weekend" is the one under way
        saturday = today - timedelta(days=1)
    if match.group("which").lower() == "next":
        saturday += timedelta(weeks=1)
    start, end = clock.days(saturday, saturday + timedelta(days=1))
    return max(start, clock.now), end, "weekend"


def _weekday(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    which = (match.group("which") or "").lower()
    target = weekday_number(match.group("weekday"))
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
        moment = clock.at(day, parse_time(at))
        return moment, moment, "moment"
    start, end = clock.day(day)
    return start, end, "day"


_UNIT_STEPS: dict[str, timedelta | relativedelta] = {
    "minute": timedelta(minutes=1), "min": timedelta(minutes=1), "hour": timedelta(hours=1),
    "hr": timedelta(hours=1), "day": relativedelta(days=1), "week": relativedelta(weeks=1),
    "fortnight": relativedelta(weeks=2), "month": relativedelta(months=1),
    "year": relativedelta(years=1), "yr": relativedelta(years=1), "decade": relativedelta(years=10),
}


def _duration(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    count = _number(match.group("count"))
    unit = match.group("unit").lower().rstrip("s")
    step = _UNIT_STEPS[unit]
    if isinstance(step, timedelta):  # hours and minutes are elapsed time, whatever DST does
        end = (clock.now.astimezone(UTC) + step * count).astimezone(clock.zone)
    else:  # days and longer keep the wall-clock time
        end = clock.at((clock.now + step * count).date(), clock.now.time().replace(tzinfo=None))
    return clock.now, end, "duration"


def _month_year(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    start, end = clock.month(int(match.group("year")), month_number(match.group("month")))
    return start, end, "month"


def _bare_month(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    number = month_number(match.group("month"))
    year = clock.today.year if number >= clock.today.month else clock.today.year + 1
    if (match.group("which") or "").lower() == "next" and number == clock.today.month:
        year += 1
    start, end = clock.month(year, number)
    return max(start, clock.now), end, "month"


def _year(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    start, end = clock.year(int(match.group("year")))
    return start, end, "year"


def _time_only(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    moment = clock.at(clock.today, parse_time(match.group("time")))
    if moment < clock.now:
        moment = clock.at(clock.today + timedelta(days=1), moment.time())
    return moment, moment, "moment"


def _calendar_day(match: re.Match[str], clock: LocalClock, year: str | None, month: int, day: int) -> Span | None:
    """A named day ("March 15, 2027", "15 March", "12/3"): the next one when no year is given."""
    try:
        when = date(int(year) if year else clock.today.year, month, day)
    except ValueError:
        return None  # "February 30", or a number pair that is not a date in this order
    at = match.groupdict().get("time")
    if year is None and clock.day(when)[1] < clock.now:
        when = when.replace(year=when.year + 1)
    if at:
        moment = clock.at(when, parse_time(at))
        return moment, moment, "moment"
    return (*clock.day(when), "day")


def _month_day(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    return _calendar_day(match, clock, match.group("year"), month_number(match.group("month")),
                         int(match.group("day")))


def _iso_day(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
    del southern
    return _calendar_day(match, clock, match.group("year"), int(match.group("m")), int(match.group("d")))


def _numeric_day(match: re.Match[str], clock: LocalClock, southern: bool) -> Span | None:
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

