"""The storage port. Every method takes the owner: a call is only ever seen by the user it belongs to."""

from __future__ import annotations

import base64
import builtins
import json
import re
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from pydantic import TypeAdapter

from calledit.domain.call import Call, CallChange, CallCreate, CallPage, CallStatus
from calledit.domain.errors import BadRequest
from calledit.domain.forecasts import first_forecasts
from calledit.domain.outcomes import CallViewPage
from calledit.domain.queries import CallQuery, Sort

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

    # --- what the scheduler and manual resolution need (docs/verification.md) ---------------------------
    # `add` also schedules the call's first check, at `calledit.domain.policy.first_check_at(call, created_at)`.

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

    def history(self, owner: str, call_id: str) -> builtins.list[CallChange]:
        """The call's changes, oldest first (empty for an unknown call or another owner's)."""
        ...

    def schedule(self, owner: str, call_id: str) -> CheckSchedule | None:
        """The call's next agent check and lease, or None for an unknown call."""
        ...

    def awaiting_owner(self, owner: str, now: datetime, limit: int = 100) -> builtins.list[Call]:
        """Calls due for the owner to resolve: pending or inconclusive, no agent check scheduled, and
        verification date reached; earliest verification date first."""
        ...


@dataclass(frozen=True)
class StoredCall:
    """A call with what an export carries beside it: its history, its import key and its next check."""

    call: Call
    history: list[CallChange]
    import_key: str
    next_check_at: datetime | None


@runtime_checkable
class TrackerStore(Protocol):
    """Search, filters and pages over the owner's calls, and calls in and out (docs/protocol.md)."""

    def find(self, owner: str, query: CallQuery, now: datetime) -> CallViewPage:
        """One page of the owner's calls that match `query` (domain/queries.py), in its order, each with
        its outcome at `now` and its next agent check."""
        ...

    def import_call(
        self, owner: str, call: Call, history: list[CallChange], import_key: str, next_check_at: datetime | None
    ) -> bool:
        """Store a call made elsewhere as it is (its id, timestamps and history entries as given: the caller
        makes them unique), unless the owner already has a call with this import key, or, for a key
        `calledit:<id>`, the call `<id>` itself: then change nothing and return False."""
        ...

    def export_calls(self, owner: str) -> Iterator[StoredCall]:
        """Every call of the owner, newest first, with its history (read page by page as it is consumed)."""
        ...


@dataclass(frozen=True)
class ApiToken:
    """A personal API token as stored: never the token itself, only its hash (kept by the store)."""

    id: str
    owner: str
    name: str
    hint: str  # the token's first characters, to tell tokens apart in a list
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@runtime_checkable
class TokenStore(Protocol):
    """Personal API tokens (`cit_...`), kept beside the calls they reach."""

    def add_token(self, owner: str, name: str, token_hash: str, hint: str, expires_at: datetime | None) -> ApiToken:
        ...

    def tokens(self, owner: str) -> list[ApiToken]:
        """The owner's tokens, oldest first."""
        ...

    def delete_token(self, owner: str, token_id: str) -> bool:
        """True when the owner's token existed and is gone."""
        ...

    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def token_used(self, token: ApiToken, token_hash: str, at: datetime) -> None:
        """Note when the token was last used (nothing when it was revoked meanwhile)."""
        ...


NATIVE_KEY = "calledit:"


def import_key_of(call_id: str, stored_key: str | None) -> str:
    """The key an export gives a call: where it was imported from, else this store's own id."""
    return stored_key or f"{NATIVE_KEY}{call_id}"


def native_id(import_key: str) -> str | None:
    """The call id a `calledit:<id>` key names (a call exported from this tracker), else None."""
    return import_key.removeprefix(NATIVE_KEY) if import_key.startswith(NATIVE_KEY) else None



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
        forecasts=first_forecasts(call.confidence, stamp),
        created_at=stamp,
        updated_at=stamp,
    )


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


_SORT_CURSOR = TypeAdapter(tuple[str, str] | tuple[str, str, str])


def encode_sort_cursor(sort: Sort, stamp: str, call_id: str) -> str:
    """A `next_cursor` for a page in `sort` order: the last call's sort key and id. Newest-first cursors are
    the ones `list` hands out, so either works with the other."""
    if sort is Sort.NEWEST:
        return encode_cursor(stamp, call_id)
    return base64.urlsafe_b64encode(json.dumps([stamp, call_id, sort.value]).encode()).decode()


def decode_sort_cursor(cursor: str, sort: Sort) -> tuple[str, str]:
    """The (sort key, id) of a cursor from `encode_sort_cursor`; BadRequest for anything else, or for a
    cursor made for another order."""
    invalid = "Invalid cursor: pass back the next_cursor of the previous page unchanged."
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadRequest(invalid)
    try:
        parts = _SORT_CURSOR.validate_json(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except ValueError as exc:
        raise BadRequest(invalid) from exc
    made_for = Sort.NEWEST.value if len(parts) == 2 else parts[2]
    if made_for != sort.value:
        raise BadRequest(f"This cursor pages the {made_for!r} order, not {sort.value!r}: start again from the "
                         "first page (no cursor) after changing the order.")
    stamp, call_id = parts[0], parts[1]
    if not _CURSOR_STAMP.fullmatch(stamp) or not 0 < len(call_id) <= 128 or not call_id.isprintable():
        raise BadRequest(invalid)
    return stamp, call_id


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}.")
    return limit
