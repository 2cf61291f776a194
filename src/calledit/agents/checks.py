"""The executable check at creation: which data source or offline kind a prediction needs, and its query.

Code decides what it can: whether a prediction names data a source publishes (weather, a market, a coin, a
game, an economic series), the date range from the resolved dates and the mode, and how a range is read
(any day before a deadline, every day of a recurring call). The model only translates the words into the
source's query under a grammar made for that one source (place and variable, symbol, coin, league and
team, series) with the comparator, threshold and unit. What it writes is validated by `domain.check`; a
query that does not validate leaves the call without a check (it is then verified the prose way).

Offline-decidable predictions (calendar, arithmetic, clock, fixed facts) go the same way: code picks the
kind (and the calendar question) from the words, and reads what a small model gets wrong: the negation,
the comparison, "about", the holiday's country, the numbers spelled in words (given to the model as
digits). The model writes only the operands under the kind's grammar (the day, the weekday named, the
expression and the value claimed, the place) and never computes. When the regex pre-pass reads the whole
claim exactly, its reading is the query and the model is not asked for one.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from calledit.agents import claim_arithmetic, claim_words
from calledit.agents.calendar import country_in_text, holiday_country
from calledit.agents.dates import resolve_dates
from calledit.agents.offline import run_offline
from calledit.agents.teams import find_teams
from calledit.agents.tools import regex_prepass
from calledit.domain.call import CallDraft, VerifiableCategory, VerificationMethod, VerificationMode
from calledit.domain.check import (
    ArithmeticCheck,
    CalendarCheck,
    Check,
    CheckKind,
    ClockCheck,
    FactCheck,
    Over,
    Source,
    check_json_schema,
    describe,
    parse_check,
)
from calledit.domain.offline_checks import OFFLINE_KINDS, query_schemas
from calledit.domain.schema import inline_refs

# A temperature written with its unit letter ("25 C", "110°F"): the letter right after a number, in capitals
# ("Vitamin C" is none).
_UNIT_LETTER = r"\b\d+(?:\.\d+)?\s?°?\s?(?-i:[CF])\b"
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
        r"celsius|fahrenheit|inches of|mm of|cm of|weather|forecast|dry|humid|daily (?:high|low)s?|"
        r"(?:highs?|lows?) of)\b|" + _UNIT_LETTER, re.I)),
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
_CODE_FIELDS = ("start", "end", "over", "change")


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
    for branch in inline_refs(check_json_schema())["anyOf"]:
        if branch.get("properties", {}).get("source", {}).get("const") != source:
            continue
        branch = copy.deepcopy(branch)
        for name in _CODE_FIELDS:
            branch["properties"].pop(name, None)
        branch["required"] = [name for name in branch["required"] if name not in _CODE_FIELDS]
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


_OFFLINE_HINTS: dict[str, str] = {
    "calendar:weekday": 'Check: a weekday. Fill "check" with "day" (YYYY-MM-DD; or a holiday and its year such as '
                        '"Christmas Day 2026"; or today / tomorrow) and the "weekday" the prediction names.',
    "calendar:leap_year": 'Check: a leap year. Fill "check" with the "year" in digits.',
    "calendar:date": 'Check: a holiday\'s date. Fill "check" with "day" (the holiday and its year, e.g. '
                     '"Thanksgiving 2026") and "other" (the date the prediction gives, YYYY-MM-DD).',
    "calendar:days_between": 'Check: a count of days. Fill "check" with "day" (the first day: YYYY-MM-DD, a '
                             'holiday and its year, or today), "other" (the last day) and "value" (the number of '
                             "days the prediction gives, in digits).",
    "calendar:weekday_count": 'Check: a count of weekdays. Fill "check" with the "weekday", the "year", the '
                              '"month" (1-12, or null for the whole year) and "value" (the count the prediction '
                              "gives, in digits).",
    "arithmetic": 'Check: arithmetic. Fill "check" with "expression": the calculation the prediction describes, '
                  "in digits with + - * / ^ ( ) and % (17 * 23; 15% * 80; 1000 * (1 + 5%)^3; 50 * (1 - 20%); "
                  'sqrt(169)), a unit after a number where it has one (3 ft, 2.5 hours, $40); and "value": the '
                  'result the prediction claims ("391", "36 in"). Write what is said; do not compute it.',
    "clock": 'Check: the clock. Fill "check" with "place" (the city or country named, or null for the user\'s '
             'own timezone), "part" (weekday, date, time or period) and "value": the weekday; the date as '
             "YYYY-MM-DD or today / tomorrow; the time as HH:MM on a 24-hour clock (17:00 for 5 pm); or "
             "morning / afternoon / evening / night.",
}
# Offline kinds by the category the call then has; calendar and arithmetic are computations.
_OFFLINE_CATEGORIES: dict[str, VerifiableCategory] = {
    "calendar": VerifiableCategory.STRANDS_TOOL_VERIFIABLE,
    "arithmetic": VerifiableCategory.STRANDS_TOOL_VERIFIABLE,
    "clock": VerifiableCategory.CURRENT_TOOL_VERIFIABLE,
    "fact": VerifiableCategory.AGENT_VERIFIABLE,
}
_OFFLINE_SOURCES: dict[str, str] = {
    "calendar": "The calendar (the holidays library and the proleptic Gregorian calendar), computed in code",
    "arithmetic": "Exact arithmetic, computed in code",
    "clock": "The verifier's clock and the tz database, computed in code",
    "fact": "The verifying model's knowledge (a fixed fact; the model decides and says how sure it is)",
}


@dataclass(frozen=True)
class CheckPlan:
    """What code decided before the model writes: the source or offline kind, the query fields code already
    knows (the league and teams of a game; an offline claim's negation, comparison and country), and the
    schema and prompt hint for the rest."""

    source: CheckKind
    known: dict[str, Any]
    question: str | None = None  # the calendar question, when the words make it clear
    numbers: tuple[tuple[str, int], ...] = ()  # numbers the prediction spells in words, for the hint

    @property
    def offline(self) -> bool:
        return self.source in OFFLINE_KINDS

    @property
    def complete(self) -> bool:
        """Whether code already has the whole query (the regex pre-pass read the claim exactly)."""
        return self.offline and "source" in self.known

    @property
    def hint(self) -> str:
        if self.source == "sports":
            teams = " vs ".join(str(self.known[key]) for key in ("team", "opponent") if self.known.get(key))
            return (f"Data source: sports results ({teams}). Fill \"check\" with the variable of "
                    f"{self.known['team']}'s result (\"win\" with \"==\" 1 for a win, \"loss\" for a loss, "
                    "\"points\" for its score), the comparator and the threshold.")
        if self.offline:
            if self.complete:
                return f"Check: {describe(parse_check(self.known))} (set already: write only the source)."
            key = f"calendar:{self.question}" if self.source == "calendar" and self.question else self.source
            hint = _OFFLINE_HINTS.get(key, _OFFLINE_HINTS["calendar:weekday"])
            if self.source == "calendar" and not self.question:
                hint = ('Check: the calendar. Pick the question (weekday, leap_year, date, days_between, '
                        'weekday_count) and fill its fields; days are YYYY-MM-DD, a holiday and its year, or today.')
            if self.numbers:
                hint += " Numbers in the prediction: " + ", ".join(f"{words} = {value}"
                                                                    for words, value in self.numbers) + "."
            return hint
        return _HINTS[self.source]  # type: ignore[index]  # a data source here

    @property
    def lead(self) -> str:
        """The part of the hint that is the same for every call of this source or kind (it can go before the
        prediction, where the local model keeps it cached); "" when there is none."""
        if self.complete or self.source == "sports" or not self.needs_query:
            return ""
        if self.offline:
            return self.hint.split(" Numbers in the prediction: ")[0]
        return self.hint

    @property
    def detail(self) -> str:
        """The part of the hint that carries this call's own words (the teams, the numbers read as digits);
        "" when there is none or nothing is left for the model to write."""
        if self.complete:
            return ""
        if self.source == "sports":
            return self.hint if self.needs_query else ""
        if self.offline and self.numbers:
            return self.hint[len(self.lead):].strip()
        return ""

    @property
    def needs_query(self) -> bool:
        """Whether the model writes any of the check's query (else code read all of it from the words)."""
        schema = self.schema()
        return any(branch.get("properties") for branch in schema.get("anyOf", [schema]))

    def schema(self) -> dict[str, Any]:
        """The model's part of the query: the source's schema without what code set (the source's own name
        included: code knows it, and every token of it would be evaluated)."""
        return _without_source(self.full_schema())

    def full_schema(self) -> dict[str, Any]:
        """The query's schema without what code read from the words (what `schema` leaves out besides)."""
        if self.offline:
            if self.complete:
                return {"type": "object", "properties": {"source": {"const": self.source}}, "required": ["source"],
                        "additionalProperties": False}
            schemas = query_schemas()
            if self.source == "calendar":
                if self.question:
                    branch = copy.deepcopy(schemas[f"calendar:{self.question}"])
                    for name in self.known:  # what code read from the words is not asked again
                        branch["properties"].pop(name, None)
                    branch["required"] = [name for name in branch["required"] if name in branch["properties"]]
                    return branch
                return {"anyOf": [copy.deepcopy(value) for key, value in schemas.items()
                                  if key.startswith("calendar:")]}
            branch = copy.deepcopy(schemas[self.source])
            for name in self.known:  # what code read from the words is not asked again
                branch["properties"].pop(name, None)
            branch["required"] = [name for name in branch["required"] if name in branch["properties"]]
            return branch
        schema = query_schema(self.source)  # type: ignore[arg-type]  # a data source here
        if "anyOf" in schema:  # only the branches that allow what code read ("rain_sum": the rain branch)
            alive = [branch for branch in schema["anyOf"]
                     if all(_allows(branch["properties"].get(name), value) for name, value in self.known.items())]
            schema = alive[0] if len(alive) == 1 else {"anyOf": alive or schema["anyOf"]}
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


_SLASH_DATE = re.compile(r"\b(?:on|by|before|after|until|till|from|since|through|starting)\s+\d{1,2}/\d{1,2}"
                         r"(?:/\d{2,4})?\b", re.I)


def _allows(schema: dict[str, Any] | None, value: Any) -> bool:
    """Whether a branch's property admits a value code read (a const or an enum that lacks it does not)."""
    if schema is None:
        return True
    if "const" in schema:
        return bool(schema["const"] == value)
    if "enum" in schema:
        return value in schema["enum"]
    return True


def plan_check(prediction: str, *, now: datetime | None = None, timezone: str = "UTC") -> CheckPlan | None:
    """Which source or offline kind checks this prediction and what code knows of its query, or None.

    With `now`, a claim the regex pre-pass reads exactly comes back with its whole query known."""
    source = detect_source(prediction)
    # No date, and no price ("Gold is a chemical element") or no place ("Water boils at 100 degrees"):
    # there is no series to read, so it is not a data check.
    wants = r"\b(?:in|at|for)\s+[A-Z]" if source == "weather" else r"\d"
    if source in ("market", "economy", "weather") and not re.search(wants, prediction) and not resolve_dates(
            prediction, now or datetime.now(UTC), timezone):
        source = None
    claim = _HEDGE.sub("", prediction, count=1)  # "I bet the Celtics win": the claim after the hedge
    move: str | None = None
    if source in ("market", "crypto", "economy") and not _has_level(prediction, now, timezone):
        # "The Sensex closes higher tomorrow than today", "the Fed cuts rates": a move, not a level. There is
        # no threshold in the words, and a small model asked for one invented it (100,000,000). A price's
        # rise or fall is read against the day the call is made (a `change` check); anything else gets none.
        move = move_in(claim) if source in ("market", "crypto") else None
        if move is None:
            source = None
    text = claim_words.respelled(prediction)  # "Febuary 14, 2027": a typo in a month is no reason to guess
    cue = claim_words.offline_cue(claim_words.with_digits(text), data_source=source is not None)
    if source is None and (cue is None or cue.kind == "fact") and \
            claim_arithmetic.arithmetic_fields(claim_words.claim_of(text)) is not None:
        cue = claim_words.OfflineCue("arithmetic")  # every word of it is a calculation: "10 over 2 is 5"
    if cue is not None and cue.kind == "arithmetic" and _SLASH_DATE.search(text):
        cue = None  # "released on 12/3", "by 1/15": a date in numbers, not a division
    if cue is not None:
        return _offline_plan(text, cue, now, timezone)
    if source is None:
        return None
    known: dict[str, Any] = {}
    if source == "sports":
        teams = find_teams(claim)
        first = teams[0]
        rival = next((team for team in teams[1:] if (team.sport, team.league) == (first.sport, first.league)), None)
        known = {"sport": first.sport, "league": first.league, "team": first.name,
                 "opponent": rival.name if rival else None, **_game_words(prediction)}
    if source == "economy" and (series := series_in(prediction)) is not None:
        known = {"series": series}
    if source == "market" and (symbol := symbol_in(claim)) is not None:
        known = {"symbol": symbol}
    if source == "crypto" and (coin := coin_in(prediction)) is not None:
        known = {"coin": coin}
    if source == "weather":
        known = weather_words(claim)
        place = place_in(claim)
        if place is not None:
            known["place"] = place
    if move is not None:  # the whole condition is the words': up or down from the day of the call
        known.update(comparator=move, threshold=0, unit=None, change=True)
    if source != "sports" and "comparator" not in known and (stated := comparison_in(prediction)) is not None:
        known["comparator"] = stated  # complete_check takes the words' comparison over the model's anyway
    return CheckPlan(source, known)


_UP = re.compile(r"\b(?:higher|rises?|rising|go(?:es)? up|climbs?|climbing|gains?|increases?|rall(?:y|ies)|"
                 r"(?:be|closes?|ends?|finish(?:es)?) up|stronger)\b", re.I)
_DOWN = re.compile(r"\b(?:lower|falls?|falling|drops?|dropping|go(?:es)? down|declines?|decreases?|slides?|"
                   r"loses? value|crash(?:es)?|(?:be|closes?|ends?|finish(?:es)?) down|weaker)\b", re.I)
_BASELINE = re.compile(r"\bthan\s+(?:it\s+(?:is|was|did|does|closed|closes|trades?|traded|ended)\s+)?"
                       r"(?:today|now|right now|currently|at present|at the moment|this morning)\b|"
                       r"\b(?:than|from|since)\s+(?:today's|the current|its current)\b", re.I)
_NEGATED = {">": "<=", "<": ">="}


def move_in(prediction: str) -> str | None:
    """The direction of a price move without a level, as the comparator of its change since today: ">" for
    "closes higher tomorrow (than today)", "Bitcoin rises by Friday"; "<=" for "won't go up". None for no
    move, both ways, or a comparison with something other than now ("higher than Apple")."""
    up, down = _UP.search(prediction), _DOWN.search(prediction)
    if (up is None) == (down is None):
        return None
    if re.search(r"\bthan\b", prediction, re.I) and not _BASELINE.search(prediction):
        return None
    found = up or down
    assert found is not None
    comparator = ">" if up else "<"
    return _NEGATED[comparator] if _NOT.search(prediction[: found.start()]) else comparator


_WEATHER_AMOUNT = re.compile(r"\d\s*(?:mm|cm|in(?:ch(?:es)?)?|millimet(?:er|re)s?|centimet(?:er|re)s?)\b", re.I)
_WEATHER_VARIABLES = (  # the first that matches names the variable; order: the more specific words first
    ("snowfall_sum", "cm", re.compile(r"\bsnow(?:s|ing|ed|fall|y)?\b", re.I)),
    ("precipitation_sum", "mm", re.compile(r"\b(?:precipitation|dry)\b", re.I)),
    ("rain_sum", "mm", re.compile(r"\b(?:rain(?:s|ing|ed|y|fall)?|showers?|drizzl(?:e|es|ing))\b", re.I)),
    ("wind_speed_10m_max", None, re.compile(r"\b(?:wind(?:s|y)?|gusts?|gusting)\b", re.I)),
    ("temperature_2m_max", None, re.compile(r"\b(?:highs?|high of|max(?:imum)?|hottest|daytime|heat ?waves?)\b",
                                            re.I)),
    ("temperature_2m_min", None, re.compile(r"\b(?:lows?|low of|min(?:imum)?|overnight|frost(?:y)?|"
                                            r"(?:below|under) freezing|freez(?:e|es|ing) (?:over)?night)\b", re.I)),
)
_NO_WEATHER = re.compile(r"\b(?:not|no|never|won't|wont|doesn't|doesnt|don't|dont|isn't|without|stays? dry|"
                         r"be dry|is dry)\b", re.I)
_DEGREES = (("F", re.compile(r"(?:°\s*F|\bdegrees? F\b|\bfahrenheit\b|\d\s*F\b)", re.I)),
            ("C", re.compile(r"(?:°\s*C|\bdegrees? C\b|\bcelsius\b|\bcentigrade\b|\d\s*C\b)", re.I)))


_TIME_WORDS = (r"(?:New Year|Christmas|Easter|Thanksgiving|Halloween|Independence Day|Labor Day|Memorial Day|"
               r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August|"
               r"September|October|November|December|Spring|Summer|Autumn|Fall|Winter)")
_TIME_TAIL = re.compile(rf"(?:^|,?\s+){_TIME_WORDS}\b.*$")
_NOT_PLACES = re.compile(r"^(?:it|the|there|this|that|tomorrow|today|tonight|next|every|each|our|my|we|i|a|an|no|"
                         r"rain|snow|weekend)$", re.I)
_PLACE_WORD = r"[A-Z][\w.'\u2019-]*"
_PLACE_AFTER = re.compile(rf"\b(?:in|at|for|over|across)\s+((?:{_PLACE_WORD})(?:(?:,\s*|\s+)(?:{_PLACE_WORD}))*)")
_PLACE_FIRST = re.compile(rf"^\s*((?:{_PLACE_WORD})(?:\s+(?:{_PLACE_WORD}))*?)(?:['\u2019]s\b|\s+(?:will|is|gets?|"
                          r"has|sees?|stays?|hits?|reaches?|records?)\b)")


def place_in(prediction: str) -> str | None:
    """The place a weather prediction names: "in Chicago", "Mumbai will get rain", "Tokyo's daily high";
    None when the words name none code can tell (the model then writes it)."""
    for pattern in (_PLACE_AFTER, _PLACE_FIRST):
        for found in pattern.finditer(prediction):
            phrase = _TIME_TAIL.sub("", found.group(1)).strip(" ,")  # "in London on Christmas Day", "in December"
            if phrase and not _NOT_PLACES.match(phrase.split()[0].rstrip(",")):
                return phrase
    return None


def weather_words(prediction: str) -> dict[str, Any]:
    """What the words settle of a weather query: the variable ("rain", "snow", "windy", "highs", "below
    freezing"), and for "it rains/snows" with no amount, or "below freezing", the whole condition. The place,
    a stated threshold and an unnamed unit stay the model's."""
    for variable, unit, words in _WEATHER_VARIABLES:
        found = words.search(prediction)
        if found is None:
            continue
        known: dict[str, Any] = {"variable": variable}
        # "It rains": > 0. Not for a negation or "dry" (over several days that is "every day == 0", a reading
        # the range code decides, so the model's condition stands there as before).
        dry = variable == "precipitation_sum" or bool(_NO_WEATHER.search(prediction[: found.end()]))
        if unit is not None and not dry and not _WEATHER_AMOUNT.search(prediction):
            known.update({"comparator": ">", "threshold": 0, "unit": unit})
        elif variable.startswith("temperature"):
            if re.search(r"\b(?:below|under) freezing\b", prediction, re.I) and not re.search(r"\d", prediction):
                known.update({"comparator": "<", "threshold": 0, "unit": "C"})
            else:
                named = next((unit for unit, pattern in _DEGREES if pattern.search(prediction)), None)
                if named is not None:
                    known["unit"] = named
        return known
    if re.search(r"\b(?:temperature|degrees?|celsius|fahrenheit)\b|°|" + _UNIT_LETTER, prediction, re.I):
        # "above 10 C", "reach 100 degrees": the day's high; "below", "drop to": the day's low
        stated = comparison_in(prediction)
        rising = stated in (">", ">=") or re.search(r"\b(?:reach(?:es)?|hits?|tops?|exceeds?)\b", prediction, re.I)
        falling = stated in ("<", "<=") or re.search(r"\b(?:drops?|falls?|dips?) (?:to|below)\b", prediction, re.I)
        if bool(rising) != bool(falling):
            known = {"variable": "temperature_2m_max" if rising else "temperature_2m_min"}
            named = next((unit for unit, pattern in _DEGREES if pattern.search(prediction)), None)
            return {**known, **({"unit": named} if named else {})}
    return {}


_RESULTS = (("loss", re.compile(r"\b(?:lose|loses|lost|losing|fall to|falls to)\b", re.I)),
            ("draw", re.compile(r"\b(?:draw|draws|drew|tie|ties|tied)\b", re.I)),
            ("win", re.compile(r"\b(?:win|wins|won(?!['\u2019]t)|winning|beat|beats|defeat|defeats|victory)\b",
                               re.I)))
_NOT = re.compile(r"\b(?:not|never|won't|wont|don't|dont|doesn't|doesnt|didn't|didnt|fail to|fails to)\b", re.I)


def _game_words(prediction: str) -> dict[str, Any]:
    """A result the words name (win, lose, draw, and a negation before it) is code's to write, not the
    model's: the whole condition of "the Celtics win" is win == 1."""
    for variable, words in _RESULTS:
        found = words.search(prediction)
        if found:
            negated = bool(_NOT.search(prediction[: found.start()]))
            return {"variable": variable, "comparator": "==", "threshold": 0 if negated else 1, "unit": None}
    return {}


def _offline_plan(prediction: str, cue: claim_words.OfflineCue, now: datetime | None, timezone: str) -> CheckPlan:
    claim = claim_words.claim_of(prediction)
    digits = claim_words.with_digits(claim)  # "fifty-two Sundays", "thirty days", "4.99k": read as digits
    known: dict[str, Any] = {"negated": claim_words.negated(claim)}
    if cue.kind == "calendar":
        known["country"] = country_in_text(claim) or holiday_country(timezone)
        if cue.question in ("days_between", "weekday_count"):
            known["comparator"] = claim_words.comparison(claim)
    elif cue.kind == "arithmetic":
        known["comparator"] = claim_words.comparison(claim)
        known["approximate"] = claim_words.approximate(claim)
    elif cue.kind == "clock":
        known["comparator"] = claim_words.clock_comparison(claim)
    elif cue.kind == "fact":  # code has all of it: the verifier's model writes the question (agents/facts.py)
        known.update(source="fact", claim=claim_words.without_negation(claim).rstrip(" .!") + ".")
    if cue.kind == "calendar" and now is not None:  # the operands the words give for certain
        today = now.astimezone(ZoneInfo(timezone)).date()
        full = [e.start.date() for e in resolve_dates(digits, now, timezone)
                if e.kind == "day" and re.search(r"\d{4}", e.text)]
        known.update(claim_words.calendar_fields(digits, cue.question, today, known.get("country"), full))
        whole = {**known, "source": "calendar", "question": cue.question}
        if cue.question and set(_QUESTION_FIELDS[cue.question]) <= set(known):
            try:
                parse_check(whole)
                known = whole
            except ValidationError:
                pass
    if cue.kind == "clock":
        known.update(claim_words.clock_fields(digits))
        if {"place", "part", "value"} <= set(known):
            try:
                parse_check({**known, "source": "clock"})
                known = {**known, "source": "clock"}
            except ValidationError:
                pass
    if now is not None and cue.kind in ("calendar", "arithmetic", "clock"):
        exact = _regex_reading(claim_words.with_digits(prediction), now, timezone)
        # The negation is counted once, over the whole claim: a pattern that read it otherwise is not trusted.
        if exact is not None and exact.get("source") == cue.kind and \
                bool(exact.get("negated", False)) == known["negated"]:
            country = known.get("country")
            known = {**exact, **({"country": country} if country and cue.kind == "calendar" else {})}
    if now is not None and cue.kind == "arithmetic" and "source" not in known:
        reading = claim_arithmetic.arithmetic_fields(claim)
        if reading is not None:
            try:
                parse_check({**known, **reading, "source": "arithmetic"})
                known = {**known, **reading, "source": "arithmetic"}
            except ValidationError:
                pass
    numbers = tuple(claim_words.spelled_numbers(claim))
    return CheckPlan(cue.kind, known, cue.question, numbers)


_QUESTION_FIELDS = {"weekday": ("day", "weekday"), "leap_year": ("year",), "date": ("day", "other"),
                    "days_between": ("day", "other", "value"), "weekday_count": ("weekday", "year", "month", "value")}


def _regex_reading(prediction: str, now: datetime, timezone: str) -> dict[str, Any] | None:
    """The whole query when the regex pre-pass reads the claim exactly (one settled claim is all it says)."""
    try:
        _, groups = regex_prepass.gather([prediction], now, timezone)
    except Exception:  # the pre-pass is a help here, never a reason to fail a call
        return None
    for group in groups:
        decisive = group.decisive
        if len(decisive) == 1 and decisive[0].query is not None and group.covers_text():
            query: dict[str, Any] = decisive[0].query
            try:
                parse_check(query)
            except ValidationError:
                return None
            return query
    return None


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
    if query is None and not plan.needs_query:
        query = {}  # code read the whole query from the words: the model was not asked for any of it
    if plan.offline:
        return _complete_offline(plan, query, draft, now, timezone)
    if not isinstance(query, dict) or query.get("source", plan.source) != plan.source:
        return None
    known = plan.known
    start, end, over = check_range(prediction, draft, now, timezone)
    if known.get("change"):  # against the price of the day the call is made, up to its date
        if draft.verification_mode in (VerificationMode.RECURRING, VerificationMode.IMMEDIATE):
            return None  # "closes higher every Friday" is each day against the one before: not this reading
        start, end = now.date(), draft.verification_date.astimezone(now.tzinfo).date()
        over = "any_day" if draft.verification_mode is VerificationMode.BEFORE_DATE else "at_end"
        if over == "any_day" and known["comparator"] in ("<=", ">="):  # "won't rise by Friday": on no day
            over = "every_day"
        if end <= start:
            return None  # a daily close cannot tell "higher tonight than now"
    elif _TOTAL.search(prediction):
        over = "total"
    try:
        query = _zero_threshold(_game_result(query))
        stated = comparison_in(prediction)
        if stated is not None and query.get("variable") not in ("win", "loss", "draw"):
            query = {**query, "comparator": stated}  # the words' comparison, not the model's reading of it
        return parse_check({**fixed_fields(plan.full_schema()), **query, **known, "source": plan.source,
                            "start": start.isoformat(), "end": end.isoformat(), "over": over})
    except ValidationError:
        return None


def _complete_offline(
    plan: CheckPlan, query: dict[str, Any] | None, draft: CallDraft, now: datetime, timezone: str
) -> Check | None:
    """An offline check from the model's operands and code's reading; None when it does not validate, cannot
    be computed (an unknown holiday or place), or is a "fact" the model itself does not call fixed knowledge."""
    if plan.complete:
        payload = dict(plan.known)
    else:
        if not isinstance(query, dict) or query.get("source", plan.source) != plan.source:
            return None
        payload = {**fixed_fields(plan.full_schema()), **query, **plan.known, "source": plan.source}
    if plan.source == "fact" and draft.verifiable_category is not VerifiableCategory.AGENT_VERIFIABLE:
        return None  # news, events, the speaker's life: not a fixed fact, whatever its tense
    if plan.source == "calendar" and payload.get("question") in ("weekday", "leap_year", "date"):
        payload.pop("comparator", None)
    try:
        check = parse_check(payload)
    except ValidationError:
        return None
    computable = isinstance(check, CalendarCheck | ArithmeticCheck | ClockCheck)
    if computable and run_offline(check, now=now, timezone=timezone).status != "decided":  # type: ignore[arg-type]
        return None  # written so that code cannot compute it: the prose way is better than a failed check
    return check


_TOTAL = re.compile(r"\b(?:in total|total|altogether|combined|cumulative|over the (?:month|week|year))\b", re.I)


_COMPARISONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (">=", re.compile(r"\b(?:at least|or more|or higher|or above|no less than|hits?|hitting|reach(?:es)?|"
                      r"reaching|tops?)\b", re.I)),
    ("<=", re.compile(r"\b(?:at most|or less|or lower|or below|no more than|no higher than)\b", re.I)),
    (">", re.compile(r"\b(?:above|over|more than|higher than|greater than|exceeds?|exceeding|beyond|rises? above|"
                     r"climbs? above)\b", re.I)),
    ("<", re.compile(r"\b(?:below|under|less than|lower than|fewer than|beneath|drops? below|falls? below)\b",
                     re.I)),
)
# Which FRED series the words name: the code's to choose, not a small model's recall of ids.
_SERIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("DGS10", re.compile(r"\b(?:10|ten)[- ]year\b", re.I)),
    ("DGS2", re.compile(r"\b(?:2|two)[- ]year\b", re.I)),
    ("MORTGAGE30US", re.compile(r"\bmortgage rates?\b", re.I)),
    ("ICSA", re.compile(r"\b(?:jobless|unemployment) claims\b", re.I)),
    ("UNRATE", re.compile(r"\b(?:unemployment|jobless rate)\b", re.I)),
    ("PAYEMS", re.compile(r"\b(?:payrolls?|nonfarm|jobs report)\b", re.I)),
    ("FEDFUNDS", re.compile(r"\b(?:fed(?:eral)? funds|fed rate|interest rates?)\b", re.I)),
    ("GDP", re.compile(r"\b(?:gdp|gross domestic product)\b", re.I)),
    ("CPIAUCSL", re.compile(r"\b(?:cpi|consumer price)\b", re.I)),
)


