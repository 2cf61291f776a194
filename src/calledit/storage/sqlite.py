"""SQLite adapter: WAL mode, numbered migrations, one connection per thread (storage/sqlite_connections.py)."""

from __future__ import annotations

import builtins
import json
import sqlite3
import uuid
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from calledit.domain.call import Call, CallChange, CallCreate, CallPage, CallStatus, VerdictOutcome
from calledit.domain.outcomes import CallViewPage, Outcome, view
from calledit.domain.policy import first_check_at
from calledit.domain.queries import CallQuery, Sort
from calledit.domain.timestamps import parse_stamp, stamp, utc_now
from calledit.storage.base import (
    ApiToken,
    CheckSchedule,
    Claim,
    StoredCall,
    check_limit,
    decode_cursor,
    decode_sort_cursor,
    encode_cursor,
    encode_sort_cursor,
    import_key_of,
    native_id,
    new_call,
)
from calledit.storage.hooks import CallWrite, SqliteWriteHook
from calledit.storage.sqlite_connections import ThreadConnections

MIGRATIONS_PACKAGE = "calledit.storage.migrations"
_CALL_COLUMNS = "id, owner, status, verification_mode, verification_date, created_at, updated_at, document, import_key"
EXPORT_PAGE = 200


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            found.append((int(number), name, entry.read_text()))
    return sorted(found)


def statements(sql: str) -> list[str]:
    """A migration script's statements, each whole: SQLite's own `complete_statement` decides where one
    ends, so a trigger's body (and a semicolon in a comment or a string) does not split it."""
    found: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current)
            current = ""
    if any(line.strip() and not line.strip().startswith("--") for line in current.splitlines()):
        raise ValueError(f"a migration ends in an unfinished statement (a missing ';'?): {current.strip()[:200]}")
    return found


class SqliteCallStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connections = ThreadConnections(self.path)
        self.hooks: list[SqliteWriteHook] = []  # run inside each call write's transaction (storage/hooks.py)
        self.migrate()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for the modules that keep their tables in this database (proof/, notify/)."""
        return self._conn()

    def _run_hooks(self, conn: sqlite3.Connection, write: CallWrite) -> None:
        for hook in self.hooks:
            hook.on_write(conn, write)

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

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
                for statement in statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (number, name, utc_now().isoformat()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def add(self, owner: str, call: CallCreate) -> Call:
        stored = new_call(call)
        first = first_check_at(stored, stored.created_at)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the call and its first check land together
        try:
            self._insert(conn, owner, stored, None)
            conn.execute(
                "INSERT INTO call_checks (call_id, owner, next_check_at) VALUES (?, ?, ?)",
                (stored.id, owner, stamp(first) if first else None),
            )
            self._run_hooks(conn, CallWrite(owner, stored, None, added=True, next_check_at=first))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return stored

    @staticmethod
    def _insert(conn: sqlite3.Connection, owner: str, call: Call, import_key: str | None) -> None:
        conn.execute(
            f"INSERT INTO calls ({_CALL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                call.id,
                owner,
                call.status.value,
                call.verification_mode.value,
                stamp(call.verification_date),
                stamp(call.created_at),
                stamp(call.updated_at),
                call.model_dump_json(),
                import_key,
            ),
        )

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
        stored = call.model_copy(update={"updated_at": utc_now()})
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the call and what its hooks write land together
        try:
            cur = conn.execute(
                "UPDATE calls SET status = ?, verification_mode = ?, verification_date = ?, updated_at = ?,"
                " document = ? WHERE id = ? AND owner = ?",
                (
                    stored.status.value,
                    stored.verification_mode.value,
                    stamp(stored.verification_date),
                    stamp(stored.updated_at),
                    stored.model_dump_json(),
                    stored.id,
                    owner,
                ),
            )
            if cur.rowcount == 0:
                raise KeyError(call.id)
            self._run_hooks(conn, CallWrite(owner, stored, None, schedule_known=False))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return stored

    # --- verification -------------------------------------------------------------------------------

    def claim_due(
        self,
        now: datetime,
        worker: str,
        lease_seconds: float,
        limit: int = 10,
        *,
        per_owner: int | None = None,
        skip_owners: Collection[str] = (),
    ) -> builtins.list[Claim]:
        conn = self._conn()
        at, until = stamp(now), stamp(now + timedelta(seconds=lease_seconds))
        conn.execute("BEGIN IMMEDIATE")  # one writer at a time: two workers cannot read the same free lease
        try:
            # Rank each owner's free due checks by time, keep each owner's first `per_owner`, then the earliest
            # `limit` of those; only the chosen calls' documents are read.
            rows = conn.execute(
                "WITH due AS (SELECT call_id, owner, next_check_at, attempts,"
                " ROW_NUMBER() OVER (PARTITION BY owner ORDER BY next_check_at) AS turn FROM call_checks"
                " WHERE next_check_at IS NOT NULL AND next_check_at <= ? AND (lease_until IS NULL OR lease_until <= ?)"
                " AND owner NOT IN (SELECT value FROM json_each(?))),"
                " chosen AS (SELECT * FROM due WHERE turn <= ? ORDER BY next_check_at LIMIT ?)"
                " SELECT k.call_id, k.owner, k.next_check_at, k.attempts, c.document FROM chosen k"
                " JOIN calls c ON c.id = k.call_id ORDER BY k.next_check_at",
                (at, at, json.dumps(sorted(skip_owners)), limit if per_owner is None else per_owner, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE call_checks SET lease_worker = ?, lease_until = ? WHERE call_id = ?",
                [(worker, until, row[0]) for row in rows],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return [
            Claim(row[1], Call.model_validate_json(row[4]), datetime.fromisoformat(row[2]), int(row[3]))
            for row in rows
        ]

    def record(
        self,
        owner: str,
        call: Call,
        change: CallChange | None,
        *,
        next_check_at: datetime | None,
        attempts: int = 0,
        worker: str | None = None,
    ) -> Call | None:
        conn = self._conn()
        stored = call.model_copy(update={"updated_at": utc_now()})
        conn.execute("BEGIN IMMEDIATE")
        try:
            if worker is not None:
                row = conn.execute(
                    "SELECT lease_worker FROM call_checks WHERE call_id = ? AND owner = ?", (call.id, owner)
                ).fetchone()
                if row is None or row[0] != worker:
                    conn.execute("ROLLBACK")
                    return None
            updated = conn.execute(
                # the indexed columns follow the document (an edit before verification may move the date)
                "UPDATE calls SET status = ?, verification_mode = ?, verification_date = ?, updated_at = ?,"
                " document = ? WHERE id = ? AND owner = ?",
                (stored.status.value, stored.verification_mode.value, stamp(stored.verification_date),
                 stamp(stored.updated_at), stored.model_dump_json(), call.id, owner),
            )
            if updated.rowcount == 0:
                conn.execute("ROLLBACK")
                if worker is not None:
                    return None
                raise KeyError(call.id)
            conn.execute(
                "INSERT OR REPLACE INTO call_checks (call_id, owner, next_check_at, attempts, lease_worker,"
                " lease_until) VALUES (?, ?, ?, ?, NULL, NULL)",
                (call.id, owner, stamp(next_check_at) if next_check_at else None, attempts),
            )
            if change is not None:
                conn.execute(
                    "INSERT INTO call_history (id, call_id, owner, at, document) VALUES (?, ?, ?, ?, ?)",
                    (change.id, call.id, owner, stamp(change.at), change.model_dump_json()),
                )
            self._run_hooks(conn, CallWrite(owner, stored, change, next_check_at=next_check_at))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return stored

    def history(self, owner: str, call_id: str) -> builtins.list[CallChange]:
        rows = self._conn().execute(
            "SELECT document FROM call_history WHERE call_id = ? AND owner = ? ORDER BY seq", (call_id, owner)
        ).fetchall()
        return [CallChange.model_validate_json(row[0]) for row in rows]

    def schedule(self, owner: str, call_id: str) -> CheckSchedule | None:
        row = self._conn().execute(
            "SELECT next_check_at, attempts, lease_worker, lease_until FROM call_checks"
            " WHERE call_id = ? AND owner = ?",
            (call_id, owner),
        ).fetchone()
        if row is None:
            return None
        return CheckSchedule(parse_stamp(row[0]), int(row[1]), row[2], parse_stamp(row[3]))

    def awaiting_owner(self, owner: str, now: datetime, limit: int = 100) -> builtins.list[Call]:
        rows = self._conn().execute(
            "SELECT c.document FROM calls c LEFT JOIN call_checks k ON k.call_id = c.id"
            " WHERE c.owner = ? AND c.status IN (?, ?) AND k.next_check_at IS NULL"
            " AND c.verification_date <= ? ORDER BY c.verification_date, c.id LIMIT ?",
            (owner, CallStatus.PENDING.value, CallStatus.INCONCLUSIVE.value, stamp(now), limit),
        ).fetchall()
        return [Call.model_validate_json(row[0]) for row in rows]

    # --- the tracker: search, filters, pages, calls in and out ----------------------------------------

    def find(self, owner: str, query: CallQuery, now: datetime) -> CallViewPage:
        check_limit(query.limit)
        column = "c.verification_date" if query.sort is Sort.DUE else "c.created_at"
        order = "DESC" if query.sort is Sort.NEWEST else "ASC"
        where: builtins.list[str] = ["c.owner = ?"]
        args: builtins.list[object] = [owner]
        if query.query_words:  # words only (letters and digits): nothing of FTS5's query syntax gets through
            where.append("c.id IN (SELECT s.call_id FROM calls_fts f JOIN call_search s ON s.rowid = f.rowid"
                         " WHERE calls_fts MATCH ?)")
            args.append(" ".join(f'"{word}"*' for word in query.query_words))
        for tag in query.tags:
            where.append("EXISTS (SELECT 1 FROM call_tags t WHERE t.call_id = c.id AND t.tag = ?)")
            args.append(tag)
        if query.statuses:
            clauses = []
            for wanted in query.statuses:
                clause, values = _status_clause(wanted, stamp(now))
                clauses.append(clause)
                args += values
            where.append("(" + " OR ".join(clauses) + ")")
        if query.due_before is not None:
            where.append("c.verification_date < ?")
            args.append(stamp(query.due_before))
        if query.due_after is not None:
            where.append("c.verification_date >= ?")
            args.append(stamp(query.due_after))
        if query.category is not None:
            where.append("c.category = ?")
            args.append(query.category.value)
        if query.cursor:
            key, call_id = decode_sort_cursor(query.cursor, query.sort)
            beyond = "<" if order == "DESC" else ">"
            where.append(f"({column} {beyond} ? OR ({column} = ? AND c.id {beyond} ?))")
            args += [key, key, call_id]
        rows = self._conn().execute(
            f"SELECT c.document, {column}, c.id, k.next_check_at FROM calls c"
            " LEFT JOIN call_checks k ON k.call_id = c.id"
            f" WHERE {' AND '.join(where)} ORDER BY {column} {order}, c.id {order} LIMIT ?",
            [*args, query.limit + 1],
        ).fetchall()
        items = [view(Call.model_validate_json(row[0]), parse_stamp(row[3]), now) for row in rows[: query.limit]]
        last = rows[query.limit - 1] if len(rows) > query.limit else None
        return CallViewPage(items=items, next_cursor=encode_sort_cursor(query.sort, last[1], last[2]) if last else None)

    def import_call(
        self, owner: str, call: Call, history: builtins.list[CallChange], import_key: str,
        next_check_at: datetime | None,
    ) -> bool:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute(
                "SELECT 1 FROM calls WHERE owner = ? AND (import_key = ? OR id = ?)",
                (owner, import_key, native_id(import_key)),
            ).fetchone():
                conn.execute("ROLLBACK")
                return False
            self._insert(conn, owner, call, import_key)
            conn.execute(
                "INSERT INTO call_checks (call_id, owner, next_check_at) VALUES (?, ?, ?)",
                (call.id, owner, stamp(next_check_at) if next_check_at else None),
            )
            conn.executemany(
                "INSERT INTO call_history (id, call_id, owner, at, document) VALUES (?, ?, ?, ?, ?)",
                [(entry.id, call.id, owner, stamp(entry.at), entry.model_dump_json()) for entry in history],
            )
            self._run_hooks(conn, CallWrite(owner, call, None, added=True, next_check_at=next_check_at, imported=True))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return True

    def export_calls(self, owner: str) -> Iterator[StoredCall]:
        after: tuple[str, str] | None = None
        while True:
            sql = ("SELECT c.document, c.created_at, c.id, c.import_key, k.next_check_at FROM calls c"
                   " LEFT JOIN call_checks k ON k.call_id = c.id WHERE c.owner = ?")
            args: builtins.list[object] = [owner]
            if after is not None:
                sql += " AND (c.created_at < ? OR (c.created_at = ? AND c.id < ?))"
                args += [after[0], after[0], after[1]]
            rows = self._conn().execute(
                sql + " ORDER BY c.created_at DESC, c.id DESC LIMIT ?", [*args, EXPORT_PAGE]
            ).fetchall()
            if not rows:
                return
            history: dict[str, builtins.list[CallChange]] = {}
            for entry in self._conn().execute(
                "SELECT call_id, document FROM call_history WHERE owner = ? AND call_id IN"
                " (SELECT value FROM json_each(?)) ORDER BY seq",
                (owner, json.dumps([row[2] for row in rows])),
            ):
                history.setdefault(entry[0], []).append(CallChange.model_validate_json(entry[1]))
            for row in rows:
                yield StoredCall(Call.model_validate_json(row[0]), history.get(row[2], []),
                                 import_key_of(row[2], row[3]), parse_stamp(row[4]))
            after = (rows[-1][1], rows[-1][2])

    # --- personal API tokens ------------------------------------------------------------------------

    def add_token(self, owner: str, name: str, token_hash: str, hint: str, expires_at: datetime | None) -> ApiToken:
        token = ApiToken(uuid.uuid4().hex, owner, name, hint, utc_now(), expires_at, None)
        self._conn().execute(
            "INSERT INTO api_tokens (id, owner, name, token_hash, hint, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (token.id, owner, name, token_hash, hint, stamp(token.created_at),
             stamp(expires_at) if expires_at else None),
        )
        return token

    def tokens(self, owner: str) -> builtins.list[ApiToken]:
        rows = self._conn().execute(
            "SELECT * FROM api_tokens WHERE owner = ? ORDER BY created_at, id", (owner,)
        ).fetchall()
        return [_token(row) for row in rows]

    def delete_token(self, owner: str, token_id: str) -> bool:
        return self._conn().execute(
            "DELETE FROM api_tokens WHERE id = ? AND owner = ?", (token_id, owner)
        ).rowcount > 0

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._conn().execute("SELECT * FROM api_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
        return _token(row) if row else None

    def token_used(self, token: ApiToken, token_hash: str, at: datetime) -> None:
        self._conn().execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (stamp(at), token.id))

    def close(self) -> None:
        self._connections.close()


def _token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        hint=row["hint"],
        created_at=datetime.fromisoformat(row["created_at"]),
        expires_at=parse_stamp(row["expires_at"]),
        last_used_at=parse_stamp(row["last_used_at"]),
    )


# Open = pending or inconclusive: a verified call always carries a decided verdict (the scheduler and the
# owner's resolutions only verify with one; imports refuse anything else), so the verdict, which is read
# from the document, is looked at only to tell called it from missed it.
_OPEN = "c.status IN ('pending', 'inconclusive')"
_YOURS = "(k.next_check_at IS NULL AND c.verification_date <= ?)"


def _status_clause(wanted: CallStatus | Outcome, now: str) -> tuple[str, builtins.list[object]]:
    """SQL for one status filter: a stored status, or an outcome as domain/outcomes.py defines it."""
    if wanted is Outcome.CALLED_IT:
        return "(c.status = 'verified' AND c.verdict = ?)", [VerdictOutcome.CONFIRMED.value]
    if wanted is Outcome.MISSED_IT:
        return "(c.status = 'verified' AND c.verdict = ?)", [VerdictOutcome.REFUTED.value]
    if wanted is Outcome.WAITING_FOR_YOU:
        return f"({_OPEN} AND {_YOURS})", [now]
    if wanted is Outcome.CHECKING:
        return f"({_OPEN} AND NOT {_YOURS})", [now]
    return "c.status = ?", [CallStatus(wanted.value).value]
