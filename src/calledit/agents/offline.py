"""Offline checks, executed: the calendar, exact arithmetic and the clock decide; no model, no network.

`run_offline(check, now=, timezone=)` answers `decided` (the claim holds or not, with the values it rests
on) or `failed` (the check cannot be computed: an unknown holiday or place, mixed units; `reason` says
what to fix). `now` is the verifier's clock, injected; "today" is its day in the user's timezone. Fact
checks are not here: a model decides those (`agents.verification`).
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Literal

from calledit.agents import calendar
from calledit.agents.tools.clock import zone_for_place
from calledit.domain.call import Evidence
from calledit.domain.check import describe, format_day
from calledit.domain.expression import (
    Expr,
    ExpressionError,
    Number,
    decimals_of,
    evaluate_expression,
    format_quantity,
    unit_dimension,
)
from calledit.domain.offline_checks import (
    RELATIVE_DAYS,
    ArithmeticCheck,
    CalendarCheck,
    ClockCheck,
    Relation,
    read_day,
)

log = logging.getLogger(__name__)

SOURCES = {
    "calendar": "calendar (holidays library, proleptic Gregorian calendar)",
    "arithmetic": "calculator (exact arithmetic)",
    "clock": "clock (the verifier's clock and the tz database)",
}
# The hours each part of the day covers, [from, to).
PERIOD_HOURS = {"morning": (5, 12), "afternoon": (12, 17), "evening": (17, 21), "night": (21, 29)}


class OfflineError(ValueError):
    """The check cannot be computed as written; the message says what to change."""


@dataclass(frozen=True)
class OfflineOutcome:
    status: Literal["decided", "failed"]
    holds: bool | None
    finding: str  # what was computed, for people
    evidence: list[Evidence]


def relate(value: Fraction | int, comparator: Relation, claimed: Fraction | int) -> bool:
    if comparator == "==":
        return value == claimed
    if comparator == ">":
        return value > claimed
    if comparator == ">=":
        return value >= claimed
    if comparator == "<":
        return value < claimed
    return value <= claimed


def run_offline(
    check: CalendarCheck | ArithmeticCheck | ClockCheck, *, now: datetime, timezone: str
) -> OfflineOutcome:
    """Compute `check` as of `now` (aware) for a user in `timezone` (IANA)."""
    if now.tzinfo is None:
        raise ValueError("run_offline needs an aware `now` (with its UTC offset)")
    criterion = describe(check)
    source = SOURCES[check.source]
    try:
        if isinstance(check, CalendarCheck):
            holds, finding = _calendar(check, now, timezone)
        elif isinstance(check, ArithmeticCheck):
            holds, finding = _arithmetic(check)
        else:
            holds, finding = _clock(check, now, timezone)
    except (OfflineError, calendar.CalendarError, ExpressionError, OverflowError) as exc:
        reason = str(exc)
        log.info("kind=<%s> | offline check cannot be computed: %s", check.source, reason)
        return OfflineOutcome("failed", None, reason, [Evidence(source=source, finding=f"cannot compute: {reason}",
                                                                criterion=criterion)])
    result = holds != check.negated
    said = "does not hold" if check.negated else "holds"
    finding = f"{finding}; the claim that it {said} is {'TRUE' if result else 'FALSE'}"
    return OfflineOutcome("decided", result, finding, [Evidence(source=source, finding=finding, criterion=criterion)])


# --- calendar --------------------------------------------------------------------------------------


def _today(now: datetime, timezone: str) -> date:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now.date()


def resolve_day(day: str, *, today: date, country: str | None) -> tuple[date, str]:
    """A check's day as a date, and how it was read (for the evidence)."""
    try:
        read = read_day(day)
    except ValueError as exc:
        raise OfflineError(str(exc)) from None
    if isinstance(read, date):
        return read, format_day(read)
    if isinstance(read, str):
        when = today + timedelta(days=RELATIVE_DAYS[read])
        return when, f"{read} ({format_day(when)})"
    name, year = read
    when = calendar.holiday_date(name, year, country)
    where = f" in {country}" if country else ""
    return when, f"{name} {year}{where} ({format_day(when)})"


