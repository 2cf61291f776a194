"""History entries: the state a change moved a call from and to (what undo restores)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from calledit.domain.call import Call, CallChange, CallState


def state_of(call: Call, next_check_at: datetime | None) -> CallState:
    return CallState(
        status=call.status, verdict=call.verdict, confidence=call.confidence, next_check_at=next_check_at
    )


def change(
    before: Call,
    after: Call,
    *,
    at: datetime,
    actor: Literal["agent", "owner"],
    action: Literal["verified", "checked", "resolved", "overridden", "confidence", "undone"],
    next_before: datetime | None,
    next_after: datetime | None,
    note: str | None = None,
    undoes: str | None = None,
) -> CallChange:
    return CallChange(
        id=uuid.uuid4().hex,
        call_id=before.id,
        at=at,
        actor=actor,
        action=action,
        before=state_of(before, next_before),
        after=state_of(after, next_after),
        note=note,
        undoes=undoes,
    )
