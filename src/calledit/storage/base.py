"""The storage port. Every method takes the owner: a call is only ever seen by the user it belongs to."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import TypeAdapter

from calledit.domain.call import Call, CallChange, CallCreate, CallPage, CallStatus, Verdict
from calledit.domain.errors import BadRequest, ConfigurationError

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


@runtime_checkable
class VerificationStore(CallStore, Protocol):
    """The port plus what the scheduler and manual resolution need (docs/verification.md).

    Every adapter is to implement it; it is a separate protocol only so an adapter can land the basic
    methods first (`verification_store()` says which is missing). `add` must also schedule the call's
    first check at `calledit.scheduler.policy.first_check_at(call, call.created_at)`.
    """

    def claim_due(
        self,
        now: datetime,
        worker: str,
        lease_seconds: float,
        limit: int = 10,
        *,
        per_owner: int | None = None,
        skip_owners: Collection[str] = (),
    ) -> list[Claim]:
        """Atomically lease up to `limit` calls of any owner whose next check is due (`next_check_at <= now`)
        and whose lease is free or expired, earliest first. The lease is `worker`'s until
        `now + lease_seconds`; after that another worker may claim the call again (a crashed check is
        retried). Two workers never hold the same call at once.

        Fair shares: at most `per_owner` of the claimed calls belong to one owner, and none to an owner in
        `skip_owners` (owners who had their share of this pass), however early their calls are due."""
        ...

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
        """In one transaction: save `call` (bumping `updated_at`), append `change` to its history (when
        given), set its next agent check (None: the agent stops checking) and clear its lease.

        With `worker`, this completes a claimed check and only applies while `worker` still holds the
        lease: it returns None, changing nothing, when the lease was lost (expired and claimed again, or
        broken by the owner resolving the call) or the call was deleted. Without `worker` (the owner's
        changes) it always applies, breaking any lease, and raises KeyError for an unknown call."""
        ...

    def history(self, owner: str, call_id: str) -> list[CallChange]:
        """The call's changes, oldest first (empty for an unknown call or another owner's)."""
        ...

    def schedule(self, owner: str, call_id: str) -> CheckSchedule | None:
        """The call's next agent check and lease, or None for an unknown call."""
        ...

    def awaiting_owner(self, owner: str, now: datetime, limit: int = 100) -> list[Call]:
        """Calls due for the owner to resolve: pending or inconclusive, no agent check scheduled, and
        verification date reached; earliest verification date first."""
        ...


def verification_store(store: CallStore) -> VerificationStore:
    """The store as a VerificationStore, or a ConfigurationError naming the adapter that lacks it."""
    if not isinstance(store, VerificationStore):
        raise ConfigurationError(
            f"The {type(store).__name__} storage adapter cannot schedule or record verifications yet: use a "
            "SQLite database (CALLEDIT_DB=path) for verification."
        )
    return store


@dataclass(frozen=True)
class Claim:
    """A call leased to a worker for one check; `attempts` inconclusive checks came before this one."""

    owner: str
    call: Call
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class CheckSchedule:
    next_check_at: datetime | None
    attempts: int
    lease_worker: str | None = None
    lease_until: datetime | None = None


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


MAX_CURSOR_CHARS = 512  # a real one is about 100
_CURSOR = TypeAdapter(tuple[str, str])
# The stores' sortable UTC text, as `encode_cursor` got it: 2026-11-21T09:24:14.113000+00:00
_CURSOR_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (created_at, id) a `next_cursor` holds. Anything else is a BadRequest, never a crash: pydantic's
    parser refuses deep nesting and lone surrogates (json.loads raised RecursionError for one and let the
    other through to the database driver, which could not encode it)."""
    invalid = "Invalid cursor: pass back the next_cursor of the previous page unchanged."
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadRequest(invalid)
    try:
        created_at, call_id = _CURSOR.validate_json(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except ValueError as exc:  # bad base64 or JSON, non-ASCII text, the wrong shape (ValidationError)
        raise BadRequest(invalid) from exc
    if not _CURSOR_STAMP.fullmatch(created_at) or not 0 < len(call_id) <= 128 or not call_id.isprintable():
        raise BadRequest(invalid)
    return created_at, call_id


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
