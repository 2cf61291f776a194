"""One SQLite connection per thread, for every adapter over the database file (calls, accounts).

A connection must not be used by two threads at once; one per thread needs no locking of ours and keeps
each thread's transactions its own. Worker threads come and go (anyio retires idle ones after 10 s), so
each new connection first closes those whose threads have ended: none outlives its thread for longer than
the next thread's first query. `close()` closes them all; a later `get()` opens afresh.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


def open_connection(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit: BEGIN IMMEDIATE ... COMMIT), WAL, rows by
    name, foreign keys enforced; it waits up to 30 s for another writer's lock."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class ThreadConnections:
    """The connections to one database file, one per thread that asks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[tuple[threading.Thread, sqlite3.Connection]] = []

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            self._local.conn = conn
            with self._lock:
                self._reap()
                self._open.append((threading.current_thread(), conn))
        return conn

    def count(self) -> int:
        """How many connections are open, once those of ended threads are closed."""
        with self._lock:
            self._reap()
            return len(self._open)

    def close(self) -> None:
        with self._lock:
            for _, conn in self._open:
                conn.close()
            self._open = []
        self._local = threading.local()

    def _reap(self) -> None:
        alive = []
        for thread, conn in self._open:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._open = alive
