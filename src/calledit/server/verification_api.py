"""REST for verification: resolve by hand, override, undo, history, check now, due for you, track record.

The rules live in scheduler/resolution.py and domain/track_record.py; this module only carries them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from calledit.domain.call import Call, CallChange
from calledit.domain.events import VerdictEvent
from calledit.domain.policy import agent_checks
from calledit.domain.timestamps import utc_now
from calledit.domain.track_record import TrackRecord, track_record
from calledit.scheduler import resolution as rules
from calledit.server.state import AppState, CurrentUser, StateDep, WriteLimit
from calledit.storage.base import MAX_PAGE, CallStore

router = APIRouter(prefix="/api", tags=["verification"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user"}}


class Resolve(BaseModel):
    """Body of `POST /api/calls/{id}/resolve`."""

    model_config = ConfigDict(extra="forbid")

    resolution: rules.Resolution = Field(description="confirmed | refuted | void")
    note: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


class CallHistory(BaseModel):
    call_id: str
    next_check_at: AwareDatetime | None = Field(description="when the agent checks next; null = it won't")
    attempts: int = Field(description="inconclusive checks so far for the current due point")
    changes: list[CallChange] = Field(description="oldest first")


class DueCalls(BaseModel):
    items: list[Call]


def _store(state: AppState) -> CallStore:
    return state.store


async def _tell(state: AppState, user: str, call: Call) -> None:
    """Your other open tabs learn of a verdict you set by hand, as they would of the agent's."""
    if call.verdict is not None:
        await state.notify(user, VerdictEvent(call_id=call.id, verdict=call.verdict))


@router.post("/calls/{call_id}/resolve", response_model=Call, responses=NOT_FOUND, dependencies=[WriteLimit])
async def resolve_call(call_id: str, body: Resolve, state: StateDep, user: CurrentUser) -> Call:
    """Resolve a call by hand: confirmed, refuted or void. Replaces the agent's verdict if it had one
    (recorded as an override) and stops further checks. Undo with `POST /api/calls/{id}/undo`."""
    store = _store(state)  # NotFound answers 404, through the app's one error table
    call = await run_in_threadpool(
        lambda: rules.resolve(store, user, call_id, body.resolution, now=utc_now(), note=body.note)
    )
    await _tell(state, user, call)
    return call


@router.post("/calls/{call_id}/undo", response_model=Call, responses=NOT_FOUND, dependencies=[WriteLimit])
async def undo_change(call_id: str, state: StateDep, user: CurrentUser) -> Call:
    """Undo the latest change to the call (yours or the agent's); repeat to step further back.
    409 when nothing is left to undo."""
    store = _store(state)
    call = await run_in_threadpool(lambda: rules.undo(store, user, call_id, now=utc_now()))  # NothingToUndo: 409
    await _tell(state, user, call)
    return call


@router.get("/calls/{call_id}/history", response_model=CallHistory, responses=NOT_FOUND)
async def call_history(call_id: str, state: StateDep, user: CurrentUser) -> CallHistory:
    """Every change to the call, oldest first, and when the agent checks it next."""
    store = _store(state)

    def read() -> CallHistory | None:
        schedule = store.schedule(user, call_id)
        if schedule is None or store.get(user, call_id) is None:
            return None
        return CallHistory(call_id=call_id, next_check_at=schedule.next_check_at, attempts=schedule.attempts,
                           changes=store.history(user, call_id))

    found = await run_in_threadpool(read)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return found


@router.post("/calls/{call_id}/check", response_model=CallHistory, status_code=status.HTTP_202_ACCEPTED,
             responses=NOT_FOUND, dependencies=[WriteLimit])
async def check_now(call_id: str, state: StateDep, user: CurrentUser) -> CallHistory:
    """Ask the agent to check the call at its next pass (now), whatever its schedule said.
    400 for a human-verifiable call: only you can resolve it."""
    store = _store(state)
    now = utc_now()

    def schedule_now() -> CallHistory | None:
        call = store.get(user, call_id)
        if call is None:
            return None
        if not agent_checks(call):
            raise HTTPException(status.HTTP_400_BAD_REQUEST,
                                "Only you can resolve a human-verifiable call: use POST .../resolve.")
        store.record(user, call, None, next_check_at=now)
        return CallHistory(call_id=call_id, next_check_at=now, attempts=0, changes=store.history(user, call_id))

    found = await run_in_threadpool(schedule_now)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return found


@router.get("/due", response_model=DueCalls)
async def due_for_you(
    state: StateDep, user: CurrentUser, limit: int = Query(100, ge=1, le=MAX_PAGE)
) -> DueCalls:
    """Calls due for you to resolve: human-verifiable ones whose date has come, and ones the agent could
    not settle after every retry. Earliest verification date first."""
    store = _store(state)
    items = await run_in_threadpool(lambda: rules.due_for_owner(store, user, now=utc_now(), limit=limit))
    return DueCalls(items=items)


@router.get("/stats", response_model=TrackRecord)
async def stats(state: StateDep, user: CurrentUser) -> TrackRecord:
    """Your track record: called it / missed it, Brier score (0 best, 1 worst) and calibration bins."""
    return track_record(await run_in_threadpool(rules.owner_calls, state.store, user))
