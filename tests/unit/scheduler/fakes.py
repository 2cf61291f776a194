"""Fakes for scheduler tests: a clock you move by hand and an agent whose verdicts you script."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from calledit.agents.verification import VerificationReport
from calledit.domain.call import CallContent, CallCreate, Verdict, VerdictOutcome
from calledit.domain.errors import ModelError
from calledit.domain.events import ToolEvent, VerdictEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel


def soon() -> datetime:
    """Just after the real now: the store stamps created_at with the real clock, so a fake clock that
    starts here sees every call it logs as already made. Call it in the test, not at import: a long
    suite would otherwise leave it behind the real clock."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or soon()
        self.start = self.now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ScriptedVerifier:
    """Stands in for VerificationAgent: answers each verify() with the next scripted outcome
    ('confirmed', 'refuted', 'inconclusive', 'error', 'crash', 'hang'), or `default` when the script runs out.
    'error' is a model failure (a CalledItError); 'crash' an unexpected exception, as a bug in a tool raises."""

    def __init__(self, clock: FakeClock, outcomes: Iterable[str] = (), default: str = "confirmed",
                 delay: float = 0.0) -> None:
        self.clock = clock
        self.outcomes = deque(outcomes)
        self.default = default
        self.delay = delay
        self.checked: list[str] = []  # statements, in the order they were verified
        self.provider = Provider(name="scripted (test double)", model=ScriptedModel(rate=0))
        self.hanging = asyncio.Event()

    async def verify(self, call: CallContent, **_: Any) -> VerificationReport:
        self.checked.append(call.prediction_statement)
        outcome = self.outcomes.popleft() if self.outcomes else self.default
        if self.delay:
            await asyncio.sleep(self.delay)
        if outcome == "error":
            raise ModelError("The model (scripted) failed: boom")
        if outcome == "crash":
            raise OverflowError("int too large to convert to float")
        if outcome == "hang":
            self.hanging.set()
            await asyncio.Event().wait()  # until cancelled: a crash mid-verification
        verdict = Verdict(verdict=VerdictOutcome(outcome), confidence=0.8, reasoning=f"scripted {outcome}",
                          verified_at=self.clock(), model=self.provider.name)
        return VerificationReport(verdict=verdict, tools=[ToolEvent(name="current_time", input={})])


class Inbox:
    """Records notify(user, event) calls, as AppState.notify would deliver them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, VerdictEvent]] = []

    async def __call__(self, user: str, event: VerdictEvent) -> int:
        self.events.append((user, event))
        return 1


def new_call(statement: str, mode: str, due: datetime, **extra: Any) -> CallCreate:
    fields: dict[str, Any] = {
        "raw_prompt": statement, "prediction_statement": statement, "verification_date": due,
        "date_reasoning": "d", "verification_mode": mode, "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "c", "verifiability_score": 0.5,
        "verification_method": {"source": ["s"], "criteria": ["It happens"], "steps": ["look"]},
        "timezone": "UTC", "model": "scripted",
    }
    fields.update(extra)
    return CallCreate(**fields)
