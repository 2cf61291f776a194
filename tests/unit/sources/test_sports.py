from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.domain.check import SportsCheck, parse_check
from calledit.sources.http import SourceError
from calledit.sources.sports import fetch_sports
from tests.unit.sources.conftest import ClientFactory, asked

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
ET = "America/New_York"


def check(**changes: Any) -> SportsCheck:
    fields = {"source": "sports", "sport": "basketball", "league": "nba", "team": "Boston Celtics", "variable": "win",
              "start": "2026-12-01", "comparator": "==", "threshold": 1, **changes}  # fmt: skip
    made = parse_check(fields)
    assert isinstance(made, SportsCheck)
    return made


async def test_a_final_game_of_the_team(replayed: ClientFactory) -> None:
    client = replayed("sports.har")
    data = await fetch_sports(client, check(), now=NOW, timezone=ET)
    assert data.series == [(date(2026, 12, 1), 1.0)]
    assert data.notes == ["2026-12-01: Boston Celtics 112, New York Knicks 104 (Final)"]
    assert data.data_url == "https://site.api.espn.com/apis/site/v2/sports/basketball/nba/scoreboard?dates=20261201"
    assert sorted(line.rsplit("=", 1)[1] for line in asked(client)) == ["20261130", "20261201", "20261202"]


@pytest.mark.parametrize(
    ("team", "variable", "value"),
    [
        ("celtics", "win", 1.0),  # the short name, any case
        ("BOS", "points", 112.0),  # the abbreviation
        ("Knicks", "loss", 1.0),
        ("New York Knicks", "points_against", 112.0),
        ("NY Knicks", "margin", -8.0),  # the nickname, when one team that day ends with it
        ("Boston Celtics", "total_points", 216.0),
        ("Boston Celtics", "draw", 0.0),
    ],
)
async def test_team_names_and_variables(replayed: ClientFactory, team: str, variable: str, value: float) -> None:
    data = await fetch_sports(replayed("sports.har"), check(team=team, variable=variable), now=NOW, timezone=ET)
    assert data.series == [(date(2026, 12, 1), value)]


async def test_a_game_in_progress_is_pending(replayed: ClientFactory) -> None:
    data = await fetch_sports(replayed("sports.har"), check(team="Los Angeles Lakers"), now=NOW, timezone=ET)
    assert data.series == [(date(2026, 12, 1), None)]
    assert data.notes == ["2026-12-01: Los Angeles Lakers vs Denver Nuggets not final yet (3rd Quarter)"]
    assert data.empty_reason is None


async def test_a_postponed_game_is_left_out_with_a_reason(replayed: ClientFactory) -> None:
    data = await fetch_sports(replayed("sports.har"), check(team="Miami Heat"), now=NOW, timezone=ET)
    assert data.series == []
    assert data.empty_reason is not None and "postponed or cancelled" in data.empty_reason


async def test_no_game_in_the_range_is_a_clear_reason(replayed: ClientFactory) -> None:
    data = await fetch_sports(replayed("sports.har"), check(team="Chicago Bulls"), now=NOW, timezone=ET)
    assert data.empty_reason == (
        "ESPN's NBA scoreboard has no game of Chicago Bulls from 1 Dec to 1 Dec 2026, and no team of that name "
        "played then; edit the check's team to ESPN's name (teams seen: Boston Celtics, Denver Nuggets, Golden "
        "State Warriors, Los Angeles Lakers, Miami Heat, New York Knicks)"
    )


async def test_an_opponent_narrows_the_games(replayed: ClientFactory) -> None:
    two_days = {"start": "2026-12-01", "end": "2026-12-02", "over": "total", "threshold": 1, "comparator": ">="}
    both = await fetch_sports(replayed("sports.har"), check(**two_days), now=NOW, timezone=ET)
    assert [value for _, value in both.series] == [1.0, 0.0]  # beat the Knicks, lost to the Warriors
    versus = await fetch_sports(replayed("sports.har"), check(opponent="Warriors", **two_days), now=NOW, timezone=ET)
    assert versus.series == [(date(2026, 12, 2), 0.0)]


@pytest.mark.parametrize(
    ("timezone", "day"),
    [
        ("America/New_York", date(2026, 12, 1)),  # 19:30 on 1 Dec
        ("America/Los_Angeles", date(2026, 12, 1)),  # 16:30 on 1 Dec
        ("Europe/Paris", date(2026, 12, 2)),  # 01:30 on 2 Dec: not a 1 Dec game for this user
    ],
)
async def test_a_game_is_placed_on_the_users_local_day(replayed: ClientFactory, timezone: str, day: date) -> None:
    data = await fetch_sports(
        replayed("sports.har"), check(end="2026-12-02", over="any_day"), now=NOW, timezone=timezone
    )
    assert data.series[0][0] == day


async def test_the_days_either_side_are_best_effort(replayed: ClientFactory) -> None:
    # 2026-12-04 is not in the recording's 4-6 Dec soccer days? It is; 2026-12-07 is not: a margin day.
    draw = check(sport="soccer", league="eng.1", team="Arsenal", variable="draw", start="2026-12-05")
    data = await fetch_sports(replayed("sports.har"), draw, now=NOW, timezone="Europe/London")
    assert data.series == [(date(2026, 12, 5), 1.0)]
    late = check(start="2026-12-02")  # the 3 Dec margin scoreboard exists, 2 Dec has the game
    assert (await fetch_sports(replayed("sports.har"), late, now=NOW, timezone=ET)).series == [(date(2026, 12, 2), 0.0)]
    # a scoreboard inside the range that cannot be read is a failure
    with pytest.raises(SourceError, match="could not be reached"):
        await fetch_sports(replayed("sports.har"), check(start="2026-12-03", end="2026-12-04"), now=NOW, timezone=ET)


@pytest.mark.parametrize(
    ("changes", "kind", "words"),
    [
        ({"sport": "football", "league": "nfl", "team": "Dallas Cowboys", "start": "2026-12-06"}, "status",
         "HTTP 502"),
        ({"sport": "hockey", "league": "nhl", "team": "Boston Bruins"}, "malformed", "unexpected shape"),
        ({"start": "2026-01-01", "end": "2026-12-01"}, "not_found", "more than 62 days"),
    ],
)  # fmt: skip
async def test_failures_of_the_source(replayed: ClientFactory, changes: dict[str, Any], kind: str, words: str) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        await fetch_sports(replayed("sports.har"), check(**changes), now=NOW, timezone=ET)
    assert caught.value.kind == kind
