"""The storage port. Every method takes the owner: a call is only ever seen by the user it belongs to."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from calledit.domain.call import Call, CallCreate, CallPage, CallStatus, Verdict
from calledit.domain.errors import BadRequest

if TYPE_CHECKING:
    from calledit.config import Settings

MAX_PAGE = 100


@runtime_checkable
class CallStore(Protocol):
    def add(self, owner: str, call: CallCreate) -> Call:
        """Log a new call for `owner`; returns it with id, status and timestamps."""
        ...

    def get(self, owner: str, call_id: str) -> Call | None:
        """The call, or None when it does not exist or belongs to someone else."""
        ...

    def list(self, owner: str, limit: int = 20, cursor: str | None = None) -> CallPage:
        """The owner's calls, newest first; pass `next_cursor` back to continue."""
        ...

    def delete(self, owner: str, call_id: str) -> bool:
        """True when the owner's call existed and is gone."""
        ...

    def save(self, owner: str, call: Call) -> Call:
        """Replace a stored call (status, verdict, confidence changes); bumps `updated_at`."""
        ...

    def close(self) -> None: ...


def new_call(call: CallCreate, now: datetime | None = None) -> Call:
    stamp = now or datetime.now(UTC)
    return Call(
        **call.model_dump(),
        id=uuid.uuid4().hex,
        status=CallStatus.PENDING,
        verdict=None,
        created_at=stamp,
        updated_at=stamp,
    )


def with_verdict(call: Call, verdict: Verdict | None, status: CallStatus) -> Call:
    return call.model_copy(update={"verdict": verdict, "status": status})


def encode_cursor(created_at: str, call_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at, call_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        created_at, call_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(created_at), str(call_id)
    except (ValueError, TypeError) as exc:
        raise BadRequest("Invalid cursor: pass back the next_cursor of the previous page unchanged.") from exc


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}.")
    return limit


def build_store(settings: Settings) -> CallStore:
    """The adapter named by CALLEDIT_DB: `dynamodb://TABLE?endpoint=URL`, else a SQLite file path."""
    if settings.db and settings.db.startswith("dynamodb://"):
        from calledit.storage.dynamodb import DynamoCallStore

        return DynamoCallStore.from_url(settings.db)
    from calledit.storage.sqlite import SqliteCallStore

    return SqliteCallStore(settings.sqlite_path())
