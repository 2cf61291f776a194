from datetime import UTC, date, datetime

import pytest

from calledit.agents.tools import calendar, verification_tools
from calledit.agents.tools.clock import ClockError, now_in


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        (date(2026, 12, 25), "Friday"),
        (date(2027, 1, 1), "Friday"),
        (date(2024, 2, 29), "Thursday"),
        (date(2000, 1, 1), "Saturday"),
        (date(2026, 11, 21), "Saturday"),
    ],
)
def test_weekday(day: date, weekday: str) -> None:
    assert calendar.weekday_name(day) == weekday


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 1, 1), date(2027, 1, 1), 365),
        (date(2028, 1, 1), date(2029, 1, 1), 366),
        (date(2026, 12, 31), date(2026, 1, 1), -364),
        (date(2026, 3, 1), date(2026, 3, 1), 0),
    ],
)
def test_days_between(start: date, end: date, days: int) -> None:
    assert calendar.days_between(start, end) == days


@pytest.mark.parametrize(("year", "leap"), [(2024, True), (2026, False), (2000, True), (1900, False), (2100, False)])
def test_leap_years(year: int, leap: bool) -> None:
    assert calendar.is_leap_year(year) is leap


@pytest.mark.parametrize(
    ("name", "year", "country", "expected"),
    [
        ("Thanksgiving", 2026, "US", date(2026, 11, 26)),
        ("Christmas", 2026, "US", date(2026, 12, 25)),
        ("Easter", 2027, "US", date(2027, 3, 28)),
        ("Good Friday", 2026, "GB", date(2026, 4, 3)),
        ("Labor Day", 2026, "US", date(2026, 9, 7)),
        ("Halloween", 2026, "US", date(2026, 10, 31)),
    ],
)
def test_holiday_dates(name: str, year: int, country: str, expected: date) -> None:
    assert calendar.holiday_dates(name, year, country)[0][0] == expected


def test_holidays_on_a_date_and_unknown_countries() -> None:
    assert calendar.holidays_on(date(2026, 7, 4), "US") == ["Independence Day"]
    assert calendar.holidays_on(date(2026, 7, 8), "US") == []
    with pytest.raises(calendar.CalendarError, match="ISO 3166"):
        calendar.holidays_on(date(2026, 7, 4), "Atlantis")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Christmas 2026 falls on a Friday", [date(2026, 12, 25)]),
        ("On December 25, 2026 and on 1 January 2027", [date(2026, 12, 25), date(2027, 1, 1)]),
        ("by 2026-12-31", [date(2026, 12, 31)]),
        ("Thanksgiving of 2026", [date(2026, 11, 26)]),
        ("2027's Easter", [date(2027, 3, 28)]),
        ("Dec. 3rd 2026", [date(2026, 12, 3)]),
        ("February 30, 2026 is not a date", []),
        ("sometime next week", []),
    ],
)
def test_find_dates(text: str, found: list[date]) -> None:
    assert [mention.day for mention in calendar.find_dates(text)] == found


def test_a_zone_of_no_country_gives_no_holidays_rather_than_the_us_ones() -> None:
    assert calendar.country_for_timezone("Nowhere/Special") is None
    assert calendar.country_for_timezone("UTC") is None
    assert calendar.country_for_timezone("Europe/Paris") == "FR"
    assert calendar.country_for_timezone("US/Eastern") == "US"  # an old name: a link to America/New_York


def test_parse_iso_date_says_the_format() -> None:
    with pytest.raises(calendar.CalendarError, match="YYYY-MM-DD"):
        calendar.parse_iso_date("next friday")


def test_clock_converts_the_injected_instant() -> None:
    moment = now_in(lambda: datetime(2026, 11, 21, 9, 0, tzinfo=UTC), "Asia/Tokyo")
    assert moment.isoformat() == "2026-11-21T18:00:00+09:00"
    with pytest.raises(ClockError, match="IANA"):
        now_in(lambda: datetime(2026, 11, 21, tzinfo=UTC), "Mars/Olympus")


def test_strands_tools_are_bound_to_the_clock_and_leave_out_the_web_when_off() -> None:
    tools = {t.tool_name: t for t in verification_tools(lambda: datetime(2026, 11, 21, 9, tzinfo=UTC))}
    assert set(tools) == {"current_time", "calendar_facts", "date_math", "holiday_date", "calculate"}
    assert tools["current_time"](timezone="Europe/Paris").startswith("2026-11-21T10:00:00+01:00 (Saturday)")
    assert "a Friday" in tools["calendar_facts"](day="2026-12-25")
    assert tools["date_math"](start="2026-01-01", end="2027-01-01") == "365 days from 2026-01-01 to 2027-01-01"
    assert tools["date_math"](start="2026-12-25", add_days=7) == "2026-12-25 + 7 days = 2027-01-01 (Friday)"
    assert "2026-11-26 (Thursday)" in tools["holiday_date"](name="Thanksgiving", year=2026)
    assert "YYYY-MM-DD" in tools["calendar_facts"](day="soon")
