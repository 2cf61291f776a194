"""Fields code knows are not sampled: they leave the model's grammar and come back before validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from calledit.agents.creation import CallContext, call_output
from calledit.agents.guards import DatePrefill
from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.events import CallEvent, CompleteEvent
from calledit.providers.base import OutputSchema, Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _provider(model: ScriptedModel, seen: list[OutputSchema]) -> Provider:
    def constrain(base: object, output: OutputSchema) -> object:
        seen.append(output)
        return base

    return Provider(name="scripted", model=model, native_structured_output=True, constrain=constrain)


def test_a_resolved_date_and_the_score_are_code_s() -> None:
    known = DatePrefill()(CallContext("It rains in Paris tomorrow", "Europe/Paris", NOW))
    assert known["verification_date"] == "2026-12-02T23:59:59+01:00"
    assert "2 December 2026" in str(known["date_reasoning"])
    assert "verifiability_score" in known
    schema = call_output(None, omit=set(known)).schema
    assert not {"verification_date", "date_reasoning", "verifiability_score"} & set(schema["properties"])
    assert "prediction_statement" in schema["required"]


def test_no_date_words_leave_the_date_to_the_model() -> None:
    known = DatePrefill()(CallContext("Someone will walk on Mars", "UTC", NOW))
    assert "verification_date" not in known


async def test_the_call_is_complete_with_what_code_knew() -> None:
    prediction = "My sister visits on Friday"
    answer = plausible_call(prediction, NOW)
    for name in ("verification_date", "date_reasoning", "verifiability_score", "recurring_interval"):
        answer.pop(name)  # what a model held to the smaller schema writes
    seen: list[OutputSchema] = []
    agent = creation_agent(Settings(model="scripted"), _provider(ScriptedModel(rate=0, responses=[json.dumps(answer)]),
                                                                  seen), clock=lambda: NOW)
    events = [event async for event in agent.stream(prediction, "UTC")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.content.verification_date.date().isoformat() == "2026-12-04"
    assert "verification_date" not in seen[0].schema["properties"]
    shown = [event.call for event in events if isinstance(event, CallEvent)]
    assert shown[0] == {"prediction_statement": "My sister visits on Friday."}  # the statement comes first
    assert all(call.get("verification_date") for call in shown[1:])  # then the date, with the next field


@pytest.mark.parametrize(("prediction", "mode"), [
    ("It rains in Paris tomorrow", "at_date"),
    ("Amazon announces layoffs by the end of the month", "before_date"),
    ("17 x 23 is 391", "immediate"),
    ("It stays dry every day next week", "recurring"),
])
def test_a_mode_the_words_settle_is_code_s(prediction: str, mode: str) -> None:
    """ModeGuard would set it whatever the model wrote, so the model never samples it."""
    known = DatePrefill()(CallContext(prediction, "Europe/Paris", NOW))
    assert known["verification_mode"] == mode
    assert "verification_mode" not in call_output(None, omit=set(known)).schema["properties"]


def test_an_open_mode_is_left_to_the_model() -> None:
    known = DatePrefill()(CallContext("Someone will walk on Mars", "UTC", NOW))
    assert "verification_mode" not in known


async def test_a_data_source_s_fixed_instructions_come_before_the_prediction() -> None:
    """They are the same for every call of the source, so the local model keeps them cached; the call's own
    words (the prediction, the clock, resolved dates) come after."""
    from calledit.agents.prompts import user_prefix

    prediction = "More than 10 mm of rain will fall in London tomorrow"  # the amount is the model's to write
    model = ScriptedModel(rate=0, responses=[json.dumps(plausible_call(prediction, NOW))])
    agent = creation_agent(Settings(model="scripted"), Provider(name="scripted", model=model), clock=lambda: NOW)
    [event async for event in agent.stream(prediction, "Europe/London")]
    request = model.requests[0]
    lead = request.split("<prediction>")[0]
    assert "Data source: weather" in lead
    assert request.startswith(user_prefix(lead.removeprefix(user_prefix().split("<prediction>")[0]).strip()))
    assert "tomorrow" not in lead and "London" not in lead


@pytest.mark.parametrize(("prediction", "clock", "absent"), [
    ("Someone will walk on Mars", "Current date and time: 2026-12-01T15:00:00+00:00 (Tuesday) in UTC.", "Today:"),
    ("Today is a Tuesday", "Today: Tuesday 1 December 2026.", "Current date and time"),
    ("SpaceX lands people on Mars before 2030", '"2030" is', "1 December 2026"),
    ("Water boils at 100 C at sea level", "</prediction>", "1 December 2026"),  # timeless: no day to copy
])
async def test_the_user_turn_gives_the_clock_only_as_the_model_needs_it(prediction: str, clock: str,
                                                                         absent: str) -> None:
    """ISO 8601 when the model writes the date; the day for a claim about the present day; nothing but the
    resolved date's words otherwise (told the day, the model wrote it into statements about 2030 and into
    timeless facts)."""
    model = ScriptedModel(rate=0)
    agent = creation_agent(Settings(model="scripted"), _provider(model, []), clock=lambda: NOW)
    [event async for event in agent.stream(prediction, "UTC")]
    assert clock in model.requests[0]
    assert absent not in model.requests[0]
