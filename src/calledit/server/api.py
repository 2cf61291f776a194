"""REST: log, read and delete calls (listing, search and edits: server/tracker_api.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool

from calledit.agents.sanitize import sanitize_call
from calledit.domain.call import CallCreate
from calledit.domain.outcomes import CallView, view
from calledit.domain.policy import first_check_at
from calledit.server.state import CurrentUser, StateDep, WriteLimit

router = APIRouter(prefix="/api", tags=["calls"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user"}}


@router.post("/calls", status_code=status.HTTP_201_CREATED, response_model=CallView, dependencies=[WriteLimit])
async def log_call(body: CallCreate, state: StateDep, user: CurrentUser) -> CallView:
    """Log a call: the `complete` event's content, plus your own confidence (0-1) and tags if you like."""
    stored = await run_in_threadpool(state.store.add, user, sanitize_call(body))
    return view(stored, first_check_at(stored, stored.created_at), datetime.now(UTC))


@router.get("/calls/{call_id}", response_model=CallView, responses=NOT_FOUND)
async def get_call(call_id: str, state: StateDep, user: CurrentUser) -> CallView:
    """The call, where it stands (`outcome`) and when the agent checks it next."""
    store = state.store

    def read() -> CallView | None:
        call = store.get(user, call_id)
        if call is None:
            return None
        schedule = store.schedule(user, call_id)
        return view(call, schedule.next_check_at if schedule else None, datetime.now(UTC))

    found = await run_in_threadpool(read)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return found


@router.delete(
    "/calls/{call_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, dependencies=[WriteLimit]
)
async def delete_call(call_id: str, state: StateDep, user: CurrentUser) -> Response:
    if not await run_in_threadpool(state.store.delete, user, call_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
