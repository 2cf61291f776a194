"""Teams of the leagues the sports source reads, as ESPN names them, found by the words people use.

Code, not the model, decides which league and team a prediction names: a 1.5B model knows "the Celtics"
but not reliably that ESPN files them under basketball/nba as "Boston Celtics".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Team:
    name: str  # ESPN's displayName
    sport: str
    league: str


# league -> "City Nickname" display names; the nickname (last words) is what people say.
_LEAGUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("basketball", "nba"): (
        "Atlanta Hawks", "Boston Celtics", "Brooklyn Nets", "Charlotte Hornets", "Chicago Bulls",
        "Cleveland Cavaliers", "Dallas Mavericks", "Denver Nuggets", "Detroit Pistons", "Golden State Warriors",
        "Houston Rockets", "Indiana Pacers", "LA Clippers", "Los Angeles Lakers", "Memphis Grizzlies",
        "Miami Heat", "Milwaukee Bucks", "Minnesota Timberwolves", "New Orleans Pelicans", "New York Knicks",
        "Oklahoma City Thunder", "Orlando Magic", "Philadelphia 76ers", "Phoenix Suns", "Portland Trail Blazers",
        "Sacramento Kings", "San Antonio Spurs", "Toronto Raptors", "Utah Jazz", "Washington Wizards",
    ),
    ("football", "nfl"): (
        "Arizona Cardinals", "Atlanta Falcons", "Baltimore Ravens", "Buffalo Bills", "Carolina Panthers",
        "Chicago Bears", "Cincinnati Bengals", "Cleveland Browns", "Dallas Cowboys", "Denver Broncos",
        "Detroit Lions", "Green Bay Packers", "Houston Texans", "Indianapolis Colts", "Jacksonville Jaguars",
        "Kansas City Chiefs", "Las Vegas Raiders", "Los Angeles Chargers", "Los Angeles Rams", "Miami Dolphins",
        "Minnesota Vikings", "New England Patriots", "New Orleans Saints", "New York Giants", "New York Jets",
        "Philadelphia Eagles", "Pittsburgh Steelers", "San Francisco 49ers", "Seattle Seahawks",
        "Tampa Bay Buccaneers", "Tennessee Titans", "Washington Commanders",
    ),
    ("baseball", "mlb"): (
        "Arizona Diamondbacks", "Athletics", "Atlanta Braves", "Baltimore Orioles", "Boston Red Sox",
        "Chicago Cubs", "Chicago White Sox", "Cincinnati Reds", "Cleveland Guardians", "Colorado Rockies",
        "Detroit Tigers", "Houston Astros", "Kansas City Royals", "Los Angeles Angels", "Los Angeles Dodgers",
        "Miami Marlins", "Milwaukee Brewers", "Minnesota Twins", "New York Mets", "New York Yankees",
        "Philadelphia Phillies", "Pittsburgh Pirates", "San Diego Padres", "San Francisco Giants",
        "Seattle Mariners", "St. Louis Cardinals", "Tampa Bay Rays", "Texas Rangers", "Toronto Blue Jays",
        "Washington Nationals",
    ),
    ("hockey", "nhl"): (
        "Anaheim Ducks", "Boston Bruins", "Buffalo Sabres", "Calgary Flames", "Carolina Hurricanes",
        "Chicago Blackhawks", "Colorado Avalanche", "Columbus Blue Jackets", "Dallas Stars", "Detroit Red Wings",
        "Edmonton Oilers", "Florida Panthers", "Los Angeles Kings", "Minnesota Wild", "Montreal Canadiens",
        "Nashville Predators", "New Jersey Devils", "New York Islanders", "New York Rangers", "Ottawa Senators",
        "Philadelphia Flyers", "Pittsburgh Penguins", "San Jose Sharks", "Seattle Kraken", "St. Louis Blues",
        "Tampa Bay Lightning", "Toronto Maple Leafs", "Utah Mammoth", "Vancouver Canucks",
        "Vegas Golden Knights", "Washington Capitals", "Winnipeg Jets",
    ),
    ("soccer", "eng.1"): (
        "Arsenal", "Aston Villa", "AFC Bournemouth", "Brentford", "Brighton & Hove Albion", "Burnley", "Chelsea",
        "Crystal Palace", "Everton", "Fulham", "Leeds United", "Liverpool", "Manchester City", "Manchester United",
        "Newcastle United", "Nottingham Forest", "Sunderland", "Tottenham Hotspur", "West Ham United",
        "Wolverhampton Wanderers",
    ),
    ("soccer", "esp.1"): (
        "Athletic Club", "Atlético Madrid", "Barcelona", "Celta Vigo", "Getafe", "Girona", "Mallorca", "Osasuna",
        "Rayo Vallecano", "Real Betis", "Real Madrid", "Real Sociedad", "Sevilla", "Valencia", "Villarreal",
    ),
    ("soccer", "ger.1"): (
        "Bayer Leverkusen", "Bayern Munich", "Borussia Dortmund", "Borussia Mönchengladbach", "Eintracht Frankfurt",
        "RB Leipzig", "SC Freiburg", "VfB Stuttgart", "VfL Wolfsburg", "Werder Bremen", "1. FC Union Berlin",
        "TSG Hoffenheim", "Mainz",
    ),
    ("soccer", "ita.1"): (
        "AC Milan", "AS Roma", "Atalanta", "Bologna", "Fiorentina", "Internazionale", "Juventus", "Lazio",
        "Napoli", "Torino", "Udinese", "Genoa",
    ),
    ("soccer", "fra.1"): (
        "AS Monaco", "Lille", "Lyon", "Marseille", "Nice", "Paris Saint-Germain", "Rennes", "Lens", "Nantes",
        "Strasbourg",
    ),
}
# Words people use that are not the display name or its last word.
_ALIASES: dict[str, str] = {
    "sixers": "Philadelphia 76ers", "cavs": "Cleveland Cavaliers", "mavs": "Dallas Mavericks",
    "wolves": "Minnesota Timberwolves", "blazers": "Portland Trail Blazers", "niners": "San Francisco 49ers",
    "bucs": "Tampa Bay Buccaneers", "pats": "New England Patriots", "habs": "Montreal Canadiens",
    "leafs": "Toronto Maple Leafs", "red sox": "Boston Red Sox", "white sox": "Chicago White Sox",
    "blue jays": "Toronto Blue Jays", "d-backs": "Arizona Diamondbacks", "a's": "Athletics",
    "red wings": "Detroit Red Wings", "blue jackets": "Columbus Blue Jackets",
    "golden knights": "Vegas Golden Knights",
    "man city": "Manchester City", "man united": "Manchester United", "man utd": "Manchester United",
    "spurs fc": "Tottenham Hotspur", "tottenham": "Tottenham Hotspur", "villa": "Aston Villa",
    "newcastle": "Newcastle United", "west ham": "West Ham United", "wolverhampton": "Wolverhampton Wanderers",
    "brighton": "Brighton & Hove Albion", "forest": "Nottingham Forest", "bournemouth": "AFC Bournemouth",
    "leeds": "Leeds United", "barca": "Barcelona", "atletico": "Atlético Madrid",
    "atletico madrid": "Atlético Madrid",
    "bayern": "Bayern Munich", "dortmund": "Borussia Dortmund", "bvb": "Borussia Dortmund",
    "leverkusen": "Bayer Leverkusen", "leipzig": "RB Leipzig", "inter": "Internazionale",
    "inter milan": "Internazionale",
    "milan": "AC Milan", "roma": "AS Roma", "juve": "Juventus", "psg": "Paris Saint-Germain",
    "monaco": "AS Monaco", "betis": "Real Betis", "sociedad": "Real Sociedad", "frankfurt": "Eintracht Frankfurt",
}
# Last words shared by teams of several leagues or too common as words: only the full name finds them.
_AMBIGUOUS = {"cardinals", "giants", "jets", "rangers", "panthers", "kings", "athletics", "club", "city", "united",
              "madrid", "heat", "magic", "thunder", "jazz", "suns", "wild", "stars", "lightning", "avalanche",
              "nice", "lens", "lille", "nantes", "genoa", "mainz", "valencia", "sevilla", "girona", "getafe",
              "osasuna", "mallorca", "bologna", "torino", "lazio", "napoli", "lyon", "rennes", "strasbourg",
              "chelsea", "arsenal", "liverpool", "everton", "fulham", "burnley", "sunderland", "brentford",
              "barcelona", "juventus", "atalanta", "fiorentina", "udinese", "marseille", "villarreal"}
_KEEP_SINGLE = {"heat", "magic", "thunder", "jazz", "suns", "wild", "stars", "lightning", "avalanche", "chelsea",
                "arsenal", "liverpool", "everton", "fulham", "burnley", "sunderland", "brentford", "barcelona",
                "juventus", "atalanta", "fiorentina", "udinese", "marseille", "villarreal", "napoli", "lazio"}


@cache
def _index() -> tuple[re.Pattern[str], dict[str, Team]]:
    names: dict[str, Team] = {}
    for (sport, league), teams in _LEAGUES.items():
        for display in teams:
            team = Team(display, sport, league)
            names[display.lower()] = team
            nickname = display.split()[-1].lower()
            two = " ".join(display.split()[-2:]).lower()
            if nickname not in _AMBIGUOUS or nickname in _KEEP_SINGLE:
                names.setdefault(nickname, team)
            if len(display.split()) > 2:
                names.setdefault(two, team)
    for alias, display in _ALIASES.items():
        for teams_league, teams in _LEAGUES.items():
            if display in teams:
                names[alias] = Team(display, *teams_league)
    words = sorted(names, key=len, reverse=True)  # longest first: "red sox" before "sox"
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(word) for word in words) + r")(?![\w-])", re.I)
    return pattern, names


def find_teams(text: str) -> list[Team]:
    """The teams a text names, in order of appearance, each once."""
    pattern, names = _index()
    found: list[Team] = []
    for match in pattern.finditer(text):
        if match.group(0).lower() == "heat" and re.match(r"\s*-?\s*waves?\b", text[match.end():], re.I):
            continue  # a heat wave is weather
        team = names[match.group(0).lower()]
        if team not in found:
            found.append(team)
    return found
