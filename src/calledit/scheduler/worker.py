"""The verification loop: claim due calls under a lease, verify each, apply the mode policy, tell the owner.

One `Verifier` is one worker (its own id). `run_once()` is one pass (cron: `calledit verify --due`, the
AWS scanner); `run_forever()` is the loop inside `calledit serve`. Work is done one call at a time, each
behind the model gate the creation agent uses, so users making calls are never starved by checks.

One call cannot hold up the others: whatever its check raises is that call's inconclusive check (retried
with backoff, then left for its owner), never the pass's. Owners take turns: each gets at most
`Policy.owner_share` checks in a row while other owners' calls are due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from calledit.agents.creation import Clock, system_clock
from calledit.agents.queue import ModelGate
from calledit.agents.verification import VerificationAgent
from calledit.domain.call import Verdict, VerdictOutcome
from calledit.domain.errors import CalledItError
from calledit.domain.events import ToolEvent, VerdictEvent
from calledit.domain.history import change
from calledit.domain.policy import DEFAULT_POLICY, Policy, after_check, agent_checks
from calledit.storage.base import CallStore, Claim

log = logging.getLogger(__name__)

Notify = Callable[[str, VerdictEvent], Awaitable[int]]


@dataclass(frozen=True)
class CheckResult:
    """What happened to one claimed call (for logs, `verify --due` output and tests)."""

    call_id: str
    owner: str
    result: Literal["verified", "checked", "skipped", "lost", "failed"]  # failed: not recorded, see logs
    verdict: VerdictOutcome | None
    next_check_at: datetime | None
    tools: tuple[ToolEvent, ...] = ()


class Verifier:
    def __init__(
        self,
        store: CallStore,
        agent: VerificationAgent,
        *,
        policy: Policy = DEFAULT_POLICY,
        clock: Clock = system_clock,
        gate: ModelGate | None = None,
        notify: Notify | None = None,
        lease_seconds: float = 600.0,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.agent = agent
        self.policy = policy
        self.clock = clock
        self.gate = gate or ModelGate(1)
        self.notify = notify
        self.lease_seconds = lease_seconds
        self.worker = worker or f"worker-{uuid.uuid4().hex[:12]}"

    async def run_once(
        self, limit: int = 100, should_stop: Callable[[], bool] | None = None
    ) -> list[CheckResult]:
        """Check due calls one by one until none is due, `limit` were checked, or `should_stop()` (a time
        budget: the AWS scanner stops before its Lambda times out).

        In rounds: an owner who had `owner_share` checks in this round waits until no other owner's call
        is due, then a new round starts, so one owner's backlog delays the others by a share at most."""
        results: list[CheckResult] = []
        turns: Counter[str] = Counter()  # checks per owner in this round
        while len(results) < limit and not (should_stop and should_stop()):
            waiting = frozenset(owner for owner, count in turns.items() if count >= self.policy.owner_share)
            result = await self._next(waiting)
            if result is None:
                if not waiting:
                    break
                turns.clear()  # nobody else's call is due: the owners who waited go again
                continue
            turns[result.owner] += 1
            results.append(result)
        return results

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Poll every `poll_seconds` until `stop` is set; a failing pass is logged and the loop goes on."""
        log.info("worker=<%s>, poll_seconds=<%s> | scheduler started", self.worker, poll_seconds)
        while not stop.is_set():
            try:
                results = await self.run_once()
                if results:
                    log.info("worker=<%s>, checked=<%d> | scheduler pass", self.worker, len(results))
            except Exception:
                log.exception("worker=<%s> | scheduler pass failed; retrying at the next poll", self.worker)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
        log.info("worker=<%s> | scheduler stopped", self.worker)

    async def _next(self, skip_owners: frozenset[str] = frozenset()) -> CheckResult | None:
        ticket = self.gate.enqueue()  # take the model's slot first, so a lease is never held in line
        try:
            async for _position in self.gate.wait(ticket):
                pass
            claims = await asyncio.to_thread(
                self.store.claim_due, self.clock(), self.worker, self.lease_seconds, 1, skip_owners=skip_owners
            )
            if not claims:
                return None
            try:
                return await self.check(claims[0])
            except Exception:  # recording failed (a store error): the lease expires and the call is retried
                log.exception("call=<%s>, worker=<%s> | check not recorded; retried after its lease",
                              claims[0].call.id, self.worker)
                return CheckResult(claims[0].call.id, claims[0].owner, "failed", None, None)
        finally:
            self.gate.release(ticket)

    async def check(self, claim: Claim) -> CheckResult:
        """Verify one claimed call and record the outcome, if this worker still holds its lease."""
        call = claim.call
        if not agent_checks(call):
            stored = await asyncio.to_thread(
                self.store.record, claim.owner, call, None, next_check_at=None, worker=self.worker
            )
            return CheckResult(call.id, claim.owner, "skipped" if stored else "lost", None, None)
        tools: tuple[ToolEvent, ...] = ()
        pending = False
        try:
            report = await asyncio.wait_for(self.agent.verify(call), timeout=self.lease_seconds * 0.9)
            verdict, tools, pending = report.verdict, tuple(report.tools), report.pending
        except (CalledItError, TimeoutError) as exc:
            message = exc.message if isinstance(exc, CalledItError) else "the check took too long"
            log.warning("call=<%s>, error=<%s> | verification failed; counted as inconclusive", call.id, message)
            verdict = self._failed(message)
        except Exception as exc:  # a bug in a tool or the agent: this call's failed check, never the pass's
            log.exception("call=<%s> | verification raised; counted as inconclusive", call.id)
            verdict = self._failed(
                f"an internal error in the verifier ({type(exc).__name__}). It is retried later; if it keeps "
                "failing, the call is left for you to resolve."
            )
        now = self.clock()
        outcome = after_check(call, verdict, now=now, attempts=claim.attempts, policy=self.policy, pending=pending)
        entry = change(
            call, outcome.call, at=now, actor="agent", action=outcome.action,
            next_before=claim.due_at, next_after=outcome.next_check_at,
            note=f"{len(tools)} tool uses: " + ", ".join(t.name for t in tools) if tools else None,
        )
        stored = await asyncio.to_thread(
            self.store.record, claim.owner, outcome.call, entry,
            next_check_at=outcome.next_check_at, attempts=outcome.attempts, worker=self.worker,
        )
        if stored is None:
            log.info("call=<%s>, worker=<%s> | lease lost; result dropped", call.id, self.worker)
            return CheckResult(call.id, claim.owner, "lost", verdict.verdict, None, tools)
        log.info(
            "call=<%s>, verdict=<%s>, next=<%s> | checked",
            call.id, verdict.verdict.value, outcome.next_check_at,
        )
        if outcome.notify and self.notify is not None and stored.verdict is not None:
            try:
                await self.notify(claim.owner, VerdictEvent(call_id=stored.id, verdict=stored.verdict))
            except Exception:
                log.exception("call=<%s> | could not notify the owner", call.id)
        return CheckResult(call.id, claim.owner, outcome.action, verdict.verdict, outcome.next_check_at, tools)

    def _failed(self, message: str) -> Verdict:
        return Verdict(
            verdict=VerdictOutcome.INCONCLUSIVE, confidence=0.0, reasoning=f"The check failed: {message}",
            verified_at=self.clock(), model=self.agent.provider.name,
        )
