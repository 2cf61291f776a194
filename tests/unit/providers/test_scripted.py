"""The scripted test double reads the agents' real prompts (so it cannot drift from them) and says what it is."""

from __future__ import annotations

from datetime import UTC, datetime

from calledit.agents.creation import CreationAgent
from calledit.agents.verification import VerificationAgent
from calledit.domain.call import CallContent, VerdictOutcome
from calledit.domain.events import CompleteEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


async def test_creation_prompt_is_understood() -> None:
    model = ScriptedModel(rate=0)
    agent = CreationAgent(Provider(name="scripted (test double)", model=model), clock=lambda: NOW)
    events = [e async for e in agent.stream("Every day this week it rains in Lima", "America/Lima")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.content.prediction_statement.startswith("Every day this week it rains in Lima")
    assert complete.content.model == "scripted (test double)"


async def test_verification_prompt_gets_an_honest_inconclusive_verdict() -> None:
    call = CallContent(**plausible_call("The Lakers win tonight", NOW), raw_prompt="The Lakers win tonight",
                       timezone="UTC", model="scripted (test double)")
    report = await VerificationAgent(Provider(name="scripted", model=ScriptedModel(rate=0)),
                                     clock=lambda: NOW).verify(call)
    assert report.verdict.verdict is VerdictOutcome.INCONCLUSIVE
    assert "test double" in report.verdict.reasoning
