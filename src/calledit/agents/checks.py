"""The executable check at creation: which data source a prediction needs, and its query from the model.

Code decides what it can: whether a prediction names data a source publishes (weather, a market, a coin, a
game, an economic series), the date range from the resolved dates and the mode, and how a range is read
(any day before a deadline, every day of a recurring call). The model only translates the words into the
source's query under a grammar made for that one source (place and variable, symbol, coin, league and
team, series) with the comparator, threshold and unit. What it writes is validated by `domain.check`; a
query that does not validate leaves the call without a check (it is then verified the prose way).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from calledit.agents.dates import resolve_dates
from calledit.agents.teams import find_teams
from calledit.domain.call import CallDraft, VerifiableCategory, VerificationMethod, VerificationMode
from calledit.domain.check import Check, Over, Source, check_json_schema, describe, parse_check

# Words that name each source's data. Order matters: the first source whose words appear wins, and the
# more specific sources come first ("bitcoin" is crypto, not a market; "rain" is weather, not sports).
_CUES: tuple[tuple[Source, re.Pattern[str]], ...] = (
    ("crypto", re.compile(
        r"\b(?:bitcoin|btc|ethereum|ether|eth|solana|sol|dogecoin|doge|cardano|ada|xrp|ripple|litecoin|ltc|"
        r"crypto(?:currency)?|polkadot|chainlink|tether|usdc|bnb|shiba)\b", re.I)),
    ("economy", re.compile(
        r"\b(?:unemployment|jobless|inflation|cpi|consumer price|fed(?:eral)? funds|interest rates?|fed rate|"
        r"gdp|gross domestic|payrolls?|nonfarm|jobs report|treasury yield|10-year|ten-year|2-year|"
        r"mortgage rates?|recession)\b", re.I)),
    ("weather", re.compile(
        r"\b(?:rain(?:s|ing|y|fall)?|snow(?:s|ing|fall|y)?|sunny|sunshine|temperature|degrees|°[cf]?|hot|"
        r"cold|freez(?:e|es|ing)|frost|wind(?:s|y)?|gusts?|storm(?:s|y)?|precipitation|drizzle|hail|heat ?wave|"
        r"celsius|fahrenheit|inches of|mm of|cm of|weather|forecast|dry|humid)\b", re.I)),
    ("market", re.compile(
        r"\b(?:stocks?|shares?|s&p|s\s?&\s?p ?500|sp500|dow(?: jones)?|nasdaq|russell|ftse|dax|nikkei|"
        r"index|indices|closes?|closing|ticker|market cap|gold|silver|oil|crude|brent|wti|natural gas|copper|"
        r"euro|dollar|yen|pound|sterling|eur/?usd|gbp/?usd|usd/?jpy|exchange rate|nyse)\b|\$[A-Z]{1,5}\b", re.I)),
)
# A prediction about the speaker's own life is never a data check, whatever words it uses; a hedge in
# front of a claim about the world ("I bet", "I think") does not make it personal.
_HEDGE = re.compile(
    r"^\s*(?:i\s+(?:bet|think|predict|reckon|guess|believe|expect|say|doubt that)|i'm\s+(?:sure|certain|betting)|"
    r"mark my words|my (?:guess|bet|prediction) is|calling it)\s*(?:that\s+)?[:,]?\s*", re.I)
_PERSONAL = re.compile(r"\b(?:[iI]|[iI]'ll|[iI]'m|[iI]'ve|[iI]'d|(?i:my|me|mine|myself|we|we'll|we're|our)|[uU]s)\b")
_GAME_WORDS = re.compile(
    r"\b(?:win|wins|won|beat|beats|defeat|defeats|lose|loses|lost|game|match|score|scores|points|goals?|draw|"
    r"tie|ties|playoffs?|series)\b", re.I)

_SOURCE_NAMES: dict[Source, str] = {
    "weather": "Open-Meteo (open-meteo.com) daily weather",
    "market": "Yahoo Finance (finance.yahoo.com) daily close",
    "crypto": "CoinGecko (coingecko.com) USD price",
    "sports": "ESPN (espn.com) scoreboard",
    "economy": "FRED, Federal Reserve Bank of St. Louis (fred.stlouisfed.org)",
}
_HINTS: dict[Source, str] = {
    "weather": 'Data source: weather. Fill "check" with the place as named (city, region), the daily variable, '
               "the comparator, the threshold and its unit (0 for \"it rains/snows\").",
    "market": 'Data source: market prices. Fill "check" with the Yahoo Finance symbol (AAPL, TSLA, ^GSPC for the '
              "S&P 500, ^DJI, ^IXIC, GC=F gold, CL=F oil, EURUSD=X), the comparator and the price threshold.",
    "crypto": 'Data source: crypto prices. Fill "check" with the CoinGecko id (bitcoin, ethereum, solana, '
              "dogecoin), the comparator and the USD threshold.",
    "sports": 'Data source: sports results. Fill "check" with the sport and league, the team\'s full name '
              '(e.g. "Boston Celtics"), the opponent or null, and the variable ("win" with "==" 1 for a win).',
    "economy": 'Data source: economic data (FRED). Fill "check" with the series (UNRATE unemployment rate %, '
               "CPIAUCSL consumer price index, FEDFUNDS fed funds rate %, GDP, PAYEMS payrolls, DGS10 10-year "
               "yield %), the comparator and the threshold.",
}
# What the model writes; code sets the rest.
_CODE_FIELDS = ("start", "end", "over")


def detect_source(prediction: str) -> Source | None:
    """The data source a prediction's words name, or None (no outside data, or the speaker's own life)."""
    claim = _HEDGE.sub("", prediction, count=1)
    if _PERSONAL.search(claim):
        return None
    order: list[Source] = ["crypto", "economy"]
    cues = dict(_CUES)
    for source in order:
        if cues[source].search(claim):
            return source
    if find_teams(claim) and _GAME_WORDS.search(claim):
        return "sports"
    for source in ("weather", "market"):
        if cues[source].search(claim):
            return source
    return None


def query_schema(source: Source) -> dict[str, Any]:
    """The grammar-friendly schema of one source's query (dates and range reading are code's)."""
    branches = []
    for branch in check_json_schema()["anyOf"]:
        if branch.get("properties", {}).get("source", {}).get("const") != source:
            continue
        branch = copy.deepcopy(branch)
        for name in _CODE_FIELDS:
            branch["properties"].pop(name, None)
        branch["required"] = [name for name in branch["required"] if name not in _CODE_FIELDS]
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


@dataclass(frozen=True)
class CheckPlan:
    """What code decided before the model writes: the source, the query fields code already knows (the
    league and teams of a game), and the schema and prompt hint for the rest."""

    source: Source
    known: dict[str, Any]

    @property
    def hint(self) -> str:
        if self.source == "sports":
            teams = " vs ".join(str(self.known[key]) for key in ("team", "opponent") if self.known.get(key))
            return (f"Data source: sports results ({teams}). Fill \"check\" with the variable of "
                    f"{self.known['team']}'s result (\"win\" with \"==\" 1 for a win, \"loss\" for a loss, "
                    "\"points\" for its score), the comparator and the threshold.")
        return _HINTS[self.source]

    def schema(self) -> dict[str, Any]:
        """The model's part of the query: the source's schema without what code set."""
        schema = query_schema(self.source)
        for branch in schema.get("anyOf", [schema]):
            if branch.get("properties", {}).get("source", {}).get("const") != self.source:
                continue
            for name in self.known:
                branch["properties"].pop(name, None)
            branch["required"] = [name for name in branch["required"] if name not in self.known]
        if "anyOf" in schema and self.source == "sports":  # the league is known: keep its sport's branch
            sport = self.known["sport"]
            schema = next(b for b in query_schema(self.source)["anyOf"]
                          if b["properties"]["sport"].get("const") == sport)
            for name in self.known:
                schema["properties"].pop(name, None)
            schema["required"] = [name for name in schema["required"] if name not in self.known]
        return schema


def plan_check(prediction: str) -> CheckPlan | None:
    """Which source checks this prediction and what code knows of its query, or None."""
    source = detect_source(prediction)
    if source is None:
        return None
    known: dict[str, Any] = {}
    if source == "sports":
        teams = find_teams(_HEDGE.sub("", prediction, count=1))
        first = teams[0]
        rival = next((team for team in teams[1:] if (team.sport, team.league) == (first.sport, first.league)), None)
        known = {"sport": first.sport, "league": first.league, "team": first.name,
                 "opponent": rival.name if rival else None}
    return CheckPlan(source, known)


def check_range(
    prediction: str, draft: CallDraft, now: datetime, timezone: str
) -> tuple[date, date, Over]:
    """The local dates a check reads and how: from the prediction's own time words and the final mode."""
    local = draft.verification_date.astimezone(now.tzinfo)
    today = now.date()
    expressions = resolve_dates(prediction, now, timezone)
    mode = draft.verification_mode
    if mode is VerificationMode.BEFORE_DATE:
        return today, max(local.date(), today), "any_day"
    if mode is VerificationMode.RECURRING:
        return today, max(local.date(), today), "every_day"
    if expressions:
        named = max(expressions, key=lambda e: e.end)
        first, last = named.start.date(), (named.end - timedelta(microseconds=1)).date()
        last = max(first, last)
        if mode is VerificationMode.IMMEDIATE:  # a fact about the past: the named days, up to today
            last = min(last, today)
            first = min(first, last)
        return first, last, "at_end" if first == last else "any_day"
    day = today if mode is VerificationMode.IMMEDIATE else local.date()
    return day, day, "at_end"


