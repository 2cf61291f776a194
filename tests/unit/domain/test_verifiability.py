"""The verifiability score from what will happen at check time: one base per check kind, named factors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calledit.domain.call import CallDraft, VerifiableCategory, VerificationMode
from calledit.domain.check import Check, parse_check
from calledit.domain.verifiability import assess, is_personal, offline_check, score_call, vague_words

CHECKED_ON = date(2026, 11, 22)

LAKERS = {"source": "sports", "sport": "basketball", "league": "nba", "team": "Los Angeles Lakers",
          "variable": "win", "comparator": "==", "threshold": 1, "start": "2026-11-21"}
RAIN = {"source": "weather", "place": "London", "variable": "precipitation_sum", "comparator": ">",
        "threshold": 0, "unit": "mm", "start": "2026-11-22"}
TESLA = {"source": "market", "symbol": "TSLA", "comparator": ">", "threshold": 300, "start": "2027-03-15"}
BITCOIN = {"source": "crypto", "coin": "bitcoin", "comparator": ">=", "threshold": 150000, "start": "2026-11-21",
           "end": "2027-12-31", "over": "any_day"}
JOBS = {"source": "economy", "series": "UNRATE", "comparator": "<", "threshold": 4, "start": "2026-12-01"}


def score(prediction: str, category: str = "api_tool_verifiable", mode: str = "at_date",
          check: dict[str, Any] | None = None, checked_on: date = CHECKED_ON) -> tuple[float, str, list[str]]:
    parsed: Check | None = parse_check(check) if check is not None else None
    assessment = assess(prediction, category=VerifiableCategory(category), mode=VerificationMode(mode),
                        check=parsed, checked_on=checked_on)
    return assessment.score, assessment.category.value, [factor.describe() for factor in assessment.factors]


@pytest.mark.parametrize(
    ("prediction", "category", "mode", "check", "low", "high", "factor"),
    [
        # a structured data source with an exact query: 0.85-0.95 by source
        ("The Lakers win tonight", "api_tool_verifiable", "at_date", LAKERS, 0.85, 0.95,
         "Structured data source: ESPN, exact query (+0.90)"),
        ("It rains in London tomorrow", "api_tool_verifiable", "at_date", RAIN, 0.85, 0.95, "Open-Meteo"),
        ("Tesla closes above $300 on March 15, 2027", "api_tool_verifiable", "at_date", TESLA, 0.85, 0.95,
         "Yahoo Finance"),
        ("Bitcoin hits $150k by the end of 2027", "api_tool_verifiable", "before_date", BITCOIN, 0.85, 0.95,
         "CoinGecko"),
        ("Unemployment falls below 4% in December", "api_tool_verifiable", "at_date", JOBS, 0.8, 0.9, "FRED"),
        # offline computation, calendar, clock: ~1.0
        ("12 times 31 is more than 380", "strands_tool_verifiable", "immediate", None, 0.95, 1.0,
         "Offline computation"),
        ("12 times 31 is more than 380", "agent_verifiable", "immediate", None, 0.95, 1.0, "Offline computation"),
        ("Christmas 2027 will be a Saturday", "agent_verifiable", "immediate", None, 0.95, 1.0,
         "Calendar arithmetic"),
        ("It is already Sunday in Auckland", "current_tool_verifiable", "immediate", None, 0.95, 1.0,
         "Clock and calendar"),
        # a fixed fact the model must recall
        ("The Pacific is the largest ocean on Earth", "agent_verifiable", "immediate", None, 0.8, 0.9,
         "A fixed fact the verifier must recall"),
        # web search with a clear criterion: 0.5-0.8
        ("Apple will unveil a foldable iPhone on September 9, 2027", "api_tool_verifiable", "at_date", None,
         0.5, 0.8, "Web search"),
        ("SpaceX will land people on Mars before 2030", "agent_verifiable", "before_date", None, 0.5, 0.8,
         "A future event with no data source"),
        # vague, or a source that may not publish: lower
        ("The economy will do significantly better soon", "api_tool_verifiable", "at_date", None, 0.3, 0.5,
         'Vague words: "significantly", "better", "soon" (-0.20)'),
        ("The Afrobeats concert in Lagos will sell out", "api_tool_verifiable", "at_date", None, 0.3, 0.55,
         'An outcome like "sell out" may never be published (-0.20)'),
        ("The 6:15 train to Paddington will be on time every weekday", "api_tool_verifiable", "recurring", None,
         0.2, 0.45, "Recurring with no data source"),
        ("It will snow tomorrow", "api_tool_verifiable", "at_date", None, 0.4, 0.6,
         "No place named for the weather (-0.15)"),
        ("Tesla stock will rise", "api_tool_verifiable", "at_date", None, 0.5, 0.65,
         'No threshold: "rise" by how much? (-0.10)'),
        # only the owner can judge: <= 0.3
        ("My meeting will go well", "agent_verifiable", "at_date", None, 0.05, 0.3, "Only the owner can judge it"),
        ("The dinner will taste good", "api_tool_verifiable", "at_date", None, 0.05, 0.3, "only the owner"),
        ("My souffle won't fall", "api_tool_verifiable", "at_date", None, 0.05, 0.3, "only the owner"),
        ("The neighbours' party will be loud", "human_verifiable_only", "at_date", None, 0.05, 0.3,
         "Only the owner can judge it (+0.15)"),
    ],
)
def test_score_per_check_kind_and_factor(
    prediction: str, category: str, mode: str, check: dict[str, Any] | None, low: float, high: float, factor: str
) -> None:
    value, _, factors = score(prediction, category, mode, check)
    assert low <= value <= high, factors
    assert any(factor.lower() in line.lower() for line in factors), factors


@pytest.mark.parametrize(
    ("check", "checked_on", "factor", "weight"),
    [
        ({**RAIN, "start": "1935-06-01"}, date(2026, 11, 21), "archive starts in 1940", -0.5),
        ({**BITCOIN, "start": "2024-01-01"}, date(2026, 11, 21), "last 365 days", -0.15),
        ({**TESLA, "threshold": 2650}, date(2027, 3, 15), "threshold 2,650 is not in the prediction", -0.1),
        (JOBS, date(2026, 12, 31), "weeks after their period", -0.05),
    ],
)
def test_factors_of_a_structured_check(check: dict[str, Any], checked_on: date, factor: str, weight: float) -> None:
    prediction = {"weather": "It rains in London", "crypto": "Bitcoin hits $150k", "market": "Tesla closes above $300",
                  "economy": "Unemployment is below 4%"}[check["source"]]
    with_factor, _, factors = score(prediction, check=check, checked_on=checked_on)
    base = {"weather": 0.90, "crypto": 0.93, "market": 0.92, "economy": 0.90}[check["source"]]
    assert with_factor == pytest.approx(base + weight)
    assert any(factor in line and f"({weight:+.2f})" in line for line in factors), factors


def test_a_weather_check_far_ahead_is_not_penalised_the_archive_is_read_after_the_day() -> None:
    far = {**RAIN, "start": "2027-06-01"}
    assert score("It rains in London on 1 June 2027", check=far)[0] == 0.9


def test_the_threshold_words_state_rain_freezing_and_a_win() -> None:
    freezing = {**RAIN, "variable": "temperature_2m_min", "comparator": "<", "threshold": 32, "unit": "F"}
    assert score("It will be below freezing in Chicago", check=freezing)[0] == 0.9
    assert score("It rains in London", check=RAIN)[0] == 0.9
    assert score("The Lakers beat the Celtics", check=LAKERS)[0] == 0.9


def test_vague_words_weigh_less_when_a_check_pins_the_condition_down() -> None:
    vague_check, _, factors = score("It rains a lot in London tomorrow", check={**RAIN, "threshold": 0})
    assert vague_check == pytest.approx(0.85)
    assert 'Vague words: "a lot" (-0.05)' in factors


@pytest.mark.parametrize(
    ("prediction", "personal"),
    [
        ("My meeting will go well", True),
        ("I will run a half marathon this weekend", True),
        ("We'll move house before the summer", True),
        ("The dinner will taste good", True),
        ("My sister will call me on her birthday", True),
        ("I bet the Lakers win tonight", False),  # a hedge before a claim about the world
        ("I think Bitcoin will hit $150k", False),
        ("We are in the last week of November", False),  # the clock decides
        ("The Lakers will win tonight", False),
        ("Tesla stock will rise", False),
    ],
)
def test_personal_and_subjective_predictions(prediction: str, personal: bool) -> None:
    assert is_personal(prediction) is personal


def test_a_personal_prediction_without_a_source_is_for_its_owner_and_says_so() -> None:
    value, category, factors = score("I will finish writing my novel by June", "api_tool_verifiable", "before_date")
    assert (value, category) == (0.15, "human_verifiable_only")
    assert any("own life" in line and "human_verifiable_only" in line for line in factors)


def test_a_check_wins_over_the_personal_rule() -> None:
    value, category, _ = score("I bet it rains in London tomorrow", check=RAIN)
    assert (value, category) == (0.9, "api_tool_verifiable")


@pytest.mark.parametrize(
    ("prediction", "kind"),
    [
        ("12 times 31 is more than 380", "computation"),
        ("17 x 23 is 391", "computation"),
        ("The square root of 169 is 14", "computation"),
        ("Christmas 2027 will be a Saturday", "calendar"),
        ("There are fewer than 60 days left until New Year", "calendar"),
        ("2028 will be a leap year", "calendar"),
        ("The party will be on a Saturday", None),  # no date to work the weekday out from
        ("The new Zelda game will be released on 12/3", None),  # a date, not a division
        ("Liverpool will win 3-1", None),
        ("It will rain for 3 days in a row", None),
    ],
)
def test_offline_checks(prediction: str, kind: str | None) -> None:
    assert offline_check(prediction) == kind


def test_vague_words_are_found_once_and_not_in_fixed_phrases() -> None:
    assert vague_words("It will go well, very well, soon") == ["well", "soon"]
    assert vague_words("Good Friday falls in April as well") == []


def _draft(**changes: Any) -> CallDraft:
    fields: dict[str, Any] = {
        "prediction_statement": "My meeting will go well.",
        "verification_date": datetime(2026, 11, 23, 18, 0, tzinfo=ZoneInfo("Europe/London")),
        "date_reasoning": "Tomorrow evening.",
        "verification_mode": "at_date",
        "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "Needs outside data.",
        "verifiability_score": 0.9,
        "verification_method": {"source": ["a source"], "criteria": ["a criterion"], "steps": ["a step"]},
    }
    fields.update(changes)
    return CallDraft.model_validate(fields)


def test_score_call_replaces_the_models_score_and_writes_the_factors() -> None:
    scored = score_call(_draft(), "My meeting will go well")
    assert scored.verifiability_score == 0.15
    assert scored.verifiable_category is VerifiableCategory.HUMAN_VERIFIABLE_ONLY
    assert scored.category_reasoning.startswith("Needs outside data. (category set to human_verifiable_only")
    assert scored.verifiability_factors[-1] == "Only the owner can judge it (+0.15)"
    assert score_call(scored, "My meeting will go well") == scored, "scoring twice changes nothing"


def test_score_call_reads_the_attached_check() -> None:
    scored = score_call(_draft(check=parse_check(LAKERS), prediction_statement="The Lakers win."),
                        "The Lakers win tonight")
    assert scored.verifiability_score == 0.9
    assert scored.verifiability_factors == ["Structured data source: ESPN, exact query (+0.90)"]


@pytest.mark.parametrize(
    ("check", "category", "value", "words"),
    [
        ({"source": "calendar", "question": "leap_year", "year": 2028}, "strands_tool_verifiable", 0.97,
         "Calendar arithmetic"),
        ({"source": "arithmetic", "expression": "12 * 31", "comparator": ">", "value": "380"},
         "strands_tool_verifiable", 0.97, "Offline computation"),
        ({"source": "clock", "part": "weekday", "value": "Sunday", "place": "Auckland"}, "current_tool_verifiable",
         0.98, "Clock and calendar"),
        ({"source": "fact", "claim": "The Pacific is the largest ocean", "question": "Which ocean is largest?"},
         "agent_verifiable", 0.85, "fixed fact"),
    ],
)
def test_a_typed_offline_check_scores_as_the_verifier_will_run_it(
    check: dict[str, Any], category: str, value: float, words: str
) -> None:
    try:
        parsed = parse_check(check)
    except ValueError:
        pytest.skip("this build's typed check has no offline kinds")
    assessment = assess("I think so", category=VerifiableCategory(category), mode=VerificationMode.IMMEDIATE,
                        check=parsed, checked_on=CHECKED_ON)
    assert assessment.score == value
    assert assessment.category is VerifiableCategory(category), "the check's category stands, personal or not"
    assert words in assessment.factors[0].describe()
