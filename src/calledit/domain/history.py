"""History entries: the state a change moved a call from and to (what undo restores)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Literal

from calledit.domain.call import Call, CallChange, CallState, CallTerms, ChangeAction

# What a change may record beyond status, verdict, confidence and next check: only the parts it touched.
Part = Literal["tags", "forecasts", "terms"]


def terms_of(call: Call) -> CallTerms:
    return CallTerms(
        prediction_statement=call.prediction_statement,
        verification_date=call.verification_date,
        verification_method=call.verification_method,
        check=call.check,
    )


def state_of(call: Call, next_check_at: datetime | None, parts: Collection[Part] = ()) -> CallState:
    return CallState(
        status=call.status, verdict=call.verdict, confidence=call.confidence, next_check_at=next_check_at,
        tags=list(call.tags) if "tags" in parts else None,
        forecasts=list(call.forecasts) if "forecasts" in parts else None,
        terms=terms_of(call) if "terms" in parts else None,
    )


def restore(call: Call, state: CallState) -> Call:
    """The call with the state a change recorded put back (its tags, forecasts and terms when it recorded them)."""
    update: dict[str, object] = {"status": state.status, "verdict": state.verdict, "confidence": state.confidence}
    if state.tags is not None:
        update["tags"] = state.tags
    if state.forecasts is not None:
        update["forecasts"] = state.forecasts
    if state.terms is not None:
        update.update(dict(state.terms))
    return call.model_copy(update=update)


def recorded_parts(state: CallState) -> tuple[Part, ...]:
    """The parts beyond the outcome that a change recorded (and an undo of it restores)."""
    found: list[Part] = []
    if state.tags is not None:
        found.append("tags")
    if state.forecasts is not None:
        found.append("forecasts")
    if state.terms is not None:
        found.append("terms")
    return tuple(found)


def change(
    before: Call,
    after: Call,
    *,
    at: datetime,
    actor: Literal["agent", "owner"],
    action: ChangeAction,
    next_before: datetime | None,
    next_after: datetime | None,
    note: str | None = None,
    undoes: str | None = None,
    parts: Collection[Part] = (),
) -> CallChange:
    return CallChange(
        id=uuid.uuid4().hex,
        call_id=before.id,
        at=at,
        actor=actor,
        action=action,
        before=state_of(before, next_before, parts),
        after=state_of(after, next_after, parts),
        note=note,
        undoes=undoes,
    )
