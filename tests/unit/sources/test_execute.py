from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from calledit.domain.check import describe, parse_check
from calledit.sources.execute import run_check
from calledit.sources.http import SourceClient
from tests.unit.sources.conftest import ClientFactory

WEATHER = {"source": "weather", "place": "Denver, CO", "variable": "snowfall_sum", "start": "2026-11-01",
           "comparator": ">", "threshold": 0}  # fmt: skip
SPORTS = {"source": "sports", "sport": "basketball", "league": "nba", "team": "Boston Celtics", "variable": "win",
          "start": "2026-12-01", "comparator": "==", "threshold": 1}  # fmt: skip


async def run(client: SourceClient, fields: dict[str, Any], now: datetime, timezone: str = "America/New_York") -> Any:
    return await run_check(parse_check(fields), client, now=now, timezone=timezone)


async def test_a_decided_check_cites_the_data_url_the_values_and_the_criterion(replayed: ClientFactory) -> None:
    outcome = await run(replayed("weather.har"), WEATHER, datetime(2026, 12, 1, 18, tzinfo=UTC))
    assert (outcome.status, outcome.holds) == ("decided", True)
    [evidence] = outcome.evidence
    assert evidence.source.startswith("https://archive-api.open-meteo.com/v1/archive?latitude=39.73915")
    assert evidence.finding.startswith("snowfall_sum on 2026-11-01 = 2.3 cm (threshold > 0 cm) [Denver, CO: Denver,")
    assert (
        evidence.criterion
        == describe(parse_check(WEATHER))
        == ("Open-Meteo daily snowfall in Denver, CO on Sun 1 Nov 2026 > 0 cm")
    )
    assert outcome.values == [(outcome.values[0][0], 2.3)]


async def test_a_threshold_in_another_unit(replayed: ClientFactory) -> None:
    hot = {**WEATHER, "place": "Phoenix", "variable": "temperature_2m_max", "start": "2026-07-04",
           "comparator": ">=", "threshold": 95, "unit": "F"}  # fmt: skip
    outcome = await run(replayed("weather.har"), hot, datetime(2026, 8, 1, tzinfo=UTC))
    assert (outcome.status, outcome.holds) == ("decided", True)
    assert "35.2 °C (threshold >= 95 °F = 35 °C)" in outcome.reason


async def test_data_not_in_yet_is_pending_not_a_verdict(replayed: ClientFactory) -> None:
    unfilled = await run(
        replayed("weather.har"), {**WEATHER, "start": "2026-11-02"}, datetime(2026, 12, 1, 18, tzinfo=UTC)
    )
    assert (unfilled.status, unfilled.holds) == ("pending", None)
    assert "not published yet" in unfilled.reason
    live_game = await run(
        replayed("sports.har"), {**SPORTS, "team": "Los Angeles Lakers"}, datetime(2026, 12, 2, 4, tzinfo=UTC)
    )
    assert live_game.status == "pending" and "not final yet" in live_game.evidence[0].finding


async def test_a_final_game_decides_on_the_night(replayed: ClientFactory) -> None:
    outcome = await run(replayed("sports.har"), SPORTS, datetime(2026, 12, 2, 3, 30, tzinfo=UTC))  # 22:30 ET, 1 Dec
    assert (outcome.status, outcome.holds) == ("decided", True)
    assert "Boston Celtics 112, New York Knicks 104 (Final)" in outcome.evidence[0].finding


async def test_a_draw_refutes_a_win(replayed: ClientFactory) -> None:
    arsenal = {**SPORTS, "sport": "soccer", "league": "eng.1", "team": "Arsenal", "start": "2026-12-05"}
    outcome = await run(replayed("sports.har"), arsenal, datetime(2026, 12, 6, tzinfo=UTC), "Europe/London")
    assert (outcome.status, outcome.holds) == ("decided", False)