def comparison_in(prediction: str) -> str | None:
    """The comparator a prediction's words state ("below 4.5%" is <), the earliest one; None if none."""
    found = [(match.start(), comparator) for comparator, words in _COMPARISONS
             if (match := words.search(prediction)) is not None]
    return min(found)[1] if found else None


def _named(table: tuple[tuple[str, re.Pattern[str]], ...], prediction: str) -> str | None:
    """The identifier of the first entry of a name table whose words appear in the prediction."""
    return next((identifier for identifier, words in table if words.search(prediction)), None)


def series_in(prediction: str) -> str | None:
    return _named(_SERIES, prediction)


# Which Yahoo Finance symbol the words name (indices, futures, FX, the largest companies): the code's to
# choose, not a small model's recall (it wrote ^N225, the Nikkei, for the Sensex). The first match wins:
# the more specific names come first. Unlisted names ("Rivian stock") are left to the model.
_SYMBOLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("^NDX", re.compile(r"\bnasdaq[- ]100\b", re.I)),
    ("^GSPC", re.compile(r"(?:\bs\s?&\s?p(?: ?500)?|\bsp500|\bspx)\b", re.I)),
    ("^DJI", re.compile(r"\b(?:dow jones|the dow|djia)\b", re.I)),
    ("^IXIC", re.compile(r"\bnasdaq\b", re.I)),
    ("^RUT", re.compile(r"\brussell(?: 2000)?\b", re.I)),
    ("^FTSE", re.compile(r"\bftse(?: 100)?\b", re.I)),
    ("^GDAXI", re.compile(r"\bdax\b", re.I)),
    ("^FCHI", re.compile(r"\bcac(?: 40)?\b", re.I)),
    ("^STOXX50E", re.compile(r"\beuro ?stoxx(?: 50)?\b", re.I)),
    ("^N225", re.compile(r"\bnikkei(?: 225)?\b", re.I)),
    ("^HSI", re.compile(r"\bhang seng\b", re.I)),
    ("^BSESN", re.compile(r"\bsensex\b", re.I)),
    ("^NSEI", re.compile(r"\bnifty(?: 50)?\b", re.I)),
    ("^AXJO", re.compile(r"\basx(?: 200)?\b", re.I)),
    ("^KS11", re.compile(r"\bkospi\b", re.I)),
    ("^VIX", re.compile(r"\bvix\b", re.I)),
    ("GC=F", re.compile(r"\bgold\b", re.I)),
    ("SI=F", re.compile(r"\bsilver\b", re.I)),
    ("BZ=F", re.compile(r"\bbrent\b", re.I)),
    ("CL=F", re.compile(r"\b(?:wti|crude|oil)\b", re.I)),
    ("NG=F", re.compile(r"\bnatural gas\b", re.I)),
    ("HG=F", re.compile(r"\bcopper\b", re.I)),
    ("EURUSD=X", re.compile(r"\b(?:euro|eur/?usd)\b", re.I)),
    ("GBPUSD=X", re.compile(r"\b(?:pound|sterling|gbp/?usd)\b", re.I)),
    ("JPY=X", re.compile(r"\b(?:yen|usd/?jpy)\b", re.I)),
    ("AAPL", re.compile(r"\bapple\b", re.I)),
    ("MSFT", re.compile(r"\bmicrosoft\b", re.I)),
    ("NVDA", re.compile(r"\bnvidia\b", re.I)),
    ("TSLA", re.compile(r"\btesla\b", re.I)),
    ("AMZN", re.compile(r"\bamazon\b", re.I)),
    ("GOOGL", re.compile(r"\b(?:alphabet|google)\b", re.I)),
    ("META", re.compile(r"\bmeta\b", re.I)),
    ("NFLX", re.compile(r"\bnetflix\b", re.I)),
)
# CoinGecko ids of the coins the crypto cue names: the code's, like the symbols.
_COINS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bitcoin", re.compile(r"\b(?:bitcoin|btc)\b", re.I)),
    ("ethereum", re.compile(r"\b(?:ethereum|ether|eth)\b", re.I)),
    ("solana", re.compile(r"\b(?:solana|sol)\b", re.I)),
    ("dogecoin", re.compile(r"\b(?:dogecoin|doge)\b", re.I)),
    ("cardano", re.compile(r"\b(?:cardano|ada)\b", re.I)),
    ("ripple", re.compile(r"\b(?:xrp|ripple)\b", re.I)),
    ("litecoin", re.compile(r"\b(?:litecoin|ltc)\b", re.I)),
    ("polkadot", re.compile(r"\bpolkadot\b", re.I)),
    ("chainlink", re.compile(r"\bchainlink\b", re.I)),
    ("tether", re.compile(r"\btether\b", re.I)),
    ("usd-coin", re.compile(r"\busdc\b", re.I)),
    ("binancecoin", re.compile(r"\bbnb\b", re.I)),
    ("shiba-inu", re.compile(r"\bshiba\b", re.I)),
)


