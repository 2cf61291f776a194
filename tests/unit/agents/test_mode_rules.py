"""The mode by the rule in docs/DESIGN.md (issue 19), on templated prompts: tenses, "by", "before", "every",
"next", and past dates relative to the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calledit.agents.creation import CallContext
from calledit.agents.dates import resolve_dates
from calledit.agents.guards import ModeGuard, read_mode_cues
from calledit.domain.call import CallDraft, VerificationMode

LONDON = "Europe/London"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo(LONDON))  # Saturday 21 November 2026
LATER = datetime(2026, 12, 10, 10, 0, tzinfo=ZoneInfo(LONDON))

PLACES = ("London", "Paris")
SUBJECTS = ("Bitcoin will top $100k", "The Senate will pass the budget bill")


def mode_of(prediction: str, now: datetime = NOW) -> str | None:
    reading = read_mode_cues(prediction, resolve_dates(prediction, now, LONDON), now)
    return reading.mode.value if reading.mode else None


def expand(template: str, fills: dict[str, tuple[str, ...]]) -> list[str]:
    prompts = [template]
    for key, values in fills.items():
        prompts = [prompt.replace("{" + key + "}", value) for prompt in prompts for value in values]
    return prompts


ONE_FUTURE_MOMENT = expand("It will rain in {place} {when}", {"place": PLACES, "when": (
    "tomorrow", "tonight", "on Thursday", "next Monday", "on 3 March 2027", "on Christmas Day", "in three weeks")})
DEADLINES = expand("{subject} {cue} {deadline}", {"subject": SUBJECTS, "cue": ("by", "before"), "deadline": (
    "Friday", "the end of the month", "Christmas", "March 2027", "2030")})
REPEATS = expand("It will rain in {place} every {unit}", {"place": PLACES, "unit": ("day next week", "weekend")})
PAST = expand("It rained in {place} {past}", {"place": PLACES, "past": (
    "yesterday", "on 3 November 2026", "last night", "last week", "every day last week")})
PAST += ["The Lakers beat the Celtics on 1 November 2026", "Bitcoin closed above $90,000 yesterday",
         "Bitcoin hit $100k before 2025", "The Warriors won their game last Friday"]
CHECKABLE_NOW = [
    "The next full moon is before 1 December",
    "The next full moon will be before 1 December",
    "The next home game starts after 6pm",
    "The next solar eclipse is in 2027",
    "12 times 31 is more than 380",
    "12 times 31 will be more than 380",
    "Christmas 2027 will be a Saturday",
    "2028 will be a leap year",
    "There are fewer than 60 days left until New Year",
    "Bitcoin is above $80,000",
    "Water boils at 100 C at sea level",
]


@pytest.mark.parametrize("prediction", ONE_FUTURE_MOMENT)
def test_one_future_moment_is_at_date(prediction: str) -> None:
    assert mode_of(prediction) == "at_date"


@pytest.mark.parametrize("prediction", DEADLINES)
def test_by_or_before_a_deadline_is_before_date(prediction: str) -> None:
    assert mode_of(prediction) == "before_date"


@pytest.mark.parametrize("prediction", [
    "I'll quit smoking by my birthday on March 3, 2027",
    "The deal will close before the board meeting on Friday",
    "They will sign the contract by the deadline in March 2027",
])
def test_a_deadline_named_as_an_event_on_a_day_is_before_date(prediction: str) -> None:
    """ "by my birthday on March 3": the day belongs to the deadline, so "on" does not make it one moment."""
    assert mode_of(prediction) == "before_date"


@pytest.mark.parametrize("prediction", REPEATS)
def test_every_is_recurring(prediction: str) -> None:
    assert mode_of(prediction) == "recurring"


@pytest.mark.parametrize("prediction", PAST)
def test_past_tense_about_a_passed_date_is_immediate(prediction: str) -> None:
    assert mode_of(prediction) == "immediate"


@pytest.mark.parametrize("prediction", CHECKABLE_NOW)
def test_checkable_now_is_immediate(prediction: str) -> None:
    assert mode_of(prediction) == "immediate"


@pytest.mark.parametrize(
    "prediction",
    [
        "The next iPhone will be released before September",  # "next", but not a published schedule
        "The Lakers will win their next game",
        "Bitcoin will be above $80,000 tomorrow",
        "Said yesterday: it stays dry every day next week",  # past tense of the saying, not of the claim
    ],
)
def test_the_future_is_not_immediate(prediction: str) -> None:
    assert mode_of(prediction) != "immediate"


def test_a_past_date_is_read_against_the_clock() -> None:
    prediction = "It snowed in Denver on 3 December 2026"
    assert mode_of(prediction, NOW) != "immediate", "said before the date: not a result yet"
    assert mode_of(prediction, LATER) == "immediate", "said after it: checkable now"


def draft(mode: str, **changes: Any) -> CallDraft:
    fields: dict[str, Any] = {
        "prediction_statement": "Something.",
        "verification_date": "2026-11-30T23:59:59+00:00",
        "date_reasoning": "The model's reasoning.",
        "verification_mode": mode,
        "recurring_interval": "daily" if mode == "recurring" else None,
        "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "Needs outside data.",
        "verifiability_score": 0.5,
        "verification_method": {"source": ["a source"], "criteria": ["a criterion"], "steps": ["a step"]},
    }
    fields.update(changes)
    return CallDraft.model_validate(fields)


@pytest.mark.parametrize(
    ("prediction", "model_said", "fixed"),
    [
        ("The next full moon is before 1 December", "before_date", "immediate"),
        ("The next home game starts after 6pm", "at_date", "immediate"),
        ("The Lakers beat the Celtics on 1 November 2026", "at_date", "immediate"),
        ("Christmas 2027 will be a Saturday", "at_date", "immediate"),
        ("It will rain in London tomorrow", "immediate", "at_date"),
        ("Bitcoin will top $100k by Friday", "at_date", "before_date"),
        ("It will rain in Paris every day next week", "at_date", "recurring"),
    ],
)
def test_the_mode_guard_applies_the_rule(prediction: str, model_said: str, fixed: str) -> None:
    called = draft(model_said)
    repaired = ModeGuard()(called, CallContext(prediction, LONDON, NOW))
    assert repaired.verification_mode is VerificationMode(fixed)
    assert f"mode set to {fixed}" in repaired.date_reasoning
