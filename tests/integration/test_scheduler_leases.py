"""Leases on one SQLite file: two workers never verify the same call, and a crashed check is retried."""

import asyncio
import contextlib
import threading
from datetime import timedelta
from pathlib import Path

from calledit.domain.call import CallStatus
from calledit.domain.policy import Policy
from calledit.scheduler.worker import CheckResult, Verifier
from calledit.storage.sqlite import SqliteCallStore
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier, new_call, soon

CALLS = 24


def test_two_workers_on_one_database_never_verify_the_same_call(tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    clock = FakeClock()
    seed = SqliteCallStore(db)
    ids = {seed.add("alice", new_call(f"call {n}", "immediate", clock.start)).id for n in range(CALLS)}
    seed.close()
    agents = [ScriptedVerifier(clock, delay=0.005) for _ in range(2)]
    results: list[list[CheckResult]] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        store = SqliteCallStore(db)  # its own connections, as a second process would have
        worker = Verifier(store, agents[index], clock=clock, lease_seconds=60,  # type: ignore[arg-type]
                          worker=f"w{index}")
        start.wait()
        results[index] = asyncio.run(worker.run_once())
        store.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    checked = [r.call_id for worker_results in results for r in worker_results]
    assert sorted(checked) == sorted(ids)  # every call once, none twice
    assert len(agents[0].checked) + len(agents[1].checked) == CALLS
    assert all(results), "both workers took part"
    store = SqliteCallStore(db)
    assert all(len(store.history("alice", call_id)) == 1 for call_id in ids)
    store.close()


async def test_a_crash_mid_verification_is_retried_after_the_lease(tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    clock = FakeClock()
    first_store, second_store = SqliteCallStore(db), SqliteCallStore(db)
    call = first_store.add("alice", new_call("crashy", "immediate", clock.start))
    crashing = ScriptedVerifier(clock, ["hang"])
    first = Verifier(first_store, crashing, clock=clock, lease_seconds=60, worker="first")  # type: ignore[arg-type]
    run = asyncio.create_task(first.run_once())
    await asyncio.wait_for(crashing.hanging.wait(), 10)
    claim = first_store.claim_due(clock.now, "spy", 60)
    assert claim == []  # leased: nobody else may take it
    run.cancel()  # the worker dies mid-check; its lease stays behind
    with contextlib.suppress(asyncio.CancelledError):
        await run

    restarted = Verifier(second_store, ScriptedVerifier(clock, ["confirmed"]), clock=clock,  # type: ignore[arg-type]
                         lease_seconds=60, worker="second")
    assert await restarted.run_once() == []  # the lease has not expired yet
    clock.advance(seconds=61)
    (result,) = await restarted.run_once()
    assert (result.call_id, result.result) == (call.id, "verified")
    stored = second_store.get("alice", call.id)
    assert stored is not None and stored.status is CallStatus.VERIFIED

    # The first worker coming back late with an answer changes nothing: it lost the lease.
    late = first_store.record("alice", stored.model_copy(update={"status": CallStatus.VOID}), None,
                              next_check_at=None, worker="first")
    assert late is None
    again = second_store.get("alice", call.id)
    assert again is not None and again.status is CallStatus.VERIFIED
    assert [h.actor for h in second_store.history("alice", call.id)] == ["agent"]
    first_store.close()
    second_store.close()


def test_a_lease_is_exclusive_until_it_expires(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "calls.db")
    start = soon()
    call = store.add("alice", new_call("x", "immediate", start))
    assert [c.call.id for c in store.claim_due(start, "a", 30)] == [call.id]
    assert store.claim_due(start, "b", 30) == []
    assert [c.call.id for c in store.claim_due(start + timedelta(seconds=31), "b", 30)] == [call.id]
    store.close()


def test_policy_defaults_are_sane() -> None:
    policy = Policy()
    assert policy.backoff(1).total_seconds() == 900 and policy.backoff(3).total_seconds() == 3600
