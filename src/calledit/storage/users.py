"""The account store port (CALLEDIT_AUTH=local) and its SQLite adapter.

Users, sign-in sessions and refresh tokens. Refresh tokens arrive here already hashed: the store never
sees a usable credential. A DynamoDB adapter can implement the same `UserStore` protocol.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from calledit.domain.errors import BadRequest, ConfigurationError
from calledit.domain.timestamps import stamp, utc_now
from calledit.storage.sqlite_connections import ThreadConnections

if TYPE_CHECKING:
    from calledit.config import Settings


class UsernameTaken(BadRequest):
    pass


@dataclass(frozen=True)
class User:
    id: str
    username: str
    password_hash: str
    created_at: datetime


class Rotation(StrEnum):
    """What presenting a refresh token did."""

    ROTATED = "rotated"  # valid: replaced by the new one
    UNKNOWN = "unknown"  # never issued (or long pruned)
    EXPIRED = "expired"
    REVOKED = "revoked"  # its session was signed out
    REUSED = "reused"  # already rotated once: stolen or replayed, so the whole session is revoked
    GONE = "gone"  # its account was deleted


@dataclass(frozen=True)
class RotationResult:
    outcome: Rotation
    user_id: str | None = None
    session_id: str | None = None


@runtime_checkable
class UserStore(Protocol):
    def create_user(self, username: str, password_hash: str) -> User:
        """A new account; raises UsernameTaken (usernames are case-insensitive)."""
        ...

    def user_by_name(self, username: str) -> User | None: ...

    def user(self, user_id: str) -> User | None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    def start_session(self, user_id: str, refresh_hash: str, expires_at: datetime) -> str:
        """A new sign-in session holding its first refresh token; returns the session id."""
        ...

    def rotate_refresh(self, refresh_hash: str, new_hash: str, expires_at: datetime) -> RotationResult:
        """Atomically spend a refresh token and store its successor in the same session."""
        ...

    def session_active(self, session_id: str) -> bool:
        """The session is signed in and its account still exists."""
        ...

    def session_of(self, refresh_hash: str) -> tuple[str, str] | None:
        """(user id, session id) of a refresh token, whatever its state."""
        ...

    def revoke_session(self, session_id: str) -> bool: ...

    def revoke_user_sessions(self, user_id: str) -> int: ...

    def delete_user(self, user_id: str) -> int | None:
        """Delete the account, its sessions, refresh and personal API tokens, and every call it owns, all at
        once; returns how many calls went (None: no such account)."""
        ...

    def close(self) -> None: ...


class SqliteUserStore:
    """Accounts in the same SQLite file as the calls (migration 0002_users).

    One connection per thread, as the call store has (storage/sqlite_connections.py): a thread's connection
    is closed once the thread has ended and another thread opens one, so none outlives its thread for long."""

    def __init__(self, path: Path | str) -> None:
        from calledit.storage.sqlite import SqliteCallStore

        self.path = Path(path)
        # The file's schema belongs to the numbered migrations, which the call store applies.
        SqliteCallStore(self.path).close()
        self._connections = ThreadConnections(self.path)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, with no transaction left open after the block."""
        conn = self._connections.get()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def _one(self, sql: str, args: tuple[object, ...]) -> sqlite3.Row | None:
        with self._conn() as conn:
            row: sqlite3.Row | None = conn.execute(sql, args).fetchone()
            return row

    def _run(self, sql: str, args: tuple[object, ...]) -> int:
        """Execute a write; the number of rows it changed."""
        with self._conn() as conn:
            return conn.execute(sql, args).rowcount

    def create_user(self, username: str, password_hash: str) -> User:
        user = User(id=uuid.uuid4().hex, username=username, password_hash=password_hash, created_at=utc_now())
        try:
            self._run(
                "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (user.id, user.username, user.password_hash, stamp(user.created_at)),
            )
        except sqlite3.IntegrityError:
            raise UsernameTaken(
                f"The username {username!r} is taken: choose another, or sign in if it is yours."
            ) from None
        return user

    def user_by_name(self, username: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE username = ?", (username,))
        return _user(row) if row else None

    def user(self, user_id: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._run("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def start_session(self, user_id: str, refresh_hash: str, expires_at: datetime) -> str:
        session_id = uuid.uuid4().hex
        now = stamp(utc_now())
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO sessions VALUES (?, ?, ?, NULL)", (session_id, user_id, now))
                conn.execute(
                    "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                    (refresh_hash, session_id, user_id, stamp(expires_at), now),
                )
                # Keep the table small: a user's spent or expired tokens are no longer useful.
                conn.execute(
                    "DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at < ?", (user_id, now)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return session_id

    def rotate_refresh(self, refresh_hash: str, new_hash: str, expires_at: datetime) -> RotationResult:
        now = utc_now()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT r.user_id, r.session_id, r.expires_at, r.used_at, s.revoked_at, u.id AS account"
                    " FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id"
                    " LEFT JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?",
                    (refresh_hash,),
                ).fetchone()
                if row is None:
                    outcome = RotationResult(Rotation.UNKNOWN)
                else:
                    user_id, session_id = row["user_id"], row["session_id"]
                    if row["account"] is None:  # removed behind our back (no cascade): never mint for it
                        outcome = RotationResult(Rotation.GONE, user_id, session_id)
                    elif row["revoked_at"] is not None:
                        outcome = RotationResult(Rotation.REVOKED, user_id, session_id)
                    elif row["used_at"] is not None:
                        conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ?", (stamp(now), session_id))
                        outcome = RotationResult(Rotation.REUSED, user_id, session_id)
                    elif row["expires_at"] <= stamp(now):
                        outcome = RotationResult(Rotation.EXPIRED, user_id, session_id)
                    else:
                        conn.execute(
                            "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", (stamp(now), refresh_hash)
                        )
                        conn.execute(
                            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                            (new_hash, session_id, user_id, stamp(expires_at), stamp(now)),
                        )
                        outcome = RotationResult(Rotation.ROTATED, user_id, session_id)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return outcome

    def session_active(self, session_id: str) -> bool:
        return self._one(
            "SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.revoked_at IS NULL",
            (session_id,),
        ) is not None

    def session_of(self, refresh_hash: str) -> tuple[str, str] | None:
        row = self._one("SELECT user_id, session_id FROM refresh_tokens WHERE token_hash = ?", (refresh_hash,))
        return (row["user_id"], row["session_id"]) if row else None

    def revoke_session(self, session_id: str) -> bool:
        return self._run(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (stamp(utc_now()), session_id)
        ) > 0

    def revoke_user_sessions(self, user_id: str) -> int:
        return self._run(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            (stamp(utc_now()), user_id),
        )

    def delete_user(self, user_id: str) -> int | None:
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
                    conn.execute("ROLLBACK")
                    return None
                # Stated, not left to ON DELETE CASCADE: a file whose rows were once removed with foreign
                # keys off must not keep tokens or calls of the account.
                conn.execute("DELETE FROM call_checks WHERE owner = ?", (user_id,))
                conn.execute("DELETE FROM call_history WHERE owner = ?", (user_id,))
                calls = conn.execute("DELETE FROM calls WHERE owner = ?", (user_id,)).rowcount
                conn.execute("DELETE FROM refresh_tokens WHERE user_id = ?", (user_id,))
                conn.execute("DELETE FROM api_tokens WHERE owner = ?", (user_id,))
                conn.execute("DELETE FROM public_profiles WHERE owner = ?", (user_id,))  # its name is free again
                conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
                conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return calls

    def connections(self) -> int:
        """Open connections, once those of ended threads are closed (for tests: they do not pile up)."""
        return self._connections.count()

    def close(self) -> None:
        self._connections.close()


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        password_hash=row["password_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def build_user_store(settings: Settings) -> UserStore:
    """Where local accounts live: the SQLite database (a DynamoDB adapter can follow the same port)."""
    if settings.db and settings.db.startswith("dynamodb://"):
        raise ConfigurationError(
            "Local accounts (CALLEDIT_AUTH=local) are stored in SQLite: with CALLEDIT_DB=dynamodb://... use "
            "CALLEDIT_AUTH=oidc (a Cognito user pool) instead."
        )
    return SqliteUserStore(settings.sqlite_path())
