"""The scheduler's part of the storage port (CallStore), one contract for SQLite and DynamoDB.

Claims are exclusive leases that expire, a claimed check only lands while its worker holds the lease,
the owner's changes always land, history keeps its order, and nothing crosses owners.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calledit.domain.call import Call, CallChange, CallState, CallStatus, Verdict, VerdictOutcome
from calledit.storage.base import CallStore
from calledit.storage.dynamodb import DynamoCallStore
from calledit.storage.sqlite import SqliteCallStore
from tests.fixtures.dynamodb import DynamoLocal
from tests.unit.scheduler.fakes import new_call

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)  # just after the stores' created_at
LATER = NOW + timedelta(days=3)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallStore]:
    if request.param == "sqlite":
        made: Any = SqliteCallStore(tmp_path / "calls.db")
    else:
        local: DynamoLocal = request.getfixturevalue("dynamodb_local")
        made = DynamoCallStore.from_url(f"dynamodb://{local.table_name()}?endpoint={local.endpoint}")
    assert isinstance(made, CallStore)
    yield made
    made.close()


def change(call: Call, action: str = "verified", actor: str = "agent", **after: Any) -> CallChange:
    return CallChange(
        id=uuid.uuid4().hex,
        call_id=call.id,
        at=NOW,
        actor=actor,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        before=CallState(status=call.status),
        after=CallState(status=after.get("status", CallStatus.VERIFIED)),
    )


def verified(call: Call) -> Call:
    verdict = Verdict(verdict=VerdictOutcome.CONFIRMED, confidence=0.9, reasoning="seen", verified_at=NOW)
    return call.model_copy(update={"status": CallStatus.VERIFIED, "verdict": verdict})


def test_add_schedules_the_first_check(store: CallStore) -> None:
    immediate = store.add("alice", new_call("now", "immediate", NOW))
    at_date = store.add("alice", new_call("later", "at_date", LATER))
    human = store.add("alice", new_call("art", "at_date", LATER, verifiable_category="human_verifiable_only"))
    first = store.schedule("alice", immediate.id)
    # an immediate call is due when logged, or at its verification date if that came first
    due = min(immediate.created_at, immediate.verification_date)
    assert first is not None and first.next_check_at == due and first.attempts == 0
    assert first.lease_worker is None and first.lease_until is None
    second = store.schedule("alice", at_date.id)
    assert second is not None and second.next_check_at == LATER
    third = store.schedule("alice", human.id)
    assert third is not None and third.next_check_at is None  # only its owner can resolve it
    assert store.schedule("alice", "nope") is None
    assert store.schedule("bob", immediate.id) is None


def test_claim_due_takes_only_due_calls_earliest_first_across_owners(store: CallStore) -> None:
    b = store.add("bob", new_call("b", "at_date", NOW + timedelta(hours=1)))
    a = store.add("alice", new_call("a", "immediate", NOW))
    store.add("alice", new_call("c", "at_date", LATER))
    claims = store.claim_due(NOW + timedelta(hours=2), "w1", 60)
    assert [(c.owner, c.call.id) for c in claims] == [("alice", a.id), ("bob", b.id)]
    assert claims[0].call == a and claims[0].attempts == 0
    assert claims[1].due_at == NOW + timedelta(hours=1)
    schedule = store.schedule("bob", b.id)
    assert schedule is not None and schedule.lease_worker == "w1"
    assert schedule.lease_until == NOW + timedelta(hours=2, seconds=60)


def test_claim_due_respects_the_limit(store: CallStore) -> None:
    for n in range(5):
        store.add("alice", new_call(f"c{n}", "immediate", NOW))
    assert len(store.claim_due(NOW, "w1", 60, limit=3)) == 3
    assert len(store.claim_due(NOW, "w2", 60, limit=3)) == 2


def test_claim_due_bounds_each_owners_share(store: CallStore) -> None:
    flood = [store.add("mallory", new_call(f"m{n}", "at_date", NOW + timedelta(minutes=n))).id for n in range(6)]
    alice = [store.add("alice", new_call(f"a{n}", "at_date", NOW + timedelta(hours=1, minutes=n))).id
             for n in range(3)]
    later = NOW + timedelta(hours=2)
    claims = store.claim_due(later, "w1", 60, limit=4, per_owner=2)
    # mallory's calls are all due earlier, but she gets two of the four; alice's take the rest, in time order
    assert [c.call.id for c in claims] == [*flood[:2], *alice[:2]]
    # an owner who had their share of a pass is passed over, however early her calls are due
    claims = store.claim_due(later, "w2", 60, limit=3, skip_owners={"mallory"})
    assert [c.call.id for c in claims] == [alice[2]]
    claims = store.claim_due(later, "w3", 60, limit=10, per_owner=1, skip_owners=())
    assert [c.call.id for c in claims] == [flood[2]]  # alice has nothing free left
    assert store.claim_due(later, "w4", 60, limit=10, skip_owners={"mallory", "alice"}) == []
    assert [c.call.id for c in store.claim_due(later, "w4", 60, limit=10)] == flood[3:]


def test_a_lease_is_exclusive_until_it_expires(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "immediate", NOW))
    assert [c.call.id for c in store.claim_due(NOW, "a", 30)] == [call.id]
    assert store.claim_due(NOW, "b", 30) == []
    assert store.claim_due(NOW + timedelta(seconds=29), "b", 30) == []
    assert [c.call.id for c in store.claim_due(NOW + timedelta(seconds=31), "b", 30)] == [call.id]


def test_two_workers_racing_never_hold_the_same_call(store: CallStore) -> None:
    ids = {store.add("alice", new_call(f"c{n}", "immediate", NOW)).id for n in range(12)}
    got: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        start.wait()
        for _ in range(6):
            got[index] += [c.call.id for c in store.claim_due(NOW, f"w{index}", 60, limit=2)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(got[0] + got[1]) == sorted(ids)  # every call once, none twice


def test_a_claimed_check_lands_only_while_the_worker_holds_the_lease(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "immediate", NOW))
    store.claim_due(NOW, "first", 30)
    store.claim_due(NOW + timedelta(seconds=31), "second", 30)  # the first worker's lease expired
    assert store.record("alice", verified(call), change(call), next_check_at=None, worker="first") is None
    assert store.history("alice", call.id) == []
    saved = store.record("alice", verified(call), change(call), next_check_at=None, worker="second")
    assert saved is not None and saved.status is CallStatus.VERIFIED and saved.updated_at > call.updated_at
    assert store.get("alice", call.id) == saved
    schedule = store.schedule("alice", call.id)
    assert schedule is not None and schedule.next_check_at is None and schedule.lease_worker is None
    assert store.claim_due(LATER, "third", 30) == []  # nothing more to check


def test_record_reschedules_and_counts_attempts(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "immediate", NOW))
    store.claim_due(NOW, "w", 600)
    retry = NOW + timedelta(minutes=15)
    checked = call.model_copy(update={"status": CallStatus.INCONCLUSIVE})
    assert store.record("alice", checked, change(call, "checked"), next_check_at=retry, attempts=1, worker="w")
    schedule = store.schedule("alice", call.id)
    assert schedule is not None and (schedule.next_check_at, schedule.attempts) == (retry, 1)
    assert schedule.lease_worker is None  # the lease is cleared
    assert store.claim_due(retry - timedelta(seconds=1), "w2", 60) == []
    (claim,) = store.claim_due(retry, "w2", 60)
    assert claim.attempts == 1 and claim.due_at == retry and claim.call.status is CallStatus.INCONCLUSIVE


def test_the_owners_changes_always_land_and_break_a_lease(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "immediate", NOW))
    store.claim_due(NOW, "w", 600)
    resolved = call.model_copy(update={"status": CallStatus.VOID})
    assert store.record("alice", resolved, change(call, "resolved", "owner", status=CallStatus.VOID),
                        next_check_at=None) is not None
    assert store.record("alice", verified(call), change(call), next_check_at=None, worker="w") is None
    stored = store.get("alice", call.id)
    assert stored is not None and stored.status is CallStatus.VOID
    with pytest.raises(KeyError):
        store.record("alice", resolved.model_copy(update={"id": "ghost"}), None, next_check_at=None)
    with pytest.raises(KeyError):
        store.record("bob", resolved, None, next_check_at=None)


def test_history_is_kept_in_order_per_owner_and_goes_with_the_call(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "recurring", NOW, recurring_interval="daily"))
    other = store.add("alice", new_call("y", "immediate", NOW))
    changes = [change(call, "checked", status=CallStatus.PENDING) for _ in range(4)]
    for entry in changes:
        store.record("alice", call, entry, next_check_at=LATER)
    store.record("alice", other, change(other), next_check_at=None)
    assert [h.id for h in store.history("alice", call.id)] == [c.id for c in changes]
    assert store.history("bob", call.id) == []
    assert store.history("alice", "nope") == []
    assert [c.id for c in store.list("alice").items] == [other.id, call.id]  # history is not listed
    assert store.delete("alice", call.id) is True
    assert store.history("alice", call.id) == []
    assert len(store.history("alice", other.id)) == 1


def test_save_keeps_the_schedule(store: CallStore) -> None:
    call = store.add("alice", new_call("x", "at_date", LATER))
    store.save("alice", call.model_copy(update={"confidence": 0.3}))
    schedule = store.schedule("alice", call.id)
    assert schedule is not None and schedule.next_check_at == LATER


def test_awaiting_owner_lists_unscheduled_open_calls_whose_date_has_come(store: CallStore) -> None:
    early = store.add("alice", new_call("early", "at_date", NOW, verifiable_category="human_verifiable_only"))
    late = store.add("alice", new_call("late", "at_date", NOW + timedelta(hours=1),
                                       verifiable_category="human_verifiable_only"))
    store.add("alice", new_call("future", "at_date", LATER, verifiable_category="human_verifiable_only"))
    store.add("alice", new_call("agent's", "at_date", NOW))  # the agent still checks this one
    done = store.add("alice", new_call("done", "at_date", NOW, verifiable_category="human_verifiable_only"))
    store.record("alice", done.model_copy(update={"status": CallStatus.VERIFIED}), None, next_check_at=None)
    store.add("bob", new_call("bob's", "at_date", NOW, verifiable_category="human_verifiable_only"))
    assert [c.id for c in store.awaiting_owner("alice", NOW + timedelta(hours=2))] == [early.id, late.id]
    assert [c.id for c in store.awaiting_owner("alice", NOW + timedelta(hours=2), limit=1)] == [early.id]
    assert store.awaiting_owner("alice", NOW - timedelta(hours=1)) == []
