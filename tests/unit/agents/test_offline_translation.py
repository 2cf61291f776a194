"""Translation at creation, on the scripted model: code picks the offline kind and reads the negation, the
comparison and the country; the model's canned query holds only operands; the verifier then computes the
verdict. One case per template family of eval/offline, each with its negated variant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calledit.agents import claim_words
from calledit.agents.checks import plan_check
from calledit.agents.creation import CreationAgent, call_output
from calledit.agents.verification import FACT_MIN_CONFIDENCE, VerificationAgent
from calledit.domain.call import CallContent, VerdictOutcome, VerifiableCategory, VerificationMode
from calledit.domain.events import CompleteEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def answer(prediction: str, query: dict[str, Any] | None, category: str = "strands_tool_verifiable") -> str:
    call = plausible_call(prediction, NOW)
    call["verifiable_category"] = category
    if query is not None:
        call["check"] = query
    return json.dumps(call)


async def make(prediction: str, query: dict[str, Any] | None, timezone: str = "UTC",
               category: str = "strands_tool_verifiable") -> tuple[CallContent, ScriptedModel]:
    model = ScriptedModel(rate=0, responses=[answer(prediction, query, category)])
    agent = CreationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [event async for event in agent.stream(prediction, timezone)]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    return complete.content, model


async def verdict_of(call: CallContent, *responses: str) -> VerdictOutcome:
    model = ScriptedModel(rate=0, responses=list(responses))
    agent = VerificationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    report = await agent.verify(call)
    return report.verdict.verdict


# (family, prediction, timezone, what the model writes, the verdict)
FAMILIES = [
    ("weekday_of_date", "12/25/2026 lands on a Friday", "America/Chicago",
     {"source": "calendar", "question": "weekday", "day": "2026-12-25", "weekday": "Friday"}, "confirmed"),
    ("weekday_of_date", "12/25/2026 doesn't land on a Friday", "America/Chicago",
     {"source": "calendar", "question": "weekday", "day": "2026-12-25", "weekday": "Friday"}, "refuted"),
    ("holiday_weekday", "Halloween of 2027 is going to be a Sunday", "Europe/London",
     {"source": "calendar", "question": "weekday", "day": "Halloween 2027", "weekday": "Sunday"}, "confirmed"),
    ("holiday_weekday", "Halloween of 2027 is not going to be a Sunday", "Europe/London",
     {"source": "calendar", "question": "weekday", "day": "Halloween 2027", "weekday": "Sunday"}, "refuted"),
    ("holiday_date", "Thanksgiving 2026 falls on November 26", "America/New_York",
     {"source": "calendar", "question": "date", "day": "Thanksgiving 2026", "other": "2026-11-26"}, "confirmed"),
    ("holiday_date", "Canadian Thanksgiving 2026 won't be on November 26", "America/New_York",
     {"source": "calendar", "question": "date", "day": "Thanksgiving 2026", "other": "2026-11-26"}, "confirmed"),
    ("leap_year", "Two thousand and one hundred will be a leap year", "UTC",
     {"source": "calendar", "question": "leap_year", "year": 2100}, "refuted"),
    ("leap_year", "Two thousand and one hundred won't be a leap year", "UTC",
     {"source": "calendar", "question": "leap_year", "year": 2100}, "confirmed"),
    ("days_between", "It is more than twenty days until Christmas", "UTC",
     {"source": "calendar", "question": "days_between", "day": "today", "other": "Christmas Day 2026",
      "value": 20}, "confirmed"),
    ("days_between", "It is no more than twenty days until Christmas", "UTC",
     {"source": "calendar", "question": "days_between", "day": "today", "other": "Christmas Day 2026",
      "value": 20}, "refuted"),
    ("weekday_count", "March 2026 has five Sundays", "UTC",
     {"source": "calendar", "question": "weekday_count", "weekday": "Sunday", "year": 2026, "month": 3,
      "value": 5}, "confirmed"),
    ("weekday_count", "March 2026 does not have five Sundays", "UTC",
     {"source": "calendar", "question": "weekday_count", "weekday": "Sunday", "year": 2026, "month": 3,
      "value": 5}, "refuted"),
    ("arithmetic", "Seventeen times twenty-three equals three hundred ninety-one", "UTC",
     {"source": "arithmetic", "expression": "17 * 23", "value": "391"}, "confirmed"),
    ("arithmetic", "A 20% discount on $50 doesn't leave $40", "UTC",
     {"source": "arithmetic", "expression": "$50 * (1 - 20%)", "value": "$40"}, "refuted"),
    ("clock", "It's after 5 pm in Tokyo", "Europe/Paris",
     {"source": "clock", "place": "Tokyo", "part": "time", "value": "17:00"}, "refuted"),  # 00:00 there
    ("clock", "It isn't morning in London right now", "Europe/Paris",
     {"source": "clock", "place": "London", "part": "period", "value": "morning"}, "confirmed"),
]


@pytest.mark.parametrize(("family", "prediction", "timezone", "query", "expected"), FAMILIES,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(FAMILIES)])
async def test_each_family_translates_and_code_decides(
    family: str, prediction: str, timezone: str, query: dict[str, Any], expected: str
) -> None:
    call, model = await make(prediction, query, timezone)
    assert call.check is not None and call.check.source == query["source"], family
    assert call.check.negated == claim_words.negated(prediction)
    assert call.verification_mode is VerificationMode.IMMEDIATE or call.check.source == "clock"
    assert call.verifiable_category is not VerifiableCategory.API_TOOL_VERIFIABLE
    plan = plan_check(prediction, now=NOW.astimezone(ZoneInfo(timezone)), timezone=timezone)
    assert plan is not None
    if model.requests:  # the hint reached the model, unless the pattern read the claim whole (then no tokens on it)
        assert ("Check:" in model.requests[-1]) is not plan.complete
    assert (await verdict_of(call)).value == expected


def test_the_model_never_sees_a_negation_or_comparator_field() -> None:
    for _, prediction, timezone, _, _ in FAMILIES:
        plan = plan_check(prediction, timezone=timezone)
        assert plan is not None and plan.offline
        properties = call_output(plan).schema["properties"]
        assert ("check" in properties) is plan.needs_query  # a check code read whole is not asked for at all
        text = json.dumps(properties.get("check", {}))
        assert "negated" not in text and "comparator" not in text


def test_spelled_numbers_reach_the_model_as_digits() -> None:
    plan = plan_check("Seventeen times twenty-three equals three hundred ninety-one")
    assert plan is not None
    assert "seventeen = 17, twenty three = 23, three hundred ninety one = 391" in plan.hint


async def test_a_claim_the_pattern_reads_whole_needs_no_query_from_the_model() -> None:
    call, model = await make("Christmas 2026 falls on a Friday", None, "Europe/London")
    assert call.check is not None and call.check.model_dump(include={"question", "day", "weekday"}) == {
        "question": "weekday", "day": "2026-12-25", "weekday": "Friday"}
    assert "Check:" not in model.requests[-1]  # nothing left for the model to write in the check
    assert (await verdict_of(call)) is VerdictOutcome.CONFIRMED


async def test_an_unknown_holiday_leaves_the_call_without_a_check() -> None:
    call, _ = await make("Foo Festival 2026 falls on a Friday", {
        "source": "calendar", "question": "weekday", "day": "Foo Festival 2026", "weekday": "Friday"})
    assert call.check is None  # verified the prose way, never as July 4


def fact_turns(question: str, answer: str, confidence: float) -> list[str]:
    return [json.dumps({"question": question}), json.dumps({"answer": answer, "confidence": confidence})]


@pytest.mark.parametrize(
    ("prediction", "question", "answer", "confidence", "expected"),
    [
        ("Water boils at 100 degrees Celsius at sea level", "At what temperature does water boil at sea level?",
         "100 degrees Celsius", 0.95, "confirmed"),
        ("Water does not boil at 100 degrees Celsius at sea level",
         "At what temperature does water boil at sea level?", "100 degrees Celsius", 0.95, "refuted"),
        ("The Eiffel Tower isn't in Berlin", "In which city is the Eiffel Tower?", "Paris", 0.9, "confirmed"),
        ("The Eiffel Tower is in Berlin", "In which city is the Eiffel Tower?", "Paris", 0.9, "refuted"),
        ("The Eiffel Tower is in Berlin", "In which city is the Eiffel Tower?", "Paris",
         FACT_MIN_CONFIDENCE - 0.1, "inconclusive"),
        ("The Eiffel Tower is in Berlin", "In which city is the Eiffel Tower?", "I am not sure", 0.9, "inconclusive"),
        ("Spiders are insects", "Are spiders insects?", "No, they are arachnids", 0.9, "refuted"),
    ],
)
async def test_a_fact_is_the_models_to_decide_and_says_so(
    prediction: str, question: str, answer: str, confidence: float, expected: str
) -> None:
    call, model = await make(prediction, {"source": "fact"}, category="agent_verifiable")
    assert call.check is not None and call.check.source == "fact"
    assert call.check.question is None  # code wrote the whole check: the verifier's model writes the question
    assert "Check:" not in model.requests[-1]
    assert "not" not in call.check.claim.lower().split()  # the model judges the positive claim
    model = ScriptedModel(rate=0, responses=fact_turns(question, answer, confidence))
    agent = VerificationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    report = await agent.verify(call)
    assert report.verdict.verdict.value == expected
    assert report.verdict.evidence[0].source.startswith("model-decided fact")
    assert question in report.verdict.evidence[0].finding and answer in report.verdict.evidence[0].finding
    asking, answering = model.requests
    assert call.check.claim in asking  # the question is written from the claim ...
    assert answering == f"Question: {question}" and call.check.claim not in answering  # ... answered without it


async def test_a_question_written_at_creation_is_kept() -> None:
    """Calls made before the verifier wrote the questions carry their creating model's question."""
    call, _ = await make("Spiders are insects", {"source": "fact"}, category="agent_verifiable")
    assert call.check is not None
    old = call.model_copy(update={"check": call.check.model_copy(update={"question": "Are spiders insects?"})})
    model = ScriptedModel(rate=0, responses=[json.dumps({"answer": "No", "confidence": 0.9})])
    report = await VerificationAgent(Provider(name="scripted", model=model), clock=lambda: NOW).verify(old)
    assert report.verdict.verdict is VerdictOutcome.REFUTED
    assert model.requests == ["Question: Are spiders insects?"]