def complete_check(
    plan: CheckPlan, query: dict[str, Any] | None, draft: CallDraft, prediction: str, now: datetime, timezone: str
) -> Check | None:
    """The model's query plus code's dates, validated; None when the model's query does not hold up."""
    if not isinstance(query, dict) or query.get("source", plan.source) != plan.source:
        return None
    known = plan.known
    start, end, over = check_range(prediction, draft, now, timezone)
    if _TOTAL.search(prediction):
        over = "total"
    try:
        return parse_check({**query, **known, "start": start.isoformat(), "end": end.isoformat(), "over": over})
    except ValidationError:
        return None


_TOTAL = re.compile(r"\b(?:in total|total|altogether|combined|cumulative|over the (?:month|week|year))\b", re.I)


def with_check(draft: CallDraft, check: Check | None) -> CallDraft:
    """The call carrying its check: the category and the method then say how it will really be checked."""
    if check is None:
        return draft
    words = describe(check)
    method = VerificationMethod(
        source=[_SOURCE_NAMES[check.source]],
        criteria=[words],
        steps=[*draft.verification_method.steps[:2]] or ["Read the value from the source and apply the criterion"],
    )
    return draft.model_copy(update={
        "check": check,
        "verifiable_category": VerifiableCategory.API_TOOL_VERIFIABLE,
        "verification_method": method,
    })
