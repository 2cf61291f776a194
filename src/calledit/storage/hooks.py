"""Writes that must land in the same transaction as a call's: the call log's entry (proof/) and the
notification outbox (notify/). An adapter runs its hooks inside each write of a call, so they commit or
roll back with it; the composition roots attach them (calledit.wiring.instrument)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from calledit.domain.call import Call, CallChange


@dataclass(frozen=True)
class CallWrite:
    """One write of a call: logged (`added`), recorded with a change (or none), or saved."""

    owner: str
    call: Call  # as stored, `updated_at` bumped
    change: CallChange | None
    added: bool = False
    next_check_at: datetime | None = None
    schedule_known: bool = True  # False for `save`, which leaves the schedule alone
    imported: bool = False  # logged by an import (`added` too): its history came from elsewhere


class SqliteWriteHook(Protocol):
    def on_write(self, conn: sqlite3.Connection, write: CallWrite) -> None:
        """Called inside the write's transaction, after the call's own rows are written; raising rolls it back."""
        ...


class DynamoWriteHook(Protocol):
    """The DynamoDB adapter writes a call and what its hooks return in one TransactWriteItems."""

    def transact_items(self, write: CallWrite) -> list[dict[str, Any]]:
        """The items to write with the call's own (reading what they need first). When one of them fails its
        condition, another writer got there first: the adapter asks again and retries the whole write."""
        ...

    def on_delete(self, owner: str, call_id: str) -> None:
        """The call is gone: drop what only it could use (the log's entries stay)."""
        ...
