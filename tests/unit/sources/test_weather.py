from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.domain.check import WeatherCheck, parse_check
from calledit.sources.http import SourceError
from calledit.sources.weather import fetch_weather, geocode
from tests.unit.sources.conftest import ClientFactory, asked

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 11:00 in Denver


def check(**changes: Any) -> WeatherCheck:
    fields = {"source": "weather", "place": "Denver, CO", "variable": "snowfall_sum", "start": "2026-11-01",
              "comparator": ">", "threshold": 0, **changes}  # fmt: skip
    made = parse_check(fields)
    assert isinstance(made, WeatherCheck)
    return made


async def test_an_archived_day_after_geocoding_by_the_name_before_the_comma(replayed: ClientFactory) -> None:
    client = replayed("weather.har")
    data = await fetch_weather(client, check(), now=NOW)
    assert data.series == [(date(2026, 11, 1), 2.3)]
    assert data.timezone == "America/Denver"
    assert [url.split("?")[0] for url in data.urls] == [
        "https://geocoding-api.open-meteo.com/v1/search",
        "https://archive-api.open-meteo.com/v1/archive",
    ]
    assert data.data_url == (
        "https://archive-api.open-meteo.com/v1/archive?latitude=39.73915&longitude=-104.9847&start_date=2026-11-01"
        "&end_date=2026-11-01&daily=snowfall_sum&timezone=America%2FDenver"
    )
    assert "Denver, Colorado, United States (39.73915, -104.9847)" in data.notes[0]
    # "Denver, CO" first, as the user wrote it; then "Denver", keeping the results in Colorado
    assert [line.split("?")[1].split("&")[0] for line in asked(client)[:2]] == ["name=Denver%2C+CO", "name=Denver"]


async def test_the_region_after_the_comma_picks_among_results(replayed: ClientFactory) -> None:
    with pytest.raises(SourceError, match="knows no place named 'Portland, IA'") as caught:
        await fetch_weather(replayed("weather.har"), check(place="Portland, IA"), now=NOW)
    assert caught.value.kind == "not_found"


async def test_an_unknown_place_is_a_clear_failure(replayed: ClientFactory) -> None:
    with pytest.raises(SourceError, match="edit the check's place"):
        await fetch_weather(replayed("weather.har"), check(place="Atlantis"), now=NOW)


async def test_a_day_the_archive_has_not_filled_is_none(replayed: ClientFactory) -> None:
    data = await fetch_weather(replayed("weather.har"), check(start="2026-11-02"), now=NOW)
    assert data.series == [(date(2026, 11, 2), None)]


async def test_the_last_week_comes_from_the_forecast_api(replayed: ClientFactory) -> None:
    client = replayed("weather.har")
    data = await fetch_weather(client, check(start="2026-11-25", end="2026-11-30", over="any_day"), now=NOW)
    assert data.data_url.startswith("https://api.open-meteo.com/v1/forecast?")
    assert [value for _, value in data.series] == [0.0, 0.0, 1.4, 0.0, 0.0, 0.7]


async def test_a_range_across_the_archive_edge_reads_both(replayed: ClientFactory) -> None:
    data = await fetch_weather(replayed("weather.har"), check(start="2026-11-20", end="2026-11-30"), now=NOW)
    assert [url.split("?")[0].split("/")[2] for url in data.urls] == [
        "geocoding-api.open-meteo.com", "archive-api.open-meteo.com", "api.open-meteo.com",
    ]  # fmt: skip
    assert len(data.series) == 11
    assert dict(data.series)[date(2026, 11, 27)] == 3.1


async def test_today_and_later_are_not_asked(replayed: ClientFactory) -> None:
    client = replayed("weather.har")
    data = await fetch_weather(client, check(start="2026-12-01", end="2026-12-05"), now=NOW)
    assert data.series == []
    assert len(asked(client)) == 2  # the geocoding only


async def test_a_whole_month_in_the_source_unit(replayed: ClientFactory) -> None:
    month = check(place="Seattle", variable="precipitation_sum", start="2026-10-01", end="2026-10-31", unit="in")
    data = await fetch_weather(replayed("weather.har"), month, now=NOW)
    assert len(data.series) == 31 and data.timezone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("changes", "kind", "words"),
    [
        ({"place": "Seattle", "variable": "precipitation_sum", "start": "2026-09-01"}, "status",
         "HTTP 400: Parameter 'start_date' is out of allowed range"),
        ({"place": "Tokyo", "variable": "wind_speed_10m_max", "start": "2026-09-15"}, "malformed",
         "unexpected shape"),
        ({"place": "Boston", "start": "2026-09-15"}, "unreachable", "could not be reached"),
    ],
)  # fmt: skip
async def test_failures_of_the_source(replayed: ClientFactory, changes: dict[str, Any], kind: str, words: str) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        await fetch_weather(replayed("weather.har"), check(**changes), now=NOW)
    assert caught.value.kind == kind


async def test_a_slow_source_runs_into_the_deadline(replayed: ClientFactory) -> None:
    slow = check(place="Tokyo", variable="wind_speed_10m_max", start="2026-09-16")
    with pytest.raises(SourceError, match=r"gave no answer within 0\.3 s") as caught:
        await fetch_weather(replayed("weather.har", deadline=0.3), slow, now=NOW)
    assert caught.value.kind == "unreachable"


@pytest.mark.parametrize(
    ("place", "admin1"),
    [("Denver, CO", "Colorado"), ("Denver, IA", "Iowa"), ("Denver, Iowa, USA", "Iowa"), ("Denver", "Colorado")],
)
async def test_geocoding_keeps_the_region_named(replayed: ClientFactory, place: str, admin1: str) -> None:
    result, url = await geocode(replayed("weather.har"), place)
    assert result["admin1"] == admin1
    assert url.startswith("https://geocoding-api.open-meteo.com/v1/search?name=")
