"""Numbers, negations and dates as people write them; ISO dates rewritten for people."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from calledit.domain.words import (
    date_words,
    iso_to_words,
    machine_formats,
    moment_words,
    negations_in,
    numbers_in,
    span_words,
    written_dates,
)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Bitcoin will hit $150k by 2027", [150_000, 2027]),
        ("$80,000 and 1.5 million and $5m", [80_000, 1_500_000, 5_000_000]),
        ("a 5m wave", [5]),  # metres: only a currency makes "m" a million
        ("Liverpool win 3-1", [3, 1]),
        ("-5 C on the 4th", [-5, 4]),
        ("three goals in twenty minutes", [3, 20]),
        ("The 6:15 train and the 7pm game", [6 * 60 + 15, 19 * 60]),  # times: minutes after midnight
        ("Q2 results", []),
    ],
)
def test_numbers_as_written(text: str, values: list[float]) -> None:
    assert [number.value for number in numbers_in(text)] == values


def test_negations_count_once_each() -> None:
    assert negations_in("It won't rain, and it will not snow; never, no, nothing") == \
        ["n't", "not", "never", "no", "nothing"]


@pytest.mark.parametrize(
    ("day", "month_first", "words"),
    [
        (date(2027, 1, 1), False, "Friday, 1 January 2027"),
        (date(2027, 1, 1), True, "Friday, January 1, 2027"),
        (date(2027, 12, 25), False, "Saturday, 25 December 2027"),
    ],
)
def test_dates_for_people(day: date, month_first: bool, words: str) -> None:
    assert date_words(day, month_first=month_first) == words


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 11, 21), date(2026, 11, 22), "21-22 November 2026"),
        (date(2026, 11, 30), date(2026, 12, 6), "30 November - 6 December 2026"),
        (date(2026, 11, 1), date(2026, 11, 30), "November 2026"),
        (date(2027, 1, 1), date(2027, 12, 31), "2027"),
        (date(2026, 12, 20), date(2027, 1, 5), "20 December 2026 - 5 January 2027"),
    ],
)
def test_spans_for_people(start: date, end: date, words: str) -> None:
    assert span_words(start, end) == words


def test_written_dates_are_found_with_or_without_year_and_weekday() -> None:
    found = written_dates("Friday, 1 January 2027, Dec 25th, June 2027 and 21-22 November 2026")
    assert [(w.year, w.month, w.day) for w in found] == [
        (2027, 1, 1), (None, 12, 25), (2027, 6, None), (2026, 11, 21), (2026, 11, 22)]


@pytest.mark.parametrize(
    ("text", "machine"),
    [
        ("Christmas 2027 will be a Saturday 2027-12-25T23:59:59+00:00.", ["2027-12-25T23:59:59+00:00"]),
        ("until New Year 2027-01-01", ["2027-01-01"]),
        ("at 23:59:59Z", ["23:59:59Z"]),
        ("on Friday, 1 January 2027 at 18:00", []),
    ],
)
def test_machine_formats(text: str, machine: list[str]) -> None:
    assert machine_formats(text) == machine


def test_iso_rewritten_in_the_users_zone_and_order() -> None:
    new_york = ZoneInfo("America/New_York")
    assert iso_to_words("date set to 2026-11-27T23:59:59-05:00", new_york, month_first=True) == \
        "date set to the end of Friday, November 27, 2026"
    assert iso_to_words("kick-off 2026-11-22T01:30:00Z", new_york, month_first=True) == \
        "kick-off Saturday, November 21, 2026, 8:30 pm"
    assert iso_to_words("on 2027-01-01", ZoneInfo("Europe/Paris")) == "on Friday, 1 January 2027"
    assert moment_words(datetime(2027, 1, 1, 18, 0, tzinfo=ZoneInfo("Europe/Paris"))) == "Friday, 1 January 2027, 18:00"
