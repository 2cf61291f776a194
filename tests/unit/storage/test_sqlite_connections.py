"""One SQLite connection per thread: each thread has its own, and an ended thread's is closed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from calledit.storage.sqlite_connections import ThreadConnections


def connection_in_a_thread(connections: ThreadConnections) -> sqlite3.Connection:
    got: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: got.append(connections.get()))
    thread.start()
    thread.join()
    return got[0]


def test_a_thread_keeps_its_connection_and_another_thread_has_its_own(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "a.db")
    mine = connections.get()
    assert connections.get() is mine
    assert connection_in_a_thread(connections) is not mine
    assert mine.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert mine.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    connections.close()


def test_an_ended_threads_connection_is_closed_when_another_is_opened(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "a.db")
    ended = connection_in_a_thread(connections)
    ended.execute("SELECT 1")  # still open: nothing has reaped it yet
    connections.get()  # this thread's first connection closes what ended threads left
    with pytest.raises(sqlite3.ProgrammingError):
        ended.execute("SELECT 1")
    for _ in range(10):
        connection_in_a_thread(connections)
    assert connections.count() == 1  # this thread's only
    connections.close()


def test_close_closes_every_thread_s_connection_and_a_later_use_reopens(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "a.db")
    mine = connections.get()
    connections.close()
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")
    assert connections.get().execute("SELECT 1").fetchone()[0] == 1
    connections.close()

