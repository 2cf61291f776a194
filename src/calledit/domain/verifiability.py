"""The verifiability score: how surely a call will be checked, computed from what will happen at check time.

It is not how likely the prediction is, and it is not the model's guess. It starts from the kind of check
the call will get and moves by named factors, each shown to the user as one sentence with its weight
(`CallDraft.verifiability_factors`, the UI's "why this score"). Pure rules, no I/O (docs/data-model.md has
the table).

| kind of check (the base) | score |
|---|---|
| a structured data source with an exact query (the typed `check`) | 0.90-0.93 by source |
| an offline computation, or calendar arithmetic, that the verifier runs itself (a typed check or not) | 0.97 |
| the clock and calendar (a fact about the present moment) | 0.98 |
| a fixed fact the verifier must recall (no lookup) | 0.85 |
| a web search with a clear criterion (outside data, no structured source) | 0.70 (a future "fact": 0.65) |
| only the owner can judge (their own life, plans, feelings or taste) | 0.15 |

Factors: vague or subjective words (-0.20, or -0.05 when a structured check pins the condition down); for a
web search, an outcome that may never be published (-0.20), a weather claim with no place (-0.15), a change
with no threshold (-0.10), a recurring claim (-0.10); for a structured check, a threshold the prediction
does not state (-0.10) and dates the source may not cover (Open-Meteo's archive starts in 1940: -0.50;
CoinGecko's free history covers the last 365 days: -0.15; FRED publishes weeks after the period: -0.05).
A weather check reads the archive after the day, so the 16-day forecast horizon does not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from calledit.domain.call import CallDraft, VerifiableCategory, VerificationMode
from calledit.domain.check import (
    Check,
    CryptoCheck,
    EconomyCheck,
    MarketCheck,
    SportsCheck,
    WeatherCheck,
    format_number,
)
from calledit.domain.words import numbers_in, same_number

# --- the base: which check will run --------------------------------------------------------------------

SOURCE_BASES: dict[str, tuple[float, str]] = {
    "weather": (0.90, "Open-Meteo"),
    "market": (0.92, "Yahoo Finance"),
    "crypto": (0.93, "CoinGecko"),
    "sports": (0.90, "ESPN"),
    "economy": (0.90, "FRED"),
}
OFFLINE = 0.97
CLOCK = 0.98
RECALLED_FACT = 0.85
# A typed check of an offline kind: the verifier computes it (a fact: the model states it, with its confidence).
OFFLINE_CHECK_BASES: dict[str, tuple[float, str]] = {
    "arithmetic": (OFFLINE, "Offline computation: a typed check the verifier computes"),
    "calendar": (OFFLINE, "Calendar arithmetic: a typed check the verifier computes"),
    "clock": (CLOCK, "Clock and calendar: a typed check the verifier reads from its clock"),
    "fact": (RECALLED_FACT, "A fixed fact the verifier must recall, with no lookup"),
}
_DATA_CHECKS = (WeatherCheck, MarketCheck, CryptoCheck, SportsCheck, EconomyCheck)
WEB_SEARCH = 0.70
WEB_SEARCH_FOR_A_FUTURE_FACT = 0.65
OWNER_ONLY = 0.15

# --- the factors -------------------------------------------------------------------------------------

VAGUE = -0.20
VAGUE_WITH_CHECK = -0.05
MAY_NOT_BE_PUBLISHED = -0.20
NO_PLACE = -0.15
NO_THRESHOLD = -0.10
RECURRING_WITHOUT_SOURCE = -0.10
THRESHOLD_NOT_STATED = -0.10
WEATHER_ARCHIVE_START = date(1940, 1, 1)
BEFORE_WEATHER_ARCHIVE = -0.50
CRYPTO_HISTORY_DAYS = 365
BEYOND_CRYPTO_HISTORY = -0.15
ECONOMY_RELEASE_LAG = -0.05

_APOSTROPHE = "['\u2019]"
# A hedge in front of a claim about the world ("I bet", "I think") does not make it about the speaker.
_HEDGE = re.compile(
    rf"^\s*(?:i\s+(?:bet|think|predict|reckon|guess|believe|expect|say|doubt that)|i{_APOSTROPHE}m\s+"
    r"(?:sure|certain|betting|calling it)|mark my words|my (?:guess|bet|prediction) is|calling it)\s*"
    r"(?:that\s+)?[:,]?\s*",
    re.I,
)
_FIRST_PERSON = re.compile(
    rf"\b(?:i|i{_APOSTROPHE}(?:m|ll|ve|d)|my|me|mine|myself|we|we{_APOSTROPHE}(?:ll|re|ve|d)|our|ours|us|"
    r"ourselves)\b",
    re.I,
)
_SUBJECTIVE = re.compile(
    r"\b(?:tast(?:e|es|ed|y|ier|iest)|delicious|yummy|enjoy(?:s|ed|able)?|fun|boring|beautiful|lovely|ugly|cute|"
    r"love|loves|hate|hates|feel|feels|felt|happy|sad|nervous|proud|excited|worth it|"
    r"go(?:es)? (?:well|great|fine|smoothly)|went (?:well|great|fine|smoothly)|turns? out (?:well|great|fine))\b",
    re.I,
)
# About the present moment ("we are in the last week", "today is"): the clock decides, whoever speaks.
_CLOCK_WORDS = re.compile(
    rf"\b(?:we(?:{_APOSTROPHE}re| are) (?:in|on|at|past)|today is|it is (?:already|now)|it{_APOSTROPHE}s already|"
    r"this (?:week|month|year) (?:is|has))\b",
    re.I,
)
_VAGUE = re.compile(
    r"\b(?:well|good|bad|great|nice|better|worse|a lot|lots of|many|much|significantly|substantially|"
    r"considerably|dramatically|sharply|strongly|soon|big|huge|massive|popular|successful|a success|decent|"
    r"quickly|several|plenty|tasty)\b",
    re.I,
)
_NOT_VAGUE = re.compile(r"\b(?:as well|good friday|well-known|how much|very well be)\b", re.I)
_RARELY_PUBLISHED = re.compile(
    r"\b(?:sells? out|sold out|on time|delayed|queues?|crowded|busy|attendance|traffic|wait(?:ing)? times?|"
    r"be full|arrives?)\b",
    re.I,
)
_WEATHER_WORDS = re.compile(
    r"\b(?:rain\w*|snow\w*|sunny|sunshine|temperature|degrees|hot|cold|freez\w*|frost|windy|storm\w*|"
    r"heat ?wave|weather|warmer|colder)\b",
    re.I,
)
_CHANGE = re.compile(
    r"\b(?:rise|rises|climb|climbs|increase|increases|grow|grows|fall|falls|drop|drops|decline|declines|crash|"
    r"crashes|soar|soars|surge|surges|jump|jumps|go up|goes up|go down|goes down|plunge|plunges|rally|rallies)\b",
    re.I,
)
_CAPITALISED_AFTER_START = re.compile(r"(?<=[\w,;:]\s)[A-Z][\w'\u2019.-]*")

# --- offline checks, also the mode guard's "checkable now" ----------------------------------------------

_ARITHMETIC = re.compile(
    r"\d\s*(?:[x\u00d7*+^=]|\s/\s|\s-\s)\s*\(?\d|"
    r"\b\d+(?:\.\d+)?\s+(?:times|plus|minus|divided by|multiplied by|to the power of)\s+\d|"
    r"\b\d+(?:\.\d+)?\s+(?:squared|cubed)\b|\bsquare root of\s+\d|\b\d+(?:\.\d+)?\s*(?:%|percent) of\s+\d|"
    r"\b(?:sum|product) of\s+\d",
    re.I,
)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_CALENDAR_CLAIM = re.compile(
    rf"\b(?:is|was|will be|falls? on|fell on|will fall on|lands? on|landed on|will land on)\s+(?:on\s+)?an?\s+"
    rf"{_WEEKDAY}\b",
    re.I,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_CALENDAR_COUNT = re.compile(
    rf"\bleap years?\b|\b\d+\s+{_WEEKDAY}s\s+in\b|"
    r"\b\d+\s+(?:days|weeks|weekdays|weekends)\s+(?:left\s+(?:until|till|before)|until|till)\b|"
    rf"\b\d+\s+(?:days|weeks|weekdays|weekends)\s+in\s+(?:(?:a|the|this|next)\s+)?(?:year|month|week|{_MONTH}|\d{{4}})\b|"
    r"\b(?:has|have|had|will have)\s+\d+\s+days\b",
    re.I,
)
# A day a calendar claim can be about: a holiday, a date, a year, or today/tomorrow/yesterday.
_DATE_SUBJECT = re.compile(
    r"\b(?:christmas|xmas|new year\w*|halloween|valentine\w*|thanksgiving|easter|independence day|today|"
    r"tomorrow|yesterday|\d{4}-\d{2}-\d{2}|(?:19|20|21)\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\b",
    re.I,
)

Offline = Literal["computation", "calendar"]


def offline_check(prediction: str) -> Offline | None:
    """Whether the verifier settles the prediction by itself, with no data and no model: an arithmetic claim
    ("12 times 31 is more than 380") or a calendar claim ("Christmas 2027 will be a Saturday")."""
    if _ARITHMETIC.search(prediction):
        return "computation"
    if _CALENDAR_COUNT.search(prediction):
        return "calendar"
    claim = _CALENDAR_CLAIM.search(prediction)
    if claim and _DATE_SUBJECT.search(prediction[:claim.start()]):
        return "calendar"
    return None


def claim_of(prediction: str) -> str:
    """The prediction without a leading hedge ("I bet", "I think that")."""
    return _HEDGE.sub("", prediction, count=1)


def is_personal(prediction: str) -> bool:
    """About the speaker's own life, plans, feelings or taste (only they can judge), not about the world
    or the present moment."""
    claim = claim_of(prediction)
    if _CLOCK_WORDS.search(claim):
        return False
    return bool(_FIRST_PERSON.search(claim) or _SUBJECTIVE.search(claim))


def vague_words(prediction: str) -> list[str]:
    """The vague or subjective words of a prediction, each once, in order ("well", "soon", "a lot")."""
    text = _NOT_VAGUE.sub(" ", prediction)
    words: list[str] = []
    for match in _VAGUE.finditer(text):
        word = match.group(0).lower()
        if word not in words:
            words.append(word)
    return words


# --- the assessment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One reason for the score, for people: what it is and how much it weighs (None: a note)."""

    words: str
    weight: float | None = None

    def describe(self) -> str:
        return self.words if self.weight is None else f"{self.words} ({self.weight:+.2f})"


