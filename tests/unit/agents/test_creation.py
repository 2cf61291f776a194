"""The creation agent's translation of Strands events into protocol events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from strands import tool

from calledit.agents.checks import category_reason
from calledit.agents.creation import CallContext, CreationAgent
from calledit.domain.call import CallDraft
from calledit.domain.errors import BadRequest
from calledit.domain.events import CompleteEvent, TextEvent, ToolEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


class ToolThenAnswer(ScriptedModel):
    """Asks for a tool on the first turn, then answers with a call."""

    async def stream(self, messages: Any, tool_specs: Any = None, system_prompt: str | None = None,
                     **kwargs: Any) -> Any:
        if not any("toolResult" in block for m in messages for block in m["content"]):
            yield {"messageStart": {"role": "assistant"}}
            yield {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t1", "name": "weekday"}}}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"date": "2026-12-25"}'}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
            return
        async for event in super().stream(messages, tool_specs, system_prompt, **kwargs):
            yield event


@tool
def weekday(date: str) -> str:
    """The weekday of an ISO date."""
    return datetime.fromisoformat(date).strftime("%A")


async def test_tool_use_becomes_a_tool_event_and_the_answer_still_completes() -> None:
    model = ToolThenAnswer(rate=0, responses=[json.dumps(plausible_call("Christmas is a Friday", NOW))])
    agent = CreationAgent(Provider(name="scripted", model=model), clock=lambda: NOW, tools=[weekday])
    events = [e async for e in agent.stream("Christmas is a Friday", "UTC")]
    tools = [e for e in events if isinstance(e, ToolEvent)]
    assert tools == [ToolEvent(name="weekday", input={"date": "2026-12-25"})]
    assert isinstance(events[-1], CompleteEvent)


async def test_guards_run_on_the_validated_call() -> None:
    def shout(draft: CallDraft, context: CallContext) -> CallDraft:
        assert context.timezone == "Asia/Tokyo"
        assert context.now.utcoffset() is not None and context.now.hour == 0  # 15:00 UTC is 00:00 in Tokyo
        return draft.model_copy(update={"prediction_statement": draft.prediction_statement.upper()})

    agent = CreationAgent(Provider(name="scripted", model=ScriptedModel(rate=0)), clock=lambda: NOW,
                          guards=[shout])
    events = [e async for e in agent.stream("it rains tomorrow", "Asia/Tokyo")]
    final = events[-1]
    assert isinstance(final, CompleteEvent)
    assert final.content.prediction_statement == "IT RAINS TOMORROW."
    assert sum(isinstance(e, TextEvent) for e in events) > 5


async def test_repair_round_recovers_a_fixable_answer() -> None:
    good = json.dumps(plausible_call("It rains tomorrow", NOW))
    model = ScriptedModel(rate=0, responses=["{\"prediction_statement\": 1}", good])
    agent = CreationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [e async for e in agent.stream("It rains tomorrow", "UTC")]
    assert isinstance(events[-1], CompleteEvent)
    assert "prediction_statement" in model.requests[1]


@pytest.mark.parametrize(("prompt", "timezone", "words"), [("", "UTC", "empty"), ("x" * 2001, "UTC", "2000"),
                                                           ("Rain", "Nowhere/City", "IANA")])
def test_bad_requests(prompt: str, timezone: str, words: str) -> None:
    agent = CreationAgent(Provider(name="scripted", model=ScriptedModel(rate=0)), clock=lambda: NOW)
    with pytest.raises(BadRequest, match=words):
        agent.context(prompt, timezone)


@pytest.mark.parametrize(("source", "reason"), [
    ("The user's own reading log", "It can be checked from the user's own reading log."),
    ("A calculator", "It can be checked from a calculator."),
    ("NBA.com box score.", "It can be checked from NBA.com box score."),
])
async def test_the_category_s_reason_is_worded_from_the_source_the_model_chose(source: str, reason: str) -> None:
    """The model writes where to look, then the category that tells; the reason is code's words."""
    answer = plausible_call("I finish my novel by the end of the month", NOW)
    del answer["category_reasoning"]
    answer["verification_method"] = {"source": [source]}
    model = ScriptedModel(rate=0, responses=[json.dumps(answer)])
    agent = CreationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [e async for e in agent.stream("I finish my novel by the end of the month", "UTC")]
    final = events[-1]
    assert isinstance(final, CompleteEvent) and final.content.category_reasoning == reason
    assert category_reason("  ") == "It can be checked from its source."
