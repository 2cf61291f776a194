"""REST: log, list, read and delete calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from calledit.agents.sanitize import sanitize_call
from calledit.domain.call import Call, CallCreate, CallPage
from calledit.server.state import CurrentUser, StateDep, WriteLimit

router = APIRouter(prefix="/api", tags=["calls"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user"}}


@router.post("/calls", status_code=status.HTTP_201_CREATED, response_model=Call, dependencies=[WriteLimit])
async def log_call(body: CallCreate, state: StateDep, user: CurrentUser) -> Call:
    """Log a call: the `complete` event's content, plus your own confidence (0-1) if you like."""
    return await run_in_threadpool(state.store.add, user, sanitize_call(body))


@router.get("/calls", response_model=CallPage)
async def list_calls(
    state: StateDep,
    user: CurrentUser,
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, description="next_cursor from the previous page"),
) -> CallPage:
    """Your calls, newest first."""
    return await run_in_threadpool(state.store.list, user, limit, cursor)


@router.get("/calls/{call_id}", response_model=Call, responses=NOT_FOUND)
async def get_call(call_id: str, state: StateDep, user: CurrentUser) -> Call:
    call = await run_in_threadpool(state.store.get, user, call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return call


@router.delete(
    "/calls/{call_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, dependencies=[WriteLimit]
)
async def delete_call(call_id: str, state: StateDep, user: CurrentUser) -> Response:
    if not await run_in_threadpool(state.store.delete, user, call_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
