from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calledit.domain.queries import CallQuery
from calledit.storage import sqlite as module
from calledit.storage.sqlite import SqliteCallStore, migrations, statements


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    numbers = [number for number, _, _ in migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
    store = SqliteCallStore(tmp_path / "calls.db")
    assert store.migrate() == numbers[-1]
    again = SqliteCallStore(tmp_path / "calls.db")  # reopening applies nothing twice
    assert again.migrate() == numbers[-1]
    rows = sqlite3.connect(tmp_path / "calls.db").execute("SELECT version FROM schema_migrations").fetchall()
    assert [r[0] for r in rows] == numbers
    store.close()
    again.close()


def test_wal_mode(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "calls.db")
    mode = store._conn().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_connections_of_finished_threads_are_closed(tmp_path: Path) -> None:
    import threading

    store = SqliteCallStore(tmp_path / "calls.db")
    for _ in range(5):
        worker = threading.Thread(target=lambda: store.list("someone"))
        worker.start()
        worker.join()
    store.list("someone")  # a new connection in this thread prunes the dead threads' ones
    assert len(store._connections._open) <= 2  # this thread's and the last worker's
    store.close()


def test_a_migration_splits_into_whole_statements_triggers_and_comments_included() -> None:
    script = (
        "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO b VALUES (new.x);\n  DELETE FROM c;\nEND;\n"
        "INSERT INTO a VALUES ('semi;colon');\n-- trailing words\n"
    )
    found = statements(script)
    assert len(found) == 3  # split(";") made 7 pieces of these three, and broke the trigger
    assert "DELETE FROM c;\nEND;" in found[1] and "'semi;colon'" in found[2]
    with pytest.raises(ValueError, match="unfinished statement"):
        statements("CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT)\n")


def test_calls_logged_before_the_tracker_migration_are_searchable(tmp_path: Path) -> None:
    """0004 indexes the calls already there; its triggers keep every later write in step."""
    path = tmp_path / "calls.db"
    before = [m for m in migrations() if m[0] < 4]
    original = module.migrations
    module.migrations = lambda: before  # type: ignore[assignment]
    try:
        old = SqliteCallStore(path)
        conn = old._conn()
        conn.execute(
            "INSERT INTO calls VALUES ('c1', 'alice', 'pending', 'at_date', '2026-12-01T00:00:00.000000+00:00',"
            " '2026-11-01T00:00:00.000000+00:00', '2026-11-01T00:00:00.000000+00:00', ?)",
            (_old_document(),),
        )
        old.close()
    finally:
        module.migrations = original
    store = SqliteCallStore(path)
    now = datetime(2026, 11, 2, tzinfo=UTC)
    assert [c.id for c in store.find("alice", CallQuery(q="lakers"), now).items] == ["c1"]
    assert store.find("alice", CallQuery(), now).items[0].tags == []
    store.close()


def _old_document() -> str:
    return json.dumps({
        "id": "c1", "raw_prompt": "Lakers tonight", "prediction_statement": "The Lakers win tonight.",
        "verification_date": "2026-12-01T00:00:00Z", "date_reasoning": "d", "verification_mode": "at_date",
        "verifiable_category": "api_tool_verifiable", "category_reasoning": "c", "verifiability_score": 0.5,
        "verification_method": {"source": ["s"], "criteria": ["c"], "steps": ["s"]}, "initial_status": "pending",
        "timezone": "UTC", "model": "m", "status": "pending", "confidence": None, "verdict": None,
        "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
    })
