"""SQLite adapter: WAL mode, numbered migrations, one connection per thread."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from calledit.domain.call import Call, CallCreate, CallPage
from calledit.storage.base import check_limit, decode_cursor, encode_cursor, new_call

MIGRATIONS_PACKAGE = "calledit.storage.migrations"


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(number), name, entry.read_text()))
    return sorted(found)


def _stamp(value: datetime) -> str:
    """Sortable UTC text for the index columns."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class SqliteCallStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self.migrate()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all = [*getattr(self, "_all", []), conn]
        return conn

    def migrate(self) -> int:
        """Apply pending migrations; returns the schema version."""
        conn = self._conn()
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for number, name, sql in migrations():
            if number in done:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (number,)).fetchone():
                    conn.execute("ROLLBACK")  # another process got there first
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (number, name, datetime.now(UTC).isoformat()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def add(self, owner: str, call: CallCreate) -> Call:
        stored = new_call(call)
        self._conn().execute(
            "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stored.id,
                owner,
                stored.status.value,
                stored.verification_mode.value,
                _stamp(stored.verification_date),
                _stamp(stored.created_at),
                _stamp(stored.updated_at),
                stored.model_dump_json(),
            ),
        )
        return stored

    def get(self, owner: str, call_id: str) -> Call | None:
        row = self._conn().execute(
            "SELECT document FROM calls WHERE id = ? AND owner = ?", (call_id, owner)
        ).fetchone()
        return Call.model_validate_json(row[0]) if row else None

    def list(self, owner: str, limit: int = 20, cursor: str | None = None) -> CallPage:
        check_limit(limit)
        sql = "SELECT document, created_at, id FROM calls WHERE owner = ?"
        args: list[object] = [owner]
        if cursor:
            created_at, call_id = decode_cursor(cursor)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            args += [created_at, created_at, call_id]
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = self._conn().execute(sql, [*args, limit + 1]).fetchall()
        items = [Call.model_validate_json(row[0]) for row in rows[:limit]]
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        return CallPage(items=items, next_cursor=encode_cursor(last[1], last[2]) if last else None)

    def delete(self, owner: str, call_id: str) -> bool:
        cur = self._conn().execute("DELETE FROM calls WHERE id = ? AND owner = ?", (call_id, owner))
        return cur.rowcount > 0

    def save(self, owner: str, call: Call) -> Call:
        stored = call.model_copy(update={"updated_at": datetime.now(UTC)})
        cur = self._conn().execute(
            "UPDATE calls SET status = ?, verification_mode = ?, verification_date = ?, updated_at = ?,"
            " document = ? WHERE id = ? AND owner = ?",
            (
                stored.status.value,
                stored.verification_mode.value,
                _stamp(stored.verification_date),
                _stamp(stored.updated_at),
                stored.model_dump_json(),
                stored.id,
                owner,
            ),
        )
        if cur.rowcount == 0:
            raise KeyError(call.id)
        return stored

    def close(self) -> None:
        with self._lock:
            for conn in getattr(self, "_all", []):
                conn.close()
            self._all = []
        self._local = threading.local()