@dataclass(frozen=True)
class Assessment:
    score: float
    factors: list[Factor]
    category: VerifiableCategory  # human_verifiable_only when the personal rule applied


def _quoted(words: list[str]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def _threshold_stated(check: WeatherCheck | MarketCheck | CryptoCheck | SportsCheck | EconomyCheck,
                      prediction: str) -> bool:
    if isinstance(check, SportsCheck) and check.variable in ("win", "loss", "draw"):
        return True  # 1 = a win, 0 = no win: the words "win", "lose", "draw" state it
    stated = [number.value for number in numbers_in(prediction)]
    defaults = [0.0]  # "it rains" is more than 0 mm; "below freezing" is below 0 C
    if isinstance(check, WeatherCheck) and check.unit == "F":
        defaults.append(32.0)
    return any(same_number(check.threshold, value) for value in [*stated, *defaults])


def _check_factors(check: Check, prediction: str, checked_on: date) -> list[Factor]:
    factors: list[Factor] = []
    if not isinstance(check, _DATA_CHECKS):
        return factors
    if not _threshold_stated(check, prediction):
        factors.append(Factor(f"The check's threshold {format_number(check.threshold)} is not in the prediction: "
                              "the model chose it", THRESHOLD_NOT_STATED))
    if isinstance(check, WeatherCheck) and check.start < WEATHER_ARCHIVE_START:
        factors.append(Factor(f"Open-Meteo's archive starts in 1940; the check reads {check.start.year}",
                              BEFORE_WEATHER_ARCHIVE))
    if isinstance(check, CryptoCheck) and (checked_on - check.start).days > CRYPTO_HISTORY_DAYS:
        factors.append(Factor("CoinGecko's free history covers the last 365 days: a longer range may not be "
                              "read whole, so a miss may stay open", BEYOND_CRYPTO_HISTORY))
    if isinstance(check, EconomyCheck):
        factors.append(Factor("FRED publishes figures weeks after their period ends: the verdict may wait for "
                              "the release", ECONOMY_RELEASE_LAG))
    return factors


def _web_factors(prediction: str, mode: VerificationMode) -> list[Factor]:
    factors: list[Factor] = []
    rare = _RARELY_PUBLISHED.search(prediction)
    if rare:
        factors.append(Factor(f'An outcome like "{rare.group(0)}" may never be published', MAY_NOT_BE_PUBLISHED))
    if _WEATHER_WORDS.search(prediction) and not _CAPITALISED_AFTER_START.search(prediction):
        factors.append(Factor("No place named for the weather", NO_PLACE))
    change = _CHANGE.search(prediction)
    if change and not numbers_in(prediction) and not re.search(r"\bthan\b", prediction, re.I):
        factors.append(Factor(f'No threshold: "{change.group(0)}" by how much?', NO_THRESHOLD))
    if mode is VerificationMode.RECURRING:
        factors.append(Factor("Recurring with no data source: each occurrence needs its own evidence",
                              RECURRING_WITHOUT_SOURCE))
    return factors


def assess(
    prediction: str,
    *,
    category: VerifiableCategory,
    mode: VerificationMode,
    check: Check | None,
    checked_on: date,
) -> Assessment:
    """The score and its factors for a call checked on `checked_on` (its verification date)."""
    factors: list[Factor] = []
    vague = vague_words(claim_of(prediction))
    web = False
    if check is not None and check.source in OFFLINE_CHECK_BASES:
        base, words = OFFLINE_CHECK_BASES[check.source]
        factors.append(Factor(words, base))
    elif check is not None:
        base, name = SOURCE_BASES[check.source]
        factors.append(Factor(f"Structured data source: {name}, exact query", base))
        factors.extend(_check_factors(check, prediction, checked_on))
        if vague:
            factors.append(Factor(f"Vague words: {_quoted(vague)}", VAGUE_WITH_CHECK))
        category = VerifiableCategory.API_TOOL_VERIFIABLE
    elif (offline := offline_check(prediction)) and category is not VerifiableCategory.HUMAN_VERIFIABLE_ONLY:
        what = "Offline computation" if offline == "computation" else "Calendar arithmetic"
        factors.append(Factor(f"{what}: the verifier works it out itself", OFFLINE))
    elif is_personal(prediction):
        factors.append(Factor("About the speaker's own life, plans or taste, with no data source: "
                              "human_verifiable_only"))
        category = VerifiableCategory.HUMAN_VERIFIABLE_ONLY
        factors.append(Factor("Only the owner can judge it", OWNER_ONLY))
    elif category is VerifiableCategory.HUMAN_VERIFIABLE_ONLY:
        factors.append(Factor("Only the owner can judge it", OWNER_ONLY))
    elif category is VerifiableCategory.CURRENT_TOOL_VERIFIABLE:
        factors.append(Factor("Clock and calendar: the verifier reads the date and time", CLOCK))
    elif category is VerifiableCategory.STRANDS_TOOL_VERIFIABLE:
        factors.append(Factor("Offline computation: the verifier works it out itself", OFFLINE))
    elif category is VerifiableCategory.AGENT_VERIFIABLE and mode is VerificationMode.IMMEDIATE:
        factors.append(Factor("A fixed fact the verifier must recall, with no lookup", RECALLED_FACT))
        if vague:
            factors.append(Factor(f"Vague words: {_quoted(vague)}", VAGUE))
    else:
        web = True
        if category is VerifiableCategory.AGENT_VERIFIABLE:
            factors.append(Factor("A future event with no data source: the verifier searches the web",
                                  WEB_SEARCH_FOR_A_FUTURE_FACT))
        else:
            factors.append(Factor("Web search: outside data with no structured source", WEB_SEARCH))
        if vague:
            factors.append(Factor(f"Vague words: {_quoted(vague)}", VAGUE))
    if web:
        factors.extend(_web_factors(claim_of(prediction), mode))
    total = sum(factor.weight for factor in factors if factor.weight is not None)
    return Assessment(round(min(1.0, max(0.0, total)), 2), factors, category)


def score_call(draft: CallDraft, prediction: str) -> CallDraft:
    """The call with its score and factors computed in code (and, for a prediction only its owner can
    judge, the category human_verifiable_only). Run it last: after the check is attached."""
    assessment = assess(
        prediction,
        category=draft.verifiable_category,
        mode=draft.verification_mode,
        check=draft.check,
        checked_on=draft.verification_date.date(),
    )
    update: dict[str, object] = {
        "verifiability_score": assessment.score,
        "verifiability_factors": [factor.describe() for factor in assessment.factors],
    }
    if assessment.category is not draft.verifiable_category:
        update["verifiable_category"] = assessment.category
        update["category_reasoning"] = (f"{draft.category_reasoning.rstrip()} (category set to "
                                        f"{assessment.category.value}: only the speaker can judge it)")
    return draft.model_copy(update=update)


__all__ = [
    "Assessment",
    "Factor",
    "assess",
    "claim_of",
    "is_personal",
    "offline_check",
    "score_call",
    "vague_words",
]
