"""The scheduler's part of the CallStore port in SQLite: scheduling on add, record semantics, history, the migration."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from calledit.domain.call import CallStatus
from calledit.domain.history import change
from calledit.storage.base import CallStore
from calledit.storage.sqlite import SqliteCallStore, migrations
from tests.unit.scheduler.fakes import new_call, soon


@pytest.fixture
def store(tmp_path: Path) -> SqliteCallStore:
    return SqliteCallStore(tmp_path / "calls.db")


def test_sqlite_implements_the_whole_port(store: SqliteCallStore) -> None:
    assert isinstance(store, CallStore)


def test_add_schedules_the_first_check_by_mode(store: SqliteCallStore) -> None:
    now = soon()
    later = now + timedelta(days=5)
    at = store.add("alice", new_call("a", "at_date", later))
    human = store.add("alice", new_call("h", "at_date", later, verifiable_category="human_verifiable_only"))
    immediate = store.add("alice", new_call("i", "immediate", later))
    made_earlier = store.add("alice", new_call("j", "immediate", now - timedelta(hours=1)))
    assert store.schedule("alice", at.id).next_check_at == later  # type: ignore[union-attr]
    assert store.schedule("alice", human.id).next_check_at is None  # type: ignore[union-attr]
    assert store.schedule("alice", immediate.id).next_check_at == immediate.created_at  # type: ignore[union-attr]
    assert store.schedule("alice", made_earlier.id).next_check_at == now - timedelta(hours=1)  # type: ignore[union-attr]
    assert store.schedule("bob", at.id) is None  # another owner sees nothing


def test_record_without_a_worker_breaks_the_lease_and_keeps_history(store: SqliteCallStore) -> None:
    now = soon()
    call = store.add("alice", new_call("x", "immediate", now))
    (claim,) = store.claim_due(now + timedelta(seconds=1), "w1", 60)
    voided = call.model_copy(update={"status": CallStatus.VOID})
    entry = change(call, voided, at=now, actor="owner", action="resolved", next_before=claim.due_at, next_after=None)
    store.record("alice", voided, entry, next_check_at=None)
    assert store.record("alice", call, None, next_check_at=now, worker="w1") is None  # the lease is gone
    stored = store.get("alice", call.id)
    assert stored is not None and stored.status is CallStatus.VOID
    assert [h.id for h in store.history("alice", call.id)] == [entry.id]
    assert store.history("bob", call.id) == []
    with pytest.raises(KeyError):
        store.record("bob", voided, None, next_check_at=None)  # not bob's call


def test_deleting_a_call_deletes_its_schedule_and_history(store: SqliteCallStore) -> None:
    now = soon()
    call = store.add("alice", new_call("x", "immediate", now))
    entry = change(call, call, at=now, actor="owner", action="confidence", next_before=None, next_after=None)
    store.record("alice", call, entry, next_check_at=None)
    assert store.delete("alice", call.id)
    assert store.history("alice", call.id) == [] and store.schedule("alice", call.id) is None
    assert store.claim_due(now + timedelta(days=1), "w", 60) == []


def test_the_migration_schedules_calls_logged_before_it(tmp_path: Path) -> None:
    now = soon()
    path = tmp_path / "old.db"
    old = SqliteCallStore(path)
    call = old.add("alice", new_call("old", "at_date", now + timedelta(days=1)))
    old.close()
    # Rewind to schema 2: as a database from before this feature.
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE call_checks; DROP TABLE call_history; DELETE FROM schema_migrations WHERE version = 3;"
    )
    conn.close()
    upgraded = SqliteCallStore(path)
    assert upgraded.migrate() == max(number for number, _, _ in migrations())
    schedule = upgraded.schedule("alice", call.id)
    assert schedule is not None and schedule.next_check_at == call.verification_date
    upgraded.close()