def coin_in(prediction: str) -> str | None:
    """The CoinGecko id a crypto prediction names ("BTC" is bitcoin), or None for the model to write."""
    return _named(_COINS, prediction)


# A ticker as people write it: "$AAPL", "AAPL stock"; not an index, future or FX pair (those are above).
_TICKER = re.compile(r"\$([A-Z]{1,5})\b|\b([A-Z]{2,5}) (?:stock|shares)\b")


def symbol_in(prediction: str) -> str | None:
    """The Yahoo Finance symbol a market prediction names, or None for the model to write."""
    if (ticker := _TICKER.search(prediction)) is not None:
        return ticker.group(1) or ticker.group(2)
    return _named(_SYMBOLS, prediction)


# Numbers that are part of a name, not a level: "S&P 500", "FTSE 100", "10-year", "Q4", "Nasdaq 100".
_NAME_NUMBERS = re.compile(r"\b(?:s\s?&\s?p|nasdaq|ftse|cac|stoxx|nikkei|russell|nifty|asx)[- ]?\d+\b|"
                           r"\b\d+[- ]year\b|\bq[1-4]\b", re.I)


def _has_level(prediction: str, now: datetime | None, timezone: str) -> bool:
    """Whether the words give a number to compare with, other than dates and names ("$150k", "4.5%")."""
    text = _NAME_NUMBERS.sub(" ", prediction)
    for expression in resolve_dates(text, now or datetime.now(UTC), timezone):
        text = text.replace(expression.text, " ")
    return re.search(r"\d", text) is not None


