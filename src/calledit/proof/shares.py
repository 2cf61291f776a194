"""Shared calls: an unguessable slug per call, and what its public page may show.

A slug is 128 random bits (`secrets.token_urlsafe(16)`); it says nothing about the call or its owner.
Unsharing deletes the row, so the page answers 404 from the next request on; sharing again makes a new slug.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

SLUG_BYTES = 16
# What a public page (and its proof) discloses of a call; the owner's confidence only when they chose to.
PUBLIC_FIELDS = ("prediction_statement", "verification_method", "verification_date", "created_at", "status",
                 "verdict")
CONFIDENCE_FIELD = "confidence"


@dataclass(frozen=True)
class Share:
    slug: str
    call_id: str
    owner: str
    show_confidence: bool
    created_at: datetime

    def disclosed(self) -> tuple[str, ...]:
        return (*PUBLIC_FIELDS, CONFIDENCE_FIELD) if self.show_confidence else PUBLIC_FIELDS


class Shares(Protocol):
    def share(self, owner: str, call_id: str, show_confidence: bool) -> Share | None:
        """Share the owner's call (or update how), keeping its slug; None when the owner has no such call."""
        ...

    def unshare(self, owner: str, call_id: str) -> bool: ...

    def of_call(self, owner: str, call_id: str) -> Share | None: ...

    def by_slug(self, slug: str) -> Share | None: ...


def new_slug() -> str:
    return secrets.token_urlsafe(SLUG_BYTES)


class SqliteShares:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.connect = connect

    def share(self, owner: str, call_id: str, show_confidence: bool) -> Share | None:
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM calls WHERE id = ? AND owner = ?", (call_id, owner)).fetchone() is None:
                conn.execute("ROLLBACK")
                return None
            conn.execute(
                "INSERT INTO call_shares (slug, call_id, owner, show_confidence, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (call_id) DO UPDATE SET show_confidence = excluded.show_confidence",
                (new_slug(), call_id, owner, int(show_confidence), datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return self.of_call(owner, call_id)

    def unshare(self, owner: str, call_id: str) -> bool:
        cur = self.connect().execute("DELETE FROM call_shares WHERE call_id = ? AND owner = ?", (call_id, owner))
        return cur.rowcount > 0

    def of_call(self, owner: str, call_id: str) -> Share | None:
        return self._one("SELECT * FROM call_shares WHERE call_id = ? AND owner = ?", (call_id, owner))

    def by_slug(self, slug: str) -> Share | None:
        if not 0 < len(slug) <= 64:
            return None
        return self._one("SELECT * FROM call_shares WHERE slug = ?", (slug,))

    def _one(self, sql: str, args: tuple[str, ...]) -> Share | None:
        row = self.connect().execute(sql, args).fetchone()
        if row is None:
            return None
        return Share(slug=row["slug"], call_id=row["call_id"], owner=row["owner"],
                     show_confidence=bool(row["show_confidence"]), created_at=datetime.fromisoformat(row["created_at"]))
