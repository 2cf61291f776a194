"""The transactional outbox: notification events written with the change that caused them, and their
deliveries, one per channel, each leased, retried with backoff and marked sent exactly once.

An event's id is its idempotency key (`verdict:<change id>`, `due:<call id>:<date>`): writing it twice adds
nothing. A delivery's key is (event, channel); it travels with the message (email Message-ID, webhook
`X-CalledIt-Delivery`, the bell's row id), so a receiver can drop the one duplicate a crash in the instant
between "sent" and "marked sent" can cause (docs/notifications.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from calledit.domain.call import Call, CallStatus
from calledit.domain.notifications import Channel, NotificationKind
from calledit.storage.hooks import CallWrite

if TYPE_CHECKING:
    from calledit.config import Settings

MAX_ERROR_CHARS = 500


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class OutboxEvent:
    id: str
    owner: str
    kind: NotificationKind
    call_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    available_at: datetime


@dataclass(frozen=True)
class Delivery:
    event: OutboxEvent
    channel: Channel
    attempts: int  # failed attempts before this one
    address: str | None = None  # email address or webhook URL, as configured when claimed
    secret: str | None = None
    format: str | None = None

    @property
    def key(self) -> str:
        """The idempotency key a receiver sees."""
        return f"{self.event.id}/{self.channel.value}"


@dataclass
class Expansion:
    """What to do with an event whose time has come: deliver on these channels, or wait until `wait_until`."""

    channels: list[Channel] = field(default_factory=list)
    wait_until: datetime | None = None
    reason: str | None = None  # why nothing is delivered (the call was resolved or deleted)


def call_payload(call: Call) -> dict[str, Any]:
    """What a message about `call` says, as of the event."""
    verdict = call.verdict.model_dump(mode="json") if call.verdict else None
    if verdict is not None:
        verdict["evidence"] = verdict.get("evidence", [])[:5]
    return {"call_id": call.id, "statement": call.prediction_statement, "status": call.status.value,
            "verification_date": call.verification_date.isoformat(), "verdict": verdict,
            "criterion": call.verification_method.criteria[0]}


def verdict_event(write: CallWrite, now: datetime) -> OutboxEvent | None:
    """A verdict of the agent's landed (the owner's own resolutions need no telling)."""
    change, call = write.change, write.call
    if change is None or change.actor != "agent" or change.action != "verified" or call.verdict is None:
        return None
    return OutboxEvent(f"verdict:{change.id}", write.owner, NotificationKind.VERDICT, call.id, call_payload(call),
                       now, now)


def due_event(write: CallWrite, now: datetime) -> OutboxEvent | None:
    """The call now waits for its owner: human-verifiable (from its date on), or the agent gave up on it."""
    call = write.call
    if write.imported or not write.schedule_known or write.next_check_at is not None:
        return None
    if call.status not in (CallStatus.PENDING, CallStatus.INCONCLUSIVE):
        return None
    if not write.added and (write.change is None or write.change.actor != "agent"):
        return None  # the owner's own undo or edit: they are looking at it
    return OutboxEvent(f"due:{call.id}:{stamp(call.verification_date)}", write.owner, NotificationKind.DUE, call.id,
                       call_payload(call), now, max(now, call.verification_date))


class Outbox(Protocol):
    """What the dispatcher needs of an outbox, whatever database keeps it."""

    def enqueue(self, event: OutboxEvent) -> bool: ...

    def exists(self, event_id: str) -> bool: ...

    def waiting(self, now: datetime, limit: int = 50) -> list[OutboxEvent]: ...

    def expand(self, event: OutboxEvent, expansion: Expansion, now: datetime) -> None: ...

    def claim(self, now: datetime, worker: str, lease_seconds: float, limit: int = 20) -> list[Delivery]: ...

    def sent(self, delivery: Delivery, worker: str, now: datetime) -> bool: ...

    def failed(self, delivery: Delivery, worker: str, error: str, retry_at: datetime | None) -> bool: ...

    def deliveries(self, event_id: str) -> list[dict[str, Any]]: ...


class SqliteOutbox:
    """The outbox in the store's own SQLite database (migration 0007), and the hook that fills it."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], settings: Settings | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.connect = connect
        self.clock = clock

    # --- the hook: inside the call write's transaction ----------------------------------------------

    def on_write(self, conn: sqlite3.Connection, write: CallWrite) -> None:
        now = self.clock()
        for event in (verdict_event(write, now), due_event(write, now)):
            if event is not None:
                self._insert(conn, event)

    def _insert(self, conn: sqlite3.Connection, event: OutboxEvent) -> bool:
        cur = conn.execute(
            "INSERT OR IGNORE INTO outbox (id, owner, kind, call_id, payload, created_at, available_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.id, event.owner, event.kind.value, event.call_id, json.dumps(event.payload),
             stamp(event.created_at), stamp(event.available_at)),
        )
        return cur.rowcount > 0

    def enqueue(self, event: OutboxEvent) -> bool:
        """An event no call write causes (a test message, a digest); False when its key was there already."""
        return self._insert(self.connect(), event)

    def exists(self, event_id: str) -> bool:
        """An event with this key was written (whatever became of it)."""
        return self.connect().execute("SELECT 1 FROM outbox WHERE id = ?", (event_id,)).fetchone() is not None

    # --- the dispatcher's side ------------------------------------------------------------------------

    def waiting(self, now: datetime, limit: int = 50) -> list[OutboxEvent]:
        """Events whose time has come and whose deliveries are not made yet, oldest first."""
        rows = self.connect().execute(
            "SELECT id, owner, kind, call_id, payload, created_at, available_at FROM outbox"
            " WHERE expanded_at IS NULL AND available_at <= ? ORDER BY available_at LIMIT ?",
            (stamp(now), limit),
        ).fetchall()
        return [_event(row) for row in rows]

    def expand(self, event: OutboxEvent, expansion: Expansion, now: datetime) -> None:
        """Make the event's deliveries (or push it back to `wait_until`) in one transaction."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if expansion.wait_until is not None:
                conn.execute("UPDATE outbox SET available_at = ? WHERE id = ?", (stamp(expansion.wait_until), event.id))
            else:
                conn.executemany(
                    "INSERT OR IGNORE INTO outbox_deliveries (event_id, channel, owner, status, next_attempt_at)"
                    " VALUES (?, ?, ?, 'pending', ?)",
                    [(event.id, channel.value, event.owner, stamp(now)) for channel in expansion.channels],
                )
                conn.execute("UPDATE outbox SET expanded_at = ? WHERE id = ? AND expanded_at IS NULL",
                             (stamp(now), event.id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def claim(self, now: datetime, worker: str, lease_seconds: float, limit: int = 20) -> list[Delivery]:
        """Lease up to `limit` pending deliveries whose attempt is due and whose lease is free or expired."""
        conn = self.connect()
        until = stamp(now + timedelta(seconds=lease_seconds))
        conn.execute("BEGIN IMMEDIATE")  # one claimer at a time: two workers never hold one delivery
        try:
            rows = conn.execute(
                "SELECT d.event_id, d.channel, d.attempts, o.owner, o.kind, o.call_id, o.payload, o.created_at,"
                " o.available_at, c.address, c.secret, c.format FROM outbox_deliveries d"
                " JOIN outbox o ON o.id = d.event_id"
                " LEFT JOIN notification_channels c ON c.owner = d.owner AND c.channel = d.channel"
                " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
                " AND (d.lease_until IS NULL OR d.lease_until <= ?)"
                " ORDER BY d.next_attempt_at LIMIT ?",
                (stamp(now), stamp(now), limit),
            ).fetchall()
            conn.executemany(
                "UPDATE outbox_deliveries SET lease_worker = ?, lease_until = ? WHERE event_id = ? AND channel = ?",
                [(worker, until, row[0], row[1]) for row in rows],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return [
            Delivery(_event((row[0], row[3], row[4], row[5], row[6], row[7], row[8])), Channel(row[1]), int(row[2]),
                     row[9], row[10], row[11])
            for row in rows
        ]

    def sent(self, delivery: Delivery, worker: str, now: datetime) -> bool:
        """Mark the delivery sent, if `worker` still holds it."""
        cur = self.connect().execute(
            "UPDATE outbox_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_worker = NULL,"
            " lease_until = NULL, last_error = NULL WHERE event_id = ? AND channel = ? AND lease_worker = ?"
            " AND status = 'pending'",
            (stamp(now), delivery.event.id, delivery.channel.value, worker),
        )
        return cur.rowcount > 0

    def failed(self, delivery: Delivery, worker: str, error: str, retry_at: datetime | None) -> bool:
        """Count a failed attempt: retried at `retry_at`, or given up on (None)."""
        cur = self.connect().execute(
            "UPDATE outbox_deliveries SET status = ?, attempts = attempts + 1,"
            " next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?, lease_worker = NULL, lease_until = NULL"
            " WHERE event_id = ? AND channel = ?"
            " AND lease_worker = ? AND status = 'pending'",
            ("pending" if retry_at else "failed", stamp(retry_at) if retry_at else None, error[:MAX_ERROR_CHARS],
             delivery.event.id, delivery.channel.value, worker),
        )
        return cur.rowcount > 0

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        """Each delivery of an event (tests, and the account page's 'recent deliveries')."""
        rows = self.connect().execute(
            "SELECT channel, status, attempts, last_error, sent_at FROM outbox_deliveries WHERE event_id = ?"
            " ORDER BY channel",
            (event_id,),
        ).fetchall()
        return [dict(row) for row in rows]


def _event(row: sqlite3.Row | tuple[Any, ...]) -> OutboxEvent:
    return OutboxEvent(
        id=row[0], owner=row[1], kind=NotificationKind(row[2]), call_id=row[3], payload=json.loads(row[4]),
        created_at=datetime.fromisoformat(row[5]), available_at=datetime.fromisoformat(row[6]),
    )
