"""The verifier over a real SQLite file, with a clock moved by hand and scripted verdicts."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from calledit.domain.call import CallStatus, VerdictOutcome
from calledit.domain.policy import Policy
from calledit.scheduler.worker import Verifier
from calledit.storage.sqlite import SqliteCallStore
from tests.unit.scheduler.fakes import FakeClock, Inbox, ScriptedVerifier, new_call

POLICY = Policy(retry_seconds=600, max_attempts=3, recheck_seconds=3600)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    made = SqliteCallStore(tmp_path / "calls.db")
    yield made
    made.close()


def verifier(store: SqliteCallStore, agent: ScriptedVerifier, clock: FakeClock, **kwargs: Any) -> Verifier:
    return Verifier(store, agent, policy=POLICY, clock=clock, lease_seconds=60, **kwargs)  # type: ignore[arg-type]


async def test_an_immediate_call_is_verified_at_once_and_the_owner_hears_of_it(store: SqliteCallStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    agent = ScriptedVerifier(clock, ["confirmed"])
    call = store.add("alice", new_call("It is sunny", "immediate", clock.start))
    results = await verifier(store, agent, clock, notify=inbox).run_once()
    assert [(r.call_id, r.result, r.verdict) for r in results] == [(call.id, "verified", VerdictOutcome.CONFIRMED)]
    stored = store.get("alice", call.id)
    assert stored is not None and stored.status is CallStatus.VERIFIED
    assert stored.verdict is not None and stored.verdict.verdict is VerdictOutcome.CONFIRMED
    assert [(user, event.call_id) for user, event in inbox.events] == [("alice", call.id)]
    (entry,) = store.history("alice", call.id)
    assert (entry.actor, entry.action, entry.before.status, entry.after.status) == (
        "agent", "verified", CallStatus.PENDING, CallStatus.VERIFIED)
    assert await verifier(store, agent, clock).run_once() == []  # nothing more to do
    assert agent.checked == ["It is sunny"]


async def test_at_date_waits_for_its_date(store: SqliteCallStore) -> None:
    clock = FakeClock()
    agent = ScriptedVerifier(clock)
    call = store.add("alice", new_call("Rain on Friday", "at_date", clock.start + timedelta(days=2)))
    worker = verifier(store, agent, clock)
    assert await worker.run_once() == []
    clock.advance(days=2)
    assert [r.call_id for r in await worker.run_once()] == [call.id]


async def test_before_date_is_rechecked_until_the_deadline_and_refuted_only_then(store: SqliteCallStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    agent = ScriptedVerifier(clock, default="refuted")
    call = store.add("alice", new_call("BTC hits 100k by tomorrow", "before_date", clock.start + timedelta(hours=3)))
    worker = verifier(store, agent, clock, notify=inbox)
    seen = [(timedelta(0), r.result) for r in await worker.run_once()]
    for _ in range(6):
        clock.advance(hours=1)
        for result in await worker.run_once():
            seen.append((clock.now - clock.start, result.result))
    assert seen == [(timedelta(0), "checked"), (timedelta(hours=1), "checked"), (timedelta(hours=2), "checked"),
                    (timedelta(hours=3), "verified")]
    stored = store.get("alice", call.id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.verdict is VerdictOutcome.REFUTED and len(inbox.events) == 1


async def test_before_date_confirms_as_soon_as_evidence_shows_it(store: SqliteCallStore) -> None:
    clock = FakeClock()
    agent = ScriptedVerifier(clock, ["inconclusive", "confirmed"])
    call = store.add("alice", new_call("Ships by March", "before_date", clock.start + timedelta(days=30)))
    worker = verifier(store, agent, clock)
    assert [r.result for r in await worker.run_once()] == ["checked"]
    clock.advance(hours=1)
    assert [r.result for r in await worker.run_once()] == ["verified"]
    schedule = store.schedule("alice", call.id)
    assert schedule is not None and schedule.next_check_at is None


async def test_recurring_calls_keep_taking_snapshots(store: SqliteCallStore) -> None:
    clock = FakeClock()
    agent = ScriptedVerifier(clock, ["confirmed", "refuted", "confirmed"])
    call = store.add("alice", new_call("Stays above 5%", "recurring", clock.start, recurring_interval="daily"))
    worker = verifier(store, agent, clock)
    outcomes = []
    for _ in range(3):
        outcomes += [r.verdict for r in await worker.run_once()]
        clock.advance(days=1)
    assert outcomes == [VerdictOutcome.CONFIRMED, VerdictOutcome.REFUTED, VerdictOutcome.CONFIRMED]
    history = store.history("alice", call.id)
    assert [h.after.verdict.verdict for h in history if h.after.verdict] == outcomes
    assert len({h.at for h in history}) == 3  # timestamped snapshots


async def test_inconclusive_and_failures_back_off_then_wait_for_the_owner(store: SqliteCallStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    agent = ScriptedVerifier(clock, ["inconclusive", "error", "inconclusive"])
    call = store.add("alice", new_call("Unknowable", "immediate", clock.start))
    worker = verifier(store, agent, clock, notify=inbox)
    assert [r.result for r in await worker.run_once()] == ["checked"]
    clock.advance(minutes=9)
    assert await worker.run_once() == []  # first retry after 10 minutes
    clock.advance(minutes=1)
    assert [r.result for r in await worker.run_once()] == ["checked"]  # the model error counts as a try
    clock.advance(minutes=19)
    assert await worker.run_once() == []  # then 20 minutes
    clock.advance(minutes=1)
    assert [r.result for r in await worker.run_once()] == ["verified"]
    stored = store.get("alice", call.id)
    assert stored is not None and stored.status is CallStatus.INCONCLUSIVE
    assert [c.id for c in store.awaiting_owner("alice", clock.now)] == [call.id]
    failed = store.history("alice", call.id)[1].after.verdict
    assert failed is not None and "The check failed: The model (scripted) failed: boom" in failed.reasoning
    assert len(inbox.events) == 1
    clock.advance(days=30)
    assert await worker.run_once() == []


async def test_human_verifiable_calls_are_never_given_to_the_agent(store: SqliteCallStore) -> None:
    clock = FakeClock()
    agent = ScriptedVerifier(clock)
    call = store.add("alice", new_call("I will enjoy the film", "at_date", clock.start + timedelta(days=1),
                                       verifiable_category="human_verifiable_only"))
    clock.advance(days=2)
    assert await verifier(store, agent, clock).run_once() == []
    assert agent.checked == []
    assert [c.id for c in store.awaiting_owner("alice", clock.now)] == [call.id]
    assert store.awaiting_owner("alice", clock.start) == []  # not before its date
    assert store.awaiting_owner("bob", clock.now) == []  # and never to someone else


async def test_each_owner_hears_only_of_their_own_calls(store: SqliteCallStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    mine = store.add("alice", new_call("a", "immediate", clock.start))
    theirs = store.add("bob", new_call("b", "immediate", clock.start))
    await verifier(store, ScriptedVerifier(clock), clock, notify=inbox).run_once()
    assert sorted((user, event.call_id) for user, event in inbox.events) == sorted(
        [("alice", mine.id), ("bob", theirs.id)])


async def test_a_check_that_raises_is_that_calls_failure_and_the_pass_goes_on(store: SqliteCallStore) -> None:
    clock, inbox = FakeClock(), Inbox()
    agent = ScriptedVerifier(clock, ["crash", "confirmed", "crash", "crash"])
    poison = store.add("mallory", new_call("(9**330)**1 is 5", "immediate", clock.start))
    fine = store.add("alice", new_call("2 + 2 is 4", "immediate", clock.start + timedelta(seconds=1)))
    worker = verifier(store, agent, clock, notify=inbox)
    results = await worker.run_once()
    assert [(r.call_id, r.result) for r in results] == [(poison.id, "checked"), (fine.id, "verified")]
    stored = store.get("mallory", poison.id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.verdict is VerdictOutcome.INCONCLUSIVE
    assert "internal error in the verifier (OverflowError)" in stored.verdict.reasoning
    assert "left for you to resolve" in stored.verdict.reasoning
    schedule = store.schedule("mallory", poison.id)  # backed off by the policy, the lease released
    assert schedule is not None and schedule.lease_worker is None
    assert schedule.next_check_at == clock.now + timedelta(seconds=POLICY.retry_seconds)
    clock.advance(seconds=POLICY.retry_seconds)
    assert [r.result for r in await worker.run_once()] == ["checked"]
    clock.advance(seconds=2 * POLICY.retry_seconds)
    assert [r.result for r in await worker.run_once()] == ["verified"]  # out of tries: the owner decides
    assert [c.id for c in store.awaiting_owner("mallory", clock.now)] == [poison.id]
    assert [user for user, _ in inbox.events] == ["alice", "mallory"]


async def test_owners_take_turns_so_one_backlog_cannot_hold_the_others_back(store: SqliteCallStore) -> None:
    clock = FakeClock()
    agent = ScriptedVerifier(clock)
    for n in range(12):
        store.add("mallory", new_call(f"m{n}", "immediate", clock.start - timedelta(minutes=30 - n)))
    for n in range(3):
        store.add("alice", new_call(f"a{n}", "immediate", clock.start))
    results = await verifier(store, agent, clock).run_once()
    assert len(results) == 15  # one pass still checks everything that is due
    assert POLICY.owner_share == 2
    # mallory's calls are all due earlier, yet alice waits two of her checks at most
    assert agent.checked == ["m0", "m1", "a0", "a1", "m2", "m3", "a2", *(f"m{n}" for n in range(4, 12))]


class FlakyStore(SqliteCallStore):
    """Fails to record one call's outcome, as a store under a transient error would."""

    broken: str = ""

    def record(self, owner: str, call: Any, change: Any, **kwargs: Any) -> Any:
        if call.id == self.broken:
            raise RuntimeError("disk I/O error")
        return super().record(owner, call, change, **kwargs)


async def test_a_check_that_cannot_be_recorded_keeps_its_lease_and_the_pass_goes_on(tmp_path: Path) -> None:
    store = FlakyStore(tmp_path / "calls.db")
    clock = FakeClock()
    first = store.add("mallory", new_call("first", "immediate", clock.start))
    second = store.add("alice", new_call("second", "immediate", clock.start + timedelta(seconds=1)))
    store.broken = first.id
    results = await verifier(store, ScriptedVerifier(clock), clock).run_once()
    assert [(r.call_id, r.result) for r in results] == [(first.id, "failed"), (second.id, "verified")]
    schedule = store.schedule("mallory", first.id)
    assert schedule is not None and schedule.lease_worker is not None  # retried once the lease expires
    store.close()