def _zero_threshold(query: dict[str, Any]) -> dict[str, Any]:
    """">= 0" of rain or snow always holds: a small model writes it for "it snows", which means "> 0"."""
    if query.get("source") == "weather" and query.get("comparator") == ">=" and query.get("threshold") == 0:
        return {**query, "comparator": ">"}
    return query


def _game_result(query: dict[str, Any]) -> dict[str, Any]:
    """A win, loss or draw is 1 or 0 per game: a small model's "win >= 100" (points in mind) means a win."""
    if query.get("variable") in ("win", "loss", "draw"):
        threshold = query.get("threshold")
        negated = query.get("comparator") == "!=" or (query.get("comparator") == "==" and threshold == 0)
        return {**query, "comparator": "==", "threshold": 0 if negated else 1}
    return query


def _about_today(query: dict[str, Any]) -> bool:
    """A calendar query about the day it is now ("today is a Saturday", "tomorrow is the 1st")."""
    return any(str(query.get(name) or "").lower() in ("today", "tomorrow", "yesterday") for name in ("day", "other"))


def _without_source(schema: dict[str, Any]) -> dict[str, Any]:
    """A query schema without its `source` property in any branch, and without the properties a lone
    branch fixes to one value (`fixed_fields` gives them back)."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        properties = branch.get("properties", {})
        fixed = {"source"} | ({name for name, value in properties.items() if "const" in value}
                              if len(branches) == 1 else set())
        for name in fixed:
            properties.pop(name, None)
        if "required" in branch:
            branch["required"] = [name for name in branch["required"] if name not in fixed]
    return schema


def fixed_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """The values a lone-branch query schema fixes (`const`): code writes them, the model does not."""
    if "anyOf" in schema:
        return {}
    return {name: value["const"] for name, value in schema.get("properties", {}).items() if "const" in value}


def category_reason(source: str) -> str:
    """Why a call has its category, in words: where it is checked (the model writes the source, then the
    category the source tells; the reason is not sampled)."""
    source = " ".join(source.split()).rstrip(".") or "its source"
    first, _, rest = source.partition(" ")
    if first in ("A", "An", "The") and rest:
        source = f"{first.lower()} {rest}"
    return f"It can be checked from {source}."


def plan_fields(plan: CheckPlan) -> dict[str, Any]:
    """What a call with a planned check says without the model: its category, why, and a method that
    `with_check` sharpens once the check is complete (and that stands if the model's query fails)."""
    source: str = plan.source
    name = _OFFLINE_SOURCES.get(source) or _SOURCE_NAMES.get(plan.source, "a calculation")  # type: ignore[arg-type]
    category = _OFFLINE_CATEGORIES.get(source, VerifiableCategory.API_TOOL_VERIFIABLE)
    if source == "calendar" and _about_today(plan.known):
        category = VerifiableCategory.CURRENT_TOOL_VERIFIABLE  # "today is a Saturday": a clock is enough
    return {
        "verifiable_category": VerifiableCategory(category).value,
        "category_reasoning": category_reason(name),
        "verification_method": {"source": [name], "criteria": ["The source's data agrees with the prediction"],
                                "steps": ["Read the data from the source", "Apply the criterion"]},
    }


def with_check(draft: CallDraft, check: Check | None, now: datetime | None = None) -> CallDraft:
    """The call carrying its check: the category and the method then say how it will really be checked.

    A calendar, arithmetic or fact check is decidable at once: with `now`, the call becomes immediate."""
    if check is None:
        return draft
    words = describe(check)
    if check.source in OFFLINE_KINDS:
        method = VerificationMethod(
            source=[_OFFLINE_SOURCES[check.source]],
            criteria=[words],
            steps=["Compute the claim in code and compare"] if check.source != "fact" else
                  ["Ask the verifying model a neutral question about the subject, without the claim",
                   "Compare its answer with the claim in code; an unclear answer or a low confidence is inconclusive"],
        )
        category = _OFFLINE_CATEGORIES[check.source]
        if isinstance(check, CalendarCheck) and _about_today(check.model_dump()):
            category = VerifiableCategory.CURRENT_TOOL_VERIFIABLE  # "today is a Saturday": a clock is enough
        update: dict[str, Any] = {"check": check, "verifiable_category": category, "verification_method": method}
        if now is not None and not isinstance(check, ClockCheck | FactCheck) and \
                draft.verification_mode is not VerificationMode.IMMEDIATE:
            update.update(verification_mode=VerificationMode.IMMEDIATE, verification_date=now, recurring_interval=None,
                          date_reasoning=f"{draft.date_reasoning} Checked now: the calendar and arithmetic do not "
                                         "change, so the answer is known today.")
        return draft.model_copy(update=update)
    method = VerificationMethod(
        source=[_SOURCE_NAMES[check.source]],  # type: ignore[index]  # a data source here
        criteria=[words],
        steps=[*draft.verification_method.steps[:2]] or ["Read the value from the source and apply the criterion"],
    )
    return draft.model_copy(update={
        "check": check,
        "verifiable_category": VerifiableCategory.API_TOOL_VERIFIABLE,
        "verification_method": method,
    })