def _calendar(check: CalendarCheck, now: datetime, timezone: str) -> tuple[bool, str]:
    today = _today(now, timezone)
    country = check.country

    def day(text: str | None) -> tuple[date, str]:
        return resolve_day(text or "", today=today, country=country)

    if check.question == "leap_year":
        year = calendar.check_year(check.year or 0)
        leap = calendar.is_leap_year(year)
        return leap, f"{year} {'is' if leap else 'is not'} a leap year ({366 if leap else 365} days)"
    if check.question == "weekday":
        when, label = day(check.day)
        actual = calendar.weekday_name(when)
        return actual == check.weekday, f"{label} is a {actual}"
    if check.question == "date":
        first, first_label = day(check.day)
        second, second_label = day(check.other)
        same = "the same day" if first == second else "different days"
        return first == second, f"{first_label} and {second_label} are {same}"
    if check.question == "days_between":
        first, first_label = day(check.day)
        second, second_label = day(check.other)
        count = abs(calendar.days_between(first, second))
        claimed = check.value or 0
        return relate(count, check.comparator, claimed), f"there are {count} days from {first_label} to {second_label}"
    weekday = calendar.weekday_number(check.weekday or "")
    year = calendar.check_year(check.year or 0)
    count = calendar.weekday_count(weekday, year, check.month)
    span = f"{calendar.MONTH_NAMES[check.month - 1]} {year}" if check.month else str(year)
    return relate(count, check.comparator, check.value or 0), f"{span} has {count} {check.weekday}s"


# --- arithmetic ------------------------------------------------------------------------------------


def _arithmetic(check: ArithmeticCheck) -> tuple[bool, str]:
    value = evaluate_expression(check.expression)
    claimed = evaluate_expression(check.value)
    if value.dimension != claimed.dimension:
        raise OfflineError(
            f"the expression is {format_quantity(value)} and the value claimed {format_quantity(claimed)}: they do "
            "not measure the same thing; give both in units of one kind"
        )
    unit = _unit_of(check.value)
    shown = format_quantity(value, unit)
    if check.comparator == "==":
        holds = _equal(value.value, claimed.value, check, exact=value.exact)
    else:
        holds = relate(value.value, check.comparator, claimed.value)
    return holds, f"{shown} (claimed {check.comparator} {format_quantity(claimed, unit)})"


def _equal(value: Fraction, claimed: Fraction, check: ArithmeticCheck, *, exact: bool) -> bool:
    """Exact equality; a claim written with decimals (money, $1,157.63) or said "about" matches when the
    value rounds to it; "about" also allows 1%."""
    if value == claimed:
        return True
    decimals = decimals_of(check.value)
    size = _unit_size(check.value)
    if decimals is not None and (decimals > 0 or check.approximate or not exact):
        step = Fraction(1, 10**decimals) * size
        if abs(value - claimed) <= step / 2:
            return True
    return check.approximate and claimed != 0 and abs(value - claimed) <= abs(claimed) / 100


def _unit_of(tree: Expr) -> str | None:
    return tree.unit if isinstance(tree, Number) else None


def _unit_size(tree: Expr) -> Fraction:
    if isinstance(tree, Number) and tree.unit:
        return unit_dimension(tree.unit)[1]
    return Fraction(1)


# --- clock -----------------------------------------------------------------------------------------


def _zone(check: ClockCheck, timezone: str) -> zoneinfo.ZoneInfo:
    if check.place is None:
        try:
            return zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise OfflineError(f"unknown timezone {timezone!r}") from None
    zone = zone_for_place(check.place)
    if zone is None:
        raise OfflineError(f"no timezone known for {check.place!r}; name a major city or an IANA zone such as "
                           "Asia/Kolkata")
    return zone


def _clock(check: ClockCheck, now: datetime, timezone: str) -> tuple[bool, str]:
    zone = _zone(check, timezone)
    there = now.astimezone(zone)
    offset = there.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    label = (f"it is {there:%H:%M} on {format_day(there.date())} in {zone.key} "
             f"(UTC{'+' if offset >= timedelta(0) else '-'}{abs(hours):02d}:{rest:02d})")
    if check.part == "weekday":
        return relate(there.weekday(), check.comparator, calendar.weekday_number(check.value)), label
    if check.part == "date":
        user_today = _today(now, timezone)
        read = read_day(check.value)
        claimed = read if isinstance(read, date) else user_today + timedelta(days=RELATIVE_DAYS[str(read)])
        return relate(there.date().toordinal(), check.comparator, claimed.toordinal()), label
    if check.part == "time":
        hour, minute = (int(part) for part in check.value.split(":"))
        claimed_minutes = hour * 60 + minute
        actual = there.hour * 60 + there.minute
        if check.comparator == "==":  # "it is 3 pm": within that hour (or that minute, when one is given)
            width = 60 if minute == 0 else 1
            return claimed_minutes <= actual < claimed_minutes + width, label
        return relate(actual, check.comparator, claimed_minutes), label
    start, end = PERIOD_HOURS[check.value.lower()]
    hour = there.hour if there.hour >= 5 else there.hour + 24
    in_period = start <= hour < end
    return in_period, f"{label}, {_period_of(there.time())}"


def _period_of(moment: time) -> str:
    hour = moment.hour if moment.hour >= 5 else moment.hour + 24
    for name, (start, end) in PERIOD_HOURS.items():
        if start <= hour < end:
            return f"the {name} there"
    return "night there"


__all__ = ["PERIOD_HOURS", "SOURCES", "OfflineError", "OfflineOutcome", "relate", "resolve_day", "run_offline"]
