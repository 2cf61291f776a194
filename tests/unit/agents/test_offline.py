"""Offline checks executed in code: table-driven over every kind, with the calendar's and the clock's edges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.agents import calendar
from calledit.agents.offline import run_offline
from calledit.domain.check import ArithmeticCheck, CalendarCheck, ClockCheck, describe, parse_check

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # a Tuesday


def outcome(check: dict[str, Any], *, now: datetime = NOW, timezone: str = "UTC") -> bool | None:
    parsed = parse_check(check)
    assert isinstance(parsed, CalendarCheck | ArithmeticCheck | ClockCheck)
    result = run_offline(parsed, now=now, timezone=timezone)
    return result.holds if result.status == "decided" else None


def cal(**fields: Any) -> dict[str, Any]:
    return {"source": "calendar", **fields}


@pytest.mark.parametrize(
    ("check", "holds"),
    [
        (cal(question="weekday", day="2026-12-25", weekday="Friday"), True),
        (cal(question="weekday", day="2026-12-25", weekday="Friday", negated=True), False),
        (cal(question="weekday", day="0001-01-01", weekday="Monday"), True),  # the proleptic calendar's first day
        (cal(question="weekday", day="9999-12-31", weekday="Friday"), True),
        (cal(question="weekday", day="2024-02-29", weekday="Thursday"), True),
        (cal(question="weekday", day="Christmas Day 2026", weekday="Friday", country="GB"), True),
        (cal(question="weekday", day="today", weekday="Tuesday"), True),
        (cal(question="weekday", day="tomorrow", weekday="Tuesday"), False),
        (cal(question="leap_year", year=2024), True),
        (cal(question="leap_year", year=1900), False),
        (cal(question="leap_year", year=2000), True),
        (cal(question="leap_year", year=1), False),
        (cal(question="leap_year", year=9996), True),
        (cal(question="leap_year", year=2100, negated=True), True),
        # holidays that move: Thanksgiving (US and Canada), Easter, Memorial Day
        (cal(question="date", day="Thanksgiving 2026", other="2026-11-26", country="US"), True),
        (cal(question="date", day="Thanksgiving 2026", other="2026-10-12", country="CA"), True),
        (cal(question="date", day="Thanksgiving 2026", other="2026-11-26", country="CA"), False),
        (cal(question="date", day="Easter 2027", other="2027-03-28"), True),
        (cal(question="date", day="Easter Sunday 2038", other="2038-04-25"), True),
        (cal(question="date", day="Memorial Day 2027", other="2027-05-31", country="US"), True),
        (cal(question="date", day="Good Friday 2026", other="2026-04-03", negated=True), False),
        (cal(question="days_between", day="2026-03-01", other="2026-06-09", value=100), True),
        (cal(question="days_between", day="2024-02-28", other="2024-03-01", value=2), True),  # across 29 Feb
        (cal(question="days_between", day="0001-01-01", other="9999-12-31", value=3652058), True),
        (cal(question="days_between", day="today", other="Christmas Day 2026", value=24), True),
        (cal(question="days_between", day="today", other="Christmas Day 2026", value=20, comparator=">"), True),
        (cal(question="days_between", day="today", other="Christmas Day 2026", value=30, comparator=">",
             negated=True), True),
        (cal(question="weekday_count", weekday="Friday", year=2027, value=53), True),  # starts on a Friday
        (cal(question="weekday_count", weekday="Saturday", year=2027, value=53), False),
        (cal(question="weekday_count", weekday="Friday", year=2026, value=52), True),
        (cal(question="weekday_count", weekday="Thursday", year=2026, value=53), True),  # starts on a Thursday
        (cal(question="weekday_count", weekday="Sunday", year=2026, month=3, value=5), True),
        (cal(question="weekday_count", weekday="Monday", year=2028, month=2, value=4), True),  # 29 days
        (cal(question="weekday_count", weekday="Tuesday", year=2028, month=2, value=5), True),  # 1 and 29 Feb
    ],
)
def test_calendar(check: dict[str, Any], holds: bool) -> None:
    assert outcome(check) is holds


def test_an_unknown_holiday_is_a_failed_check_never_july_4() -> None:
    check = parse_check(cal(question="weekday", day="Foo Festival 2026", weekday="Saturday"))
    assert isinstance(check, CalendarCheck)
    result = run_offline(check, now=NOW, timezone="UTC")
    assert result.status == "failed" and result.holds is None
    assert "no holiday called 'Foo Festival'" in result.finding
    with pytest.raises(calendar.UnknownHoliday):
        calendar.holiday_date("Foo Festival", 2026, "US")


@pytest.mark.parametrize(
    ("name", "year", "country", "expected"),
    [
        ("Thanksgiving", 2026, None, date(2026, 11, 26)),  # no country: the holiday's own
        ("Thanksgiving", 2026, "CA", date(2026, 10, 12)),
        ("Independence Day", 2026, "IN", date(2026, 8, 15)),
        ("Independence Day", 2026, None, date(2026, 7, 4)),
        ("July 4th", 2026, "FR", date(2026, 7, 4)),
        ("xmas", 2030, None, date(2030, 12, 25)),
        ("Easter Monday", 2026, None, date(2026, 4, 6)),
        ("Mother's Day", 2027, None, date(2027, 5, 9)),
        ("Boxing Day", 2026, None, date(2026, 12, 26)),
    ],
)
def test_one_calendar_names_holidays_by_country(name: str, year: int, country: str | None, expected: date) -> None:
    assert calendar.holiday_date(name, year, country) == expected


@pytest.mark.parametrize(
    ("expression", "comparator", "value", "holds"),
    [
        ("17 * 23", "==", "391", True),
        ("17 x 23", "==", "390", False),
        ("15% of 80", "==", "12", True),
        ("1000 * (1 + 5%)^3", "==", "1157.63", True),  # money: the value rounds to the cents claimed
        ("1000 * (1 + 5%)^3", "==", "1157", False),  # a whole number claimed is exact
        ("$50 * (1 - 20%)", "==", "$40", True),
        ("3 ft", "==", "36 in", True),
        ("2.5 hours", "==", "150 minutes", True),
        ("5 km", ">", "3 miles", True),
        ("sqrt(169)", "==", "13", True),
        ("sqrt(2)", "==", "1.414", True),  # inexact: rounded to what is claimed
        ("10 / 3", "==", "3", False),
        ("2^10", ">=", "1024", True),
        ("-5 + 2", "<", "0", True),
    ],
)
def test_arithmetic(expression: str, comparator: str, value: str, holds: bool) -> None:
    check = {"source": "arithmetic", "expression": expression, "comparator": comparator, "value": value}
    assert outcome(check) is holds
    assert outcome({**check, "negated": True}) is (not holds)


@pytest.mark.parametrize(
    ("expression", "value", "reason"),
    [
        ("1 / 0", "1", "division by zero"),
        ("2^100000", "1", "exponent larger"),
        ("9^999", "1", "more than 400 digits"),
        ("3 kg", "3 km", "do not measure the same thing"),
        ("$5 + 5 EUR", "10", "cannot add"),
    ],
)
def test_arithmetic_that_cannot_be_computed_fails_and_says_why(expression: str, value: str, reason: str) -> None:
    check = parse_check({"source": "arithmetic", "expression": expression, "value": value})
    assert isinstance(check, ArithmeticCheck)
    result = run_offline(check, now=NOW, timezone="UTC")
    assert result.status == "failed" and reason in result.finding


def test_expressions_that_are_not_arithmetic_do_not_validate() -> None:
    for text in ("__import__('os')", "2 +", "17 * apples", "x" * 300):
        with pytest.raises(ValueError):
            parse_check({"source": "arithmetic", "expression": text, "value": "1"})


def clock(**fields: Any) -> dict[str, Any]:
    return {"source": "clock", **fields}


@pytest.mark.parametrize(
    ("check", "now", "holds"),
    [
        (clock(place="Auckland", part="weekday", value="Wednesday"), NOW, True),  # 04:00 Wed, +13
        (clock(place="Tokyo", part="time", comparator="<", value="01:00"), NOW, True),  # 00:00 Wed
        (clock(place="Tokyo", part="date", value="tomorrow"), NOW, True),  # the user (UTC) is still on Tuesday
        (clock(place="Mumbai", part="time", value="20:30"), NOW, True),  # +05:30: exactly half past eight
        (clock(place="Kathmandu", part="time", comparator=">=", value="20:45"), NOW, True),  # +05:45
        (clock(place="Kathmandu", part="time", comparator=">", value="20:46"), NOW, False),
        (clock(place="St. John's", part="time", value="11:30"), NOW, True),  # -03:30 in December
        (clock(place="Adelaide", part="time", value="01:30"), NOW, True),  # +10:30 (summer time)
        (clock(place="London", part="period", value="afternoon"), NOW, True),
        (clock(place="London", part="period", value="afternoon", negated=True), NOW, False),
        (clock(place=None, part="weekday", value="Tuesday"), NOW, True),  # the user's own zone
        # DST: New York springs forward at 2026-03-08 07:00 UTC (02:00 EST becomes 03:00 EDT)
        (clock(place="New York", part="time", value="01:59"), datetime(2026, 3, 8, 6, 59, tzinfo=UTC), True),
        (clock(place="New York", part="time", value="03:00"), datetime(2026, 3, 8, 7, 0, tzinfo=UTC), True),
        # and falls back at 2026-11-01 06:00 UTC: 01:30 happens twice
        (clock(place="America/New_York", part="time", value="01:30"), datetime(2026, 11, 1, 5, 30, tzinfo=UTC), True),
        (clock(place="America/New_York", part="time", value="01:30"), datetime(2026, 11, 1, 6, 30, tzinfo=UTC), True),
    ],
)
def test_clock(check: dict[str, Any], now: datetime, holds: bool) -> None:
    assert outcome(check, now=now, timezone="UTC") is holds


def test_an_unknown_place_fails_rather_than_guessing_a_zone() -> None:
    check = parse_check(clock(place="Atlantis", part="weekday", value="Monday"))
    assert isinstance(check, ClockCheck)
    result = run_offline(check, now=NOW, timezone="UTC")
    assert result.status == "failed" and "no timezone known for 'Atlantis'" in result.finding


def test_words_for_people_say_the_negation() -> None:
    check = parse_check(cal(question="weekday", day="2026-12-25", weekday="Friday", negated=True))
    assert describe(check) == "Calendar: Fri 25 Dec 2026 is not a Friday"
    arithmetic = parse_check({"source": "arithmetic", "expression": "17*23", "value": "391"})
    assert describe(arithmetic) == "Arithmetic: 17 \u00d7 23 = 391"


def test_year_0_is_not_on_the_calendar_and_says_so() -> None:
    with pytest.raises(ValueError, match="year 0"):
        parse_check(cal(question="weekday", day="0000-01-01", weekday="Saturday"))
    with pytest.raises(ValueError):
        parse_check(cal(question="leap_year", year=0))
    assert calendar.outside_calendar(0).startswith("there is no year 0")
