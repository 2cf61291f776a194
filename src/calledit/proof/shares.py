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
from typing import Any, Protocol

from calledit.storage.base import CallStore
from calledit.storage.hooks import CallWrite

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

    def shared_by(self, owner: str) -> list[Share]:
        """Every call the owner shares, most recently shared first (a public track record lists them)."""
        ...


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

    def shared_by(self, owner: str) -> list[Share]:
        rows = self.connect().execute(
            "SELECT * FROM call_shares WHERE owner = ? ORDER BY created_at DESC, slug", (owner,)).fetchall()
        return [_row(row) for row in rows]

    def _one(self, sql: str, args: tuple[str, ...]) -> Share | None:
        row = self.connect().execute(sql, args).fetchone()
        return _row(row) if row is not None else None


def _row(row: sqlite3.Row) -> Share:
    return Share(slug=row["slug"], call_id=row["call_id"], owner=row["owner"],
                 show_confidence=bool(row["show_confidence"]), created_at=datetime.fromisoformat(row["created_at"]))


class DynamoShares:
    """Shares in the DynamoDB calls table, partition `#share`: `slug#<slug>` (what a page reads), `call#<call id>`
    (what the owner's routes read) and `by#<owner>#<call id>` (what a public track record lists), written
    together. Deleting the call unshares it. (A share made before `by#` items existed is listed once it is
    shared again.)"""

    PARTITION = "#share"

    def __init__(self, table: str, client: Any, calls: CallStore) -> None:
        self.table = table
        self.client = client
        self.calls = calls

    def _key(self, name: str) -> dict[str, Any]:
        return {"owner": {"S": self.PARTITION}, "id": {"S": name}}

    def _get(self, name: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(TableName=self.table, Key=self._key(name),
                                                           ConsistentRead=True).get("Item")
        return item

    def share(self, owner: str, call_id: str, show_confidence: bool) -> Share | None:
        if self.calls.get(owner, call_id) is None:
            return None
        current = self.of_call(owner, call_id)
        slug = current.slug if current else new_slug()
        created = current.created_at if current else datetime.now(UTC)
        fields = {"call_id": {"S": call_id}, "call_owner": {"S": owner}, "slug": {"S": slug},
                  "show_confidence": {"BOOL": show_confidence}, "created_at": {"S": created.isoformat()}}
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": {**self._key(f"slug#{slug}"), **fields}}},
            {"Put": {"TableName": self.table, "Item": {**self._key(f"call#{call_id}"), **fields}}},
            {"Put": {"TableName": self.table, "Item": {**self._key(f"by#{owner}#{call_id}"), **fields}}},
        ])
        return self.of_call(owner, call_id)

    def unshare(self, owner: str, call_id: str) -> bool:
        current = self.of_call(owner, call_id)
        if current is None:
            return False
        self.client.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self.table, "Key": self._key(f"slug#{current.slug}")}},
            {"Delete": {"TableName": self.table, "Key": self._key(f"call#{call_id}")}},
            {"Delete": {"TableName": self.table, "Key": self._key(f"by#{owner}#{call_id}")}},
        ])
        return True

    def of_call(self, owner: str, call_id: str) -> Share | None:
        share = _share(self._get(f"call#{call_id}"))
        return share if share is not None and share.owner == owner else None

    def by_slug(self, slug: str) -> Share | None:
        if not 0 < len(slug) <= 64:
            return None
        return _share(self._get(f"slug#{slug}"))

    def shared_by(self, owner: str) -> list[Share]:
        found: list[Share] = []
        start: dict[str, Any] | None = None
        while True:
            page = self.client.query(
                TableName=self.table, ConsistentRead=True,
                KeyConditionExpression="#owner = :partition AND begins_with(id, :prefix)",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":partition": {"S": self.PARTITION}, ":prefix": {"S": f"by#{owner}#"}},
                **({"ExclusiveStartKey": start} if start else {}),
            )
            found.extend(share for item in page.get("Items", []) if (share := _share(item)) is not None
                         and share.owner == owner)
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(found, key=lambda share: share.created_at, reverse=True)

    # the DynamoDB adapter's write hook: nothing to write with a call, and a deleted call is unshared
    def transact_items(self, write: CallWrite) -> list[dict[str, Any]]:
        return []

    def on_delete(self, owner: str, call_id: str) -> None:
        self.unshare(owner, call_id)


def _share(item: dict[str, Any] | None) -> Share | None:
    if item is None:
        return None
    return Share(slug=item["slug"]["S"], call_id=item["call_id"]["S"], owner=item["call_owner"]["S"],
                 show_confidence=bool(item["show_confidence"]["BOOL"]),
                 created_at=datetime.fromisoformat(item["created_at"]["S"]))
