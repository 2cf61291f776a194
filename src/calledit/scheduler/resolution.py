"""People in the loop: the owner resolves a call by hand, overrides the agent, sets a confidence, undoes.

Every change goes into the call's history with the state before and after; `undo` restores the state
before the latest change not yet undone, one step at a time. Undoing an agent's verdict does not put the
call back in the agent's queue (the owner disagreed with it): it waits for the owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from calledit.domain.call import Call, CallChange, CallStatus, Evidence, Verdict, VerdictOutcome
from calledit.domain.errors import Conflict, NotFound
from calledit.domain.forecasts import with_forecast
from calledit.domain.history import change, recorded_parts, restore
from calledit.storage.base import MAX_PAGE, CallStore

Resolution = Literal["confirmed", "refuted", "void"]


class NothingToUndo(Conflict):
    """The call has no change left to undo."""


def _load(store: CallStore, owner: str, call_id: str) -> tuple[Call, datetime | None]:
    call = store.get(owner, call_id)
    if call is None:
        raise NotFound(f"No call with id {call_id!r}.")
    schedule = store.schedule(owner, call_id)
    return call, schedule.next_check_at if schedule else None


def _save(store: CallStore, owner: str, call: Call, entry: CallChange, next_check_at: datetime | None) -> Call:
    try:
        stored = store.record(owner, call, entry, next_check_at=next_check_at)
    except KeyError as exc:  # deleted between the read and the write
        raise NotFound(f"No call with id {call.id!r}.") from exc
    assert stored is not None  # record() without a worker always applies
    return stored


def resolve(
    store: CallStore, owner: str, call_id: str, resolution: Resolution, *, now: datetime,
    note: str | None = None,
) -> Call:
    """Confirm, refute or void a call by hand; replaces any agent verdict (an override) and stops checks."""
    call, next_check_at = _load(store, owner, call_id)
    overriding = call.verdict is not None and call.verdict.model is not None
    if resolution == "void":
        updated = call.model_copy(update={"status": CallStatus.VOID, "verdict": None})
    else:
        reasoning = note or f"Marked {resolution} by the owner."
        verdict = Verdict(
            verdict=VerdictOutcome(resolution),
            confidence=1.0,
            evidence=[Evidence(source="owner", finding=reasoning, criterion=call.verification_method.criteria[0])],
            reasoning=reasoning,
            verified_at=now,
            model=None,
        )
        updated = call.model_copy(update={"status": CallStatus.VERIFIED, "verdict": verdict})
    entry = change(
        call, updated, at=now, actor="owner", action="overridden" if overriding else "resolved",
        next_before=next_check_at, next_after=None, note=note,
    )
    return _save(store, owner, updated, entry, None)


def set_confidence(
    store: CallStore, owner: str, call_id: str, confidence: float | None, *, now: datetime
) -> Call:
    """The owner's own probability that the call comes true (None clears it): a forecast update."""
    call, next_check_at = _load(store, owner, call_id)
    updated = with_forecast(call, confidence, now)
    entry = change(
        call, updated, at=now, actor="owner", action="confidence",
        next_before=next_check_at, next_after=next_check_at, parts={"forecasts"},
    )
    return _save(store, owner, updated, entry, next_check_at)


def undo(store: CallStore, owner: str, call_id: str, *, now: datetime) -> Call:
    """Restore the state before the latest change that is not an undo and not yet undone."""
    call, next_check_at = _load(store, owner, call_id)
    history = store.history(owner, call_id)
    undone = {entry.undoes for entry in history if entry.undoes}
    open_changes = [entry for entry in history if entry.action != "undone" and entry.id not in undone]
    if not open_changes:
        raise NothingToUndo("Nothing to undo: this call has no change left in its history.")
    last = open_changes[-1]
    state = last.before
    restored = restore(call, state)
    next_after = None if last.actor == "agent" else state.next_check_at
    entry = change(
        call, restored, at=now, actor="owner", action="undone",
        next_before=next_check_at, next_after=next_after, note=f"undid {last.action} of {last.at.isoformat()}",
        undoes=last.id, parts=recorded_parts(state),
    )
    return _save(store, owner, restored, entry, next_after)


def due_for_owner(store: CallStore, owner: str, *, now: datetime, limit: int = 100) -> list[Call]:
    """Calls waiting for the owner: human-verifiable ones whose date has come, and checks that stayed
    inconclusive after every retry."""
    return store.awaiting_owner(owner, now, limit)


def owner_calls(store: CallStore, owner: str) -> list[Call]:
    """All of the owner's calls (every page), for the track record."""
    calls: list[Call] = []
    cursor: str | None = None
    while True:
        page = store.list(owner, limit=MAX_PAGE, cursor=cursor)
        calls.extend(page.items)
        if page.next_cursor is None:
            return calls
        cursor = page.next_cursor
