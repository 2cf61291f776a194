from __future__ import annotations

import sqlite3
from pathlib import Path

from calledit.storage.sqlite import SqliteCallStore, migrations


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
    assert len(store._open) <= 2
    store.close()
