"""The bell: in-app notifications, one row per event (its idempotency key), read or unread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Protocol

from calledit.domain.notifications import InAppNotification, NotificationKind


class Inbox(Protocol):
    def add(self, owner: str, notification: InAppNotification) -> bool: ...

    def items(self, owner: str, limit: int = 50, unread_only: bool = False) -> list[InAppNotification]: ...

    def unread(self, owner: str) -> int: ...

    def mark_read(self, owner: str, ids: Collection[str] | None, now: datetime) -> int: ...


class SqliteInbox:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.connect = connect

    def add(self, owner: str, notification: InAppNotification) -> bool:
        """False when this notification was added before (a retried delivery)."""
        cur = self.connect().execute(
            "INSERT OR IGNORE INTO notifications (id, owner, kind, call_id, title, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (notification.id, owner, notification.kind.value, notification.call_id, notification.title,
             notification.body, notification.created_at.astimezone(UTC).isoformat(timespec="microseconds")),
        )
        return cur.rowcount > 0

    def items(self, owner: str, limit: int = 50, unread_only: bool = False) -> list[InAppNotification]:
        rows = self.connect().execute(
            "SELECT * FROM notifications WHERE owner = ?" + (" AND read_at IS NULL" if unread_only else "")
            + " ORDER BY created_at DESC, id DESC LIMIT ?",
            (owner, limit),
        ).fetchall()
        return [
            InAppNotification(
                id=row["id"], kind=NotificationKind(row["kind"]), call_id=row["call_id"], title=row["title"],
                body=row["body"], created_at=datetime.fromisoformat(row["created_at"]),
                read_at=datetime.fromisoformat(row["read_at"]) if row["read_at"] else None,
            )
            for row in rows
        ]

    def unread(self, owner: str) -> int:
        row = self.connect().execute(
            "SELECT COUNT(*) FROM notifications WHERE owner = ? AND read_at IS NULL", (owner,)
        ).fetchone()
        return int(row[0])

    def mark_read(self, owner: str, ids: Collection[str] | None, now: datetime) -> int:
        """Mark `ids` (None: all) read; returns how many were unread."""
        stamp = now.astimezone(UTC).isoformat(timespec="microseconds")
        conn = self.connect()
        if ids is None:
            cur = conn.execute("UPDATE notifications SET read_at = ? WHERE owner = ? AND read_at IS NULL",
                               (stamp, owner))
        else:
            cur = conn.executemany(
                "UPDATE notifications SET read_at = ? WHERE owner = ? AND id = ? AND read_at IS NULL",
                [(stamp, owner, notification_id) for notification_id in ids],
            )
        return cur.rowcount