async def test_a_fact_check_needs_the_model_to_call_it_fixed_knowledge() -> None:
    call, _ = await make("Apple releases a folding phone", {"source": "fact", "question": "Did it?"},
                         category="api_tool_verifiable")
    assert call.check is None


@pytest.mark.parametrize(
    ("prediction", "timezone", "known"),
    [
        # The model once wrote "day": "time 2027" for this one: code now reads the holiday and its year.
        ("In 2034, New Year's Eve is on a Saturday", "America/Sao_Paulo",
         {"question": "weekday", "day": "New Year's Eve 2034", "weekday": "Saturday"}),
        ("Thanksgiving 2026 is on November 26", "America/New_York",
         {"question": "date", "day": "Thanksgiving 2026", "other": "2026-11-26"}),
        ("November 2039 has 5 Wednesdays", "UTC",
         {"question": "weekday_count", "weekday": "Wednesday", "year": 2039, "month": 11, "value": 5}),
        ("It is 24 days until Christmas", "UTC",
         {"question": "days_between", "day": "today", "other": "Christmas 2026", "value": 24}),
        ("Two thousand and twenty-eight will be a leap year", "UTC", {"question": "leap_year", "year": 2028}),
    ],
)
def test_code_reads_the_operands_the_words_give_for_certain(
    prediction: str, timezone: str, known: dict[str, Any]
) -> None:
    plan = plan_check(prediction, now=NOW, timezone=timezone)
    assert plan is not None and plan.complete
    assert {key: plan.known.get(key) for key in known} == known