@pytest.mark.parametrize(
    ("har", "fields", "now", "words"),
    [
        ("sports.har", {**SPORTS, "team": "Chicago Bulls"}, datetime(2026, 12, 3, tzinfo=UTC),
         "has no game of Chicago"),
        ("weather.har", {**WEATHER, "place": "Atlantis"}, datetime(2026, 12, 3, tzinfo=UTC), "no place named"),
        ("markets.har", {"source": "market", "symbol": "MSFT", "start": "2026-12-01", "comparator": ">",
                         "threshold": 1}, datetime(2026, 12, 3, tzinfo=UTC), "HTTP 503"),
        ("markets.har", {"source": "market", "symbol": "EURUSD=X", "start": "2026-12-05", "end": "2026-12-06",
                         "over": "any_day", "comparator": ">", "threshold": 1}, datetime(2026, 12, 8, tzinfo=UTC),
         "Yahoo Finance has no close in the range"),
        ("crypto.har", {"source": "crypto", "coin": "litecoin", "start": "2026-11-20", "comparator": ">",
                        "threshold": 1}, datetime(2026, 12, 3, tzinfo=UTC), "could not be reached"),
        ("economy.har", {"source": "economy", "series": "CPIAUCSL", "start": "2026-10-01", "end": "2026-10-31",
                         "comparator": ">", "threshold": 1}, datetime(2026, 12, 3, tzinfo=UTC), "HTTP 500"),
    ],
)  # fmt: skip
async def test_a_source_failure_is_never_a_verdict(
    replayed: ClientFactory, har: str, fields: dict[str, Any], now: datetime, words: str
) -> None:
    outcome = await run(replayed(har), fields, now)
    assert (outcome.status, outcome.holds) == ("failed", None)
    assert words in outcome.reason
    [evidence] = outcome.evidence
    assert evidence.source.startswith("https://") and "api_key" not in evidence.source
    assert evidence.finding.startswith("no data from ") and words in evidence.finding


async def test_economy_evidence_has_no_key(replayed: ClientFactory) -> None:
    client = replayed("economy.har", keys={"economy": SecretStr("s3cr3t")})
    rate = {"source": "economy", "series": "UNRATE", "start": "2026-10-01", "end": "2026-10-31", "comparator": "<",
            "threshold": 4.5, "unit": "%"}  # fmt: skip
    outcome = await run(client, rate, datetime(2026, 11, 7, tzinfo=UTC))
    assert (outcome.status, outcome.holds) == ("decided", True)
    assert "s3cr3t" not in outcome.model_dump_json()
    assert outcome.reason == "UNRATE on 2026-10-01 = 4.2 % (threshold < 4.5 %)"


async def test_not_configured_and_off_are_failures_with_what_to_set(replayed: ClientFactory) -> None:
    rate = {"source": "economy", "series": "UNRATE", "start": "2026-10-01", "comparator": "<", "threshold": 4.5}
    outcome = await run(replayed("economy.har", mode="live"), rate, datetime(2026, 11, 7, tzinfo=UTC))
    assert outcome.status == "failed" and "CALLEDIT_FRED_API_KEY" in outcome.reason
    assert outcome.evidence[0].source == "https://api.stlouisfed.org/fred/series/observations"
    off = SourceClient(None, mode="off")
    outcome = await run(off, WEATHER, datetime(2026, 12, 1, tzinfo=UTC))
    assert outcome.status == "failed" and "CALLEDIT_WEB=live" in outcome.reason


async def test_a_naive_now_is_refused(replayed: ClientFactory) -> None:
    with pytest.raises(ValueError, match="aware"):
        await run(replayed("weather.har"), WEATHER, datetime(2026, 12, 1))


@pytest.mark.parametrize(
    ("now", "status", "holds"),
    [
        (datetime(2026, 12, 2, 5, tzinfo=UTC), "pending", None),  # 22:00 on 1 Dec in Denver: the day is not over
        (datetime(2026, 12, 2, 8, tzinfo=UTC), "decided", False),  # 01:00 on 2 Dec in Denver: 1 Dec is in
    ],
)
async def test_a_day_ends_in_the_places_own_timezone(
    replayed: ClientFactory, now: datetime, status: str, holds: bool | None
) -> None:
    # the user is in Tokyo, where 1 Dec ended hours before it did in Denver
    outcome = await run(replayed("weather.har"), {**WEATHER, "start": "2026-12-01"}, now, "Asia/Tokyo")
    assert (outcome.status, outcome.holds) == (status, holds)
