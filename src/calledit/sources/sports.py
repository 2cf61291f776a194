"""Game results from ESPN's scoreboard (no key): one value per game of the team, in the user's days.

Request (docs/DESIGN.md): `GET site.api.espn.com/apis/site/v2/sports/SPORT/LEAGUE/scoreboard?dates=YYYYMMDD`
for each date of the range, and the day either side (ESPN's days are US Eastern; a game is placed on the
user's local date of its start). Read: events[].competitions[0].competitors[] (homeAway, winner, score,
team.displayName / shortDisplayName / abbreviation) and events[].status.type.completed. A game not
completed is pending; a postponed or cancelled one is left out; no game of the team in the range is a
clear reason, not a verdict.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calledit.domain.check import SportsCheck, format_range
from calledit.sources.base import SourceSeries, days, reading
from calledit.sources.http import Fetched, SourceClient, SourceError

SCOREBOARD_URL = "https://site.api.espn.com/apis/site/v2/sports/{sport}/{league}/scoreboard"
MAX_DAYS = 62


def _names(team: dict[str, Any]) -> set[str]:
    keys = ("displayName", "shortDisplayName", "abbreviation", "name", "location")
    names = {str(team[key]).strip().lower() for key in keys if team.get(key)}
    if team.get("location") and team.get("name"):
        names.add(f"{team['location']} {team['name']}".lower())
    return names


class _TeamMatcher:
    """A team as the user named it, matched to ESPN's names case-insensitively.

    Exact names first (display name, short name, abbreviation, nickname); failing that, the last word of
    the user's name ("LA Lakers" → "Lakers") when exactly one team seen that day range ends with it.
    """

    def __init__(self, wanted: str, teams: list[dict[str, Any]]) -> None:
        self.wanted = wanted.strip().lower()
        self.exact = any(self.wanted in _names(team) for team in teams)
        last = self.wanted.split()[-1] if self.wanted else ""
        endings = {str(team.get("displayName", "")).lower() for team in teams if _ends_with(team, last)}
        self.last_word = last if not self.exact and len(endings) == 1 else None

    def __call__(self, team: dict[str, Any]) -> bool:
        if self.wanted in _names(team):
            return True
        return self.last_word is not None and _ends_with(team, self.last_word)


def _ends_with(team: dict[str, Any], word: str) -> bool:
    words = str(team.get("displayName", "")).lower().split()
    return bool(word) and bool(words) and words[-1] == word


def _score(competitor: dict[str, Any]) -> float:
    score = competitor["score"]
    if isinstance(score, dict):  # some ESPN feeds nest the score
        score = score.get("value", score.get("displayValue"))
    return float(str(score))


def _value(variable: str, us: dict[str, Any], them: dict[str, Any]) -> float:
    ours, theirs = _score(us), _score(them)
    won = us.get("winner") is True or (us.get("winner") is None and them.get("winner") is None and ours > theirs)
    lost = them.get("winner") is True or (us.get("winner") is None and them.get("winner") is None and ours < theirs)
    values = {
        "win": float(won),
        "loss": float(lost),
        "draw": float(not won and not lost and ours == theirs),
        "points": ours,
        "points_against": theirs,
        "total_points": ours + theirs,
        "margin": ours - theirs,
    }
    return values[variable]


async def fetch_sports(client: SourceClient, check: SportsCheck, *, now: datetime, timezone: str) -> SourceSeries:
    """The check's variable for each game of the team whose local start date is in the range."""
    if (check.end - check.start).days + 1 > MAX_DAYS:
        raise SourceError(
            f"ESPN is read one day at a time: a range of more than {MAX_DAYS} days is too long; narrow the check",
            kind="not_found",
        )
    zone = ZoneInfo(timezone)
    url = SCOREBOARD_URL.format(sport=check.sport, league=check.league)
    wanted = days(check.start - timedelta(days=1), check.end + timedelta(days=1))
    answers = await asyncio.gather(
        *(client.get_json("sports", url, params={"dates": day.strftime("%Y%m%d")}) for day in wanted),
        return_exceptions=True,
    )
    boards: list[Fetched] = []
    for day, answer in zip(wanted, answers, strict=True):
        if isinstance(answer, BaseException):
            if check.start <= day <= check.end or not isinstance(answer, SourceError):
                raise answer  # the days either side only catch games across a timezone edge: best effort
            continue
        boards.append(answer)
    urls = [board.url for board in boards]

    events: dict[str, tuple[dict[str, Any], str]] = {}
    teams: list[dict[str, Any]] = []
    for board in boards:
        with reading("ESPN", board.url):
            for event in board.body.get("events") or []:
                key = str(event.get("id") or event.get("uid") or len(events))
                events.setdefault(key, (event, board.url))
                for competitor in event["competitions"][0]["competitors"]:
                    teams.append(competitor["team"])
    is_team = _TeamMatcher(check.team, teams)
    is_opponent = _TeamMatcher(check.opponent, teams) if check.opponent else None

    series: list[tuple[date, float | None]] = []
    notes: list[str] = []
    data_url = urls[0] if urls else url
    postponed = 0
    for event, board_url in events.values():
        with reading("ESPN", board_url):
            competition = event["competitions"][0]
            competitors = competition["competitors"]
            ours = [c for c in competitors if is_team(c["team"])]
            if len(ours) != 1 or len(competitors) != 2:
                continue
            us = ours[0]
            them = competitors[1] if competitors[0] is us else competitors[0]
            if is_opponent is not None and not is_opponent(them["team"]):
                continue
            started = datetime.fromisoformat(str(competition.get("date") or event["date"]))
            local_day = started.astimezone(zone).date()
            if not check.start <= local_day <= check.end:
                continue
            status = (competition.get("status") or event["status"])["type"]
            title = f"{us['team'].get('displayName')} vs {them['team'].get('displayName')}"
            if status.get("completed") is True:
                value = _value(check.variable, us, them)
                score = f"{us['team'].get('displayName')} {us.get('score')}, {them['team'].get('displayName')} "
                notes.append(f"{local_day.isoformat()}: {score}{them.get('score')} ({status.get('detail') or 'final'})")
                series.append((local_day, value))
                data_url = board_url
            elif status.get("state") == "post":
                postponed += 1  # over but not completed: postponed, cancelled, suspended
                notes.append(f"{local_day.isoformat()}: {title} {status.get('detail') or 'not played'}")
            else:
                notes.append(f"{local_day.isoformat()}: {title} not final yet ({status.get('detail') or 'scheduled'})")
                series.append((local_day, None))
                data_url = board_url
    series.sort(key=lambda entry: entry[0])

    empty_reason = None
    if not series:
        who = check.team + (f" against {check.opponent}" if check.opponent else "")
        span = format_range(check.start, check.end)
        empty_reason = f"ESPN's {check.league_name} scoreboard has no game of {who} from {span}"
        if postponed:
            empty_reason += " that was played (postponed or cancelled)"
        elif not is_team.exact and is_team.last_word is None:
            seen = sorted({str(team.get("displayName")) for team in teams})
            empty_reason += ", and no team of that name played then; edit the check's team to ESPN's name" + (
                f" (teams seen: {', '.join(seen[:8])})" if seen else ""
            )
    return SourceSeries(
        series=series, timezone=zone.key, urls=urls, data_url=data_url, notes=notes, empty_reason=empty_reason
    )


__all__ = ["SCOREBOARD_URL", "fetch_sports"]