def test_a_clock_claim_is_read_whole() -> None:
    plan = plan_check("It's after 5 pm in Tokyo", now=NOW, timezone="Europe/Paris")
    assert plan is not None and plan.complete
    assert (plan.known["place"], plan.known["part"], plan.known["value"], plan.known["comparator"]) == (
        "Tokyo", "time", "17:00", ">")


def test_an_unsure_reading_is_left_to_the_model() -> None:
    plan = plan_check("Christmas 2026 and New Year's Day 2027 fall on a Friday", now=NOW, timezone="UTC")
    assert plan is not None and not plan.complete and "day" not in plan.known  # two holidays: not certain
    assert "day" in json.dumps(plan.schema())


async def test_a_question_that_drops_the_subject_is_asked_again() -> None:
    call, _ = await make("Mars has two moons", {"source": "fact"}, category="agent_verifiable")
    turns = [json.dumps({"question": "Which planet has two moons?"}),
             json.dumps({"question": "How many moons does Mars have?"}),
             json.dumps({"answer": "2", "confidence": 0.95})]
    model = ScriptedModel(rate=0, responses=turns)
    report = await VerificationAgent(Provider(name="scripted", model=model), clock=lambda: NOW).verify(call)
    assert "The question must be about Mars." in model.requests[1]
    assert model.requests[2] == "Question: How many moons does Mars have?"
    assert report.verdict.verdict is VerdictOutcome.CONFIRMED
