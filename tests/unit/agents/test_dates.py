"""The date resolver, table-driven: what people say about time, across timezones and DST changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from calledit.agents.dates import date_order_for, primary, resolve_dates, southern_hemisphere

NY = "America/New_York"
SATURDAY = "2026-11-21T10:00"  # a Saturday morning


def at(local: str, timezone: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(timezone))


def deadline_of(prediction: str, timezone: str = NY, now: str = SATURDAY) -> str:
    """The check moment of the one expression in `prediction`, as ISO with offset."""
    found = resolve_dates(prediction, at(now, timezone), timezone)
    assert len(found) == 1, f"expected one expression in {prediction!r}, got {found}"
    return found[0].deadline.isoformat()


@pytest.mark.parametrize(
    ("prediction", "timezone", "now", "expected"),
    [
        ("The Lakers will win tonight", NY, SATURDAY, "2026-11-21T23:59:59-05:00"),
        ("It rains tomorrow", NY, SATURDAY, "2026-11-22T23:59:59-05:00"),
        ("It rains the day after tomorrow", NY, SATURDAY, "2026-11-23T23:59:59-05:00"),
        ("I run a marathon this weekend", NY, SATURDAY, "2026-11-22T23:59:59-05:00"),
        ("I run a marathon this weekend", NY, "2026-11-18T10:00", "2026-11-22T23:59:59-05:00"),
        ("We go hiking next weekend", NY, SATURDAY, "2026-11-29T23:59:59-05:00"),
        ("The vote passes next Friday", NY, SATURDAY, "2026-11-27T23:59:59-05:00"),
        # On a Wednesday this week's Friday is still ahead: "next Friday" is the one after it.
        ("The vote passes next Friday", NY, "2026-11-18T10:00", "2026-11-27T23:59:59-05:00"),
        ("The vote passes this Friday", NY, "2026-11-18T10:00", "2026-11-20T23:59:59-05:00"),
        ("It snows on Thursday", NY, SATURDAY, "2026-11-26T23:59:59-05:00"),
        ("In three weeks the bill passes", NY, SATURDAY, "2026-12-12T10:00:00-05:00"),
        ("A year from now rates are lower", NY, SATURDAY, "2027-11-21T10:00:00-05:00"),
        ("Sales double by the end of the month", NY, SATURDAY, "2026-11-30T23:59:59-05:00"),
        ("It happens by the end of the year", NY, SATURDAY, "2026-12-31T23:59:59-05:00"),
        ("Bitcoin trades above $150,000 before the end of 2027", "Europe/London", SATURDAY,
         "2027-12-31T23:59:59+00:00"),
        ("GDP grows by Q2 2027", NY, SATURDAY, "2027-06-30T23:59:59-04:00"),
        ("Profits rise in the first quarter of 2027", NY, SATURDAY, "2027-03-31T23:59:59-04:00"),
        ("Sales recover in H2 2027", NY, SATURDAY, "2027-12-31T23:59:59-05:00"),
        ("It will be warm next spring", NY, SATURDAY, "2027-05-31T23:59:59-04:00"),
        ("It will be warm next spring", "Australia/Sydney", SATURDAY, "2027-11-30T23:59:59+11:00"),
        ("Beaches will be packed next summer", "Australia/Sydney", SATURDAY, "2027-02-28T23:59:59+11:00"),
        ("It will be a cold one this winter", "Europe/London", SATURDAY, "2027-02-28T23:59:59+00:00"),
        ("Leaves turn late in fall 2027", NY, SATURDAY, "2027-11-30T23:59:59-05:00"),
        ("Prices drop this season", NY, SATURDAY, "2026-11-30T23:59:59-05:00"),
        ("It snows on Christmas Day", NY, SATURDAY, "2026-12-25T23:59:59-05:00"),
        ("It snows on Christmas Day", NY, "2026-12-26T10:00", "2027-12-25T23:59:59-05:00"),
        ("The store is busy on Thanksgiving", NY, "2026-11-02T10:00", "2026-11-26T23:59:59-05:00"),
        ("The egg hunt is sunny on Easter 2027", NY, SATURDAY, "2027-03-28T23:59:59-04:00"),
        ("Fireworks on New Year's Eve", NY, SATURDAY, "2026-12-31T23:59:59-05:00"),
        ("Kids trick-or-treat on Halloween", NY, SATURDAY, "2027-10-31T23:59:59-04:00"),
        ("The launch happens on 12/3", NY, SATURDAY, "2026-12-03T23:59:59-05:00"),
        ("The launch happens on 12/3", "Europe/London", SATURDAY, "2027-03-12T23:59:59+00:00"),
        ("The launch happens on 3/12/2027", NY, SATURDAY, "2027-03-12T23:59:59-05:00"),
        ("The launch happens on 3/12/2027", "Europe/Paris", SATURDAY, "2027-12-03T23:59:59+01:00"),
        ("SpaceX lands by March 15, 2027", NY, SATURDAY, "2027-03-15T23:59:59-04:00"),
        ("The meeting on 2027-01-15 at 3pm goes well", NY, SATURDAY, "2027-01-15T15:00:00-05:00"),
        ("Rent is paid on the 15th", NY, SATURDAY, "2026-12-15T23:59:59-05:00"),
        ("People land on Mars before 2030", NY, SATURDAY, "2029-12-31T23:59:59-05:00"),
        ("I finish my novel by June", NY, SATURDAY, "2027-06-30T23:59:59-04:00"),
        ("The Fed cuts rates in March", NY, SATURDAY, "2027-03-31T23:59:59-04:00"),
        ("A new iPhone ships in September 2027", NY, SATURDAY, "2027-09-30T23:59:59-04:00"),
        ("The heatwave breaks within 10 days", NY, SATURDAY, "2026-12-01T10:00:00-05:00"),
        ("The game starts at 5pm tomorrow", NY, SATURDAY, "2026-11-22T17:00:00-05:00"),
        ("The game starts tomorrow at 5pm", NY, SATURDAY, "2026-11-22T17:00:00-05:00"),
        ("The game starts Friday at 3pm", NY, SATURDAY, "2026-11-27T15:00:00-05:00"),
        ("The results come out by noon", NY, SATURDAY, "2026-11-21T12:00:00-05:00"),
        ("Unemployment falls next week", NY, SATURDAY, "2026-11-29T23:59:59-05:00"),
        ("Unemployment falls next month", NY, SATURDAY, "2026-12-31T23:59:59-05:00"),
        ("Unemployment falls next year", NY, SATURDAY, "2027-12-31T23:59:59-05:00"),
        ("The server is back in 2 hours", NY, SATURDAY, "2026-11-21T12:00:00-05:00"),
        ("Rain starts this evening", NY, SATURDAY, "2026-11-21T23:59:59-05:00"),
        ("Tokyo stays dry tonight", "Asia/Tokyo", SATURDAY, "2026-11-21T23:59:59+09:00"),
        ("The Sensex closes higher tomorrow", "Asia/Kolkata", SATURDAY, "2026-11-22T23:59:59+05:30"),
        ("The metro line opens within 6 months", "Asia/Dubai", SATURDAY, "2027-05-21T10:00:00+04:00"),
        # DST edges: the deadline carries the offset in force on that day.
        ("It freezes tomorrow", NY, "2027-03-13T20:00", "2027-03-14T23:59:59-04:00"),
        ("It freezes in 1 day", NY, "2027-03-13T10:00", "2027-03-14T10:00:00-04:00"),
        ("The backup finishes in 1 hour", NY, "2027-03-14T01:30", "2027-03-14T03:30:00-04:00"),
        ("The alarm rings at 2:30am tomorrow", NY, "2027-03-13T20:00", "2027-03-14T03:30:00-04:00"),
        ("It rains tomorrow", "Europe/London", "2026-10-24T12:00", "2026-10-25T23:59:59+00:00"),
        ("It rains tomorrow", "Australia/Sydney", "2026-10-03T10:00", "2026-10-04T23:59:59+11:00"),
        ("The ferry runs in 2 hours", "Europe/Paris", "2026-10-25T01:30", "2026-10-25T02:30:00+01:00"),
    ],
)
def test_deadlines(prediction: str, timezone: str, now: str, expected: str) -> None:
    assert deadline_of(prediction, timezone, now) == expected


@pytest.mark.parametrize(
    ("prediction", "text", "start"),
    [
        ("The Lakers will win tonight", "tonight", "2026-11-21T18:00:00-05:00"),
        ("It freezes tomorrow morning", "tomorrow morning", "2026-11-22T06:00:00-05:00"),
        ("GDP grows by Q2 2027", "Q2 2027", "2027-04-01T00:00:00-04:00"),
        ("I run a marathon this weekend", "this weekend", "2026-11-21T10:00:00-05:00"),
        ("It will be warm next spring", "next spring", "2027-03-01T00:00:00-05:00"),
    ],
)
def test_spans_start_where_the_words_say(prediction: str, text: str, start: str) -> None:
    (found,) = resolve_dates(prediction, at(SATURDAY, NY), NY)
    assert found.text == text
    assert found.start.isoformat() == start


@pytest.mark.parametrize(
    ("prediction", "cue"),
    [
        ("Sales double by the end of the month", "by"),
        ("People land on Mars before 2030", "before"),
        ("The heatwave breaks within 10 days", "within"),
        ("Prices rise over the next 3 months", "within"),
        ("It snows on Thursday", "on"),
        ("The Fed cuts rates in March", "in"),
        ("The Lakers will win tonight", None),
    ],
)
def test_cue_words_are_kept(prediction: str, cue: str | None) -> None:
    (found,) = resolve_dates(prediction, at(SATURDAY, NY), NY)
    assert found.cue == cue


@pytest.mark.parametrize(
    "prediction",
    [
        "Water boils at 100 C at sea level",
        "17 x 23 is 391",
        "The Lakers win by 10 points",
        "Bitcoin will hit 100000 dollars",
        "Prices will fall sharply",
        "It may rain",
        "Apple sells 50 million phones",
        "The temperature reaches 30 degrees",
        "Inflation stays at 2%",
    ],
)
def test_no_time_expression_where_there_is_none(prediction: str) -> None:
    assert resolve_dates(prediction, at(SATURDAY, NY), NY) == []


def test_before_a_day_means_by_the_end_of_the_day_before() -> None:
    assert deadline_of("The renovation is finished before Christmas") == "2026-12-24T23:59:59-05:00"


def test_every_expression_is_found_in_order() -> None:
    found = resolve_dates("Christmas 2026 falls on a Friday, said tomorrow", at(SATURDAY, NY), NY)
    assert [e.text for e in found] == ["Christmas 2026", "tomorrow"]


def test_primary_is_the_latest_deadline_still_ahead() -> None:
    now = at(SATURDAY, NY)
    found = resolve_dates("Said yesterday: it snows on Christmas Day", now, NY)
    chosen = primary(found, now)
    assert chosen is not None and chosen.text == "Christmas Day"
    assert primary(resolve_dates("It rained yesterday", now, NY), now) is None


def test_loose_expressions_are_marked() -> None:
    (found,) = resolve_dates("The Lakers make the playoffs this season", at(SATURDAY, NY), NY)
    assert not found.firm


@pytest.mark.parametrize(
    ("timezone", "override", "order"),
    [
        ("America/New_York", None, "MDY"),
        ("America/Los_Angeles", None, "MDY"),
        ("Pacific/Honolulu", None, "MDY"),
        ("America/Indiana/Indianapolis", None, "MDY"),
        ("America/Toronto", None, "DMY"),
        ("America/Sao_Paulo", None, "DMY"),
        ("Europe/London", None, "DMY"),
        ("UTC", None, "DMY"),
        ("Europe/London", "MDY", "MDY"),
        ("America/New_York", "YMD", "YMD"),
    ],
)
def test_numeric_date_order_follows_the_region(timezone: str, override: str | None, order: str) -> None:
    assert date_order_for(timezone, override) == order


def test_the_date_order_setting_overrides_the_region() -> None:
    found = resolve_dates("It ships on 12/3", at(SATURDAY, NY), NY, date_order="DMY")
    assert found[0].deadline.isoformat() == "2027-03-12T23:59:59-05:00"  # before that DST change


@pytest.mark.parametrize(
    ("timezone", "southern"),
    [("Australia/Sydney", True), ("America/Sao_Paulo", True), ("Pacific/Auckland", True),
     ("Europe/Paris", False), ("America/New_York", False), ("Asia/Tokyo", False)],
)
def test_hemisphere(timezone: str, southern: bool) -> None:
    assert southern_hemisphere(timezone) is southern
