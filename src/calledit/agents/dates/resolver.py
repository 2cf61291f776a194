"""The resolver: every time expression in a prediction, by the rules and then dateparser, in order."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from functools import cache

from dateutil.relativedelta import relativedelta

from calledit.agents.calendar import DateOrder, date_order_for, holiday_country, southern_hemisphere
from calledit.agents.dates.rules import (
    _CUES,
    _KEEP_LEAD,
    _LATE_RULES,
    _LEAD_CUES,
    _LOOSE,
    _MONTH_RE,
    _RULES,
    _YEAR_RE,
    Rule,
    Span,
)
from calledit.agents.dates.spans import LocalClock, TimeExpression

# --- dateparser, for explicit dates -------------------------------------------------------------------------


def _period_span(clock: LocalClock, moment: datetime, period: str | None) -> Span:
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
    text: str, taken: list[tuple[int, int]], clock: LocalClock, order: DateOrder
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
    clock = LocalClock(now, zone, order, holiday_country(timezone))
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

