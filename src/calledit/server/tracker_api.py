"""REST for the tracker: list and search calls, edit them (PATCH), export and import them.

The rules live in domain/queries.py, tracker/edits.py and tracker/transfer.py; this module only carries
them. See docs/protocol.md (REST).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from calledit.domain.call import CallDate, VerifiableCategory
from calledit.domain.errors import BadRequest, ConfigurationError, NotFound
from calledit.domain.exchange import ExportFile, ExportFormat, ImportFormat, ImportReport
from calledit.domain.outcomes import CallView, CallViewPage, view
from calledit.domain.queries import STATUS_FILTERS, CallQuery, Sort, parse_status
from calledit.domain.tags import normalize_tag, split_tags
from calledit.domain.timestamps import utc_now
from calledit.server.state import AppState, CurrentUser, StateDep, WriteLimit
from calledit.storage.base import MAX_PAGE, TrackerStore
from calledit.tracker.edits import CallUpdate, SettledCall, update_call
from calledit.tracker.transfer import export_chunks, import_calls

router = APIRouter(prefix="/api", tags=["tracker"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user"}}
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _tracker(state: AppState) -> TrackerStore:
    if not isinstance(state.store, TrackerStore):
        raise ConfigurationError(f"The {type(state.store).__name__} storage adapter cannot search or export calls: "
                                 "use SQLite (CALLEDIT_DB=path) or DynamoDB.")
    return state.store


def _many(values: list[str]) -> list[str]:
    """Repeated query parameters, each of which may also hold a comma-separated list."""
    return [part for value in values for part in split_tags(value)]


@router.get("/calls", response_model=CallViewPage)
async def list_calls(
    state: StateDep,
    user: CurrentUser,
    q: Annotated[str | None, Query(max_length=500, description="words the statement, prompt or tags hold "
                                   "(each starts a word there; case and accents ignored)")] = None,
    tag: Annotated[list[str], Query(description="calls with every one of these tags (repeat, or comma-separate)")
                   ] = [],  # noqa: B006
    status: Annotated[list[str], Query(description="calls with any of these statuses or outcomes: "
                                       + ", ".join(STATUS_FILTERS))] = [],  # noqa: B006
    due_before: Annotated[CallDate | None, Query(description="verification date before this (ISO 8601, offset)")
                          ] = None,
    due_after: Annotated[CallDate | None, Query(description="verification date at or after this")] = None,
    category: Annotated[VerifiableCategory | None, Query(description="the verifiable category")] = None,
    sort: Annotated[Sort, Query(description="newest (made, newest first), oldest, or due (soonest)")] = Sort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor from the previous page")] = None,
) -> CallViewPage:
    """Your calls, newest first unless `sort` says otherwise, filtered and searched; each with its outcome
    (called it, missed it, waiting for you, checking, void) and next agent check."""
    try:
        query = CallQuery(
            q=q, tags=tuple(normalize_tag(t) for t in _many(tag)),
            statuses=tuple(parse_status(s) for s in _many(status)),
            due_before=due_before, due_after=due_after, category=category, sort=sort, limit=limit, cursor=cursor,
        )
    except ValueError as exc:
        raise BadRequest(f"{exc}.") from None
    store = _tracker(state)
    return await run_in_threadpool(store.find, user, query, utc_now())


@router.patch("/calls/{call_id}", response_model=CallView, responses={
    **NOT_FOUND, 409: {"description": "The terms of a verified or void call cannot change"}}, dependencies=[WriteLimit])
async def edit_call(call_id: str, body: CallUpdate, state: StateDep, user: CurrentUser) -> CallView:
    """Change your confidence (a forecast update: each one is kept) and tags at any time, and, until the call
    is verified, its statement, verification date, method and check. Each request is one entry in the
    call's history, so `POST /api/calls/{id}/undo` takes it back."""
    store = state.store
    now = utc_now()

    def apply() -> CallView:
        updated = update_call(store, user, call_id, body, now=now)
        schedule = store.schedule(user, call_id)
        return view(updated, schedule.next_check_at if schedule else None, now)

    try:
        return await run_in_threadpool(apply)
    except NotFound as exc:
        raise HTTPException(HTTPStatus.NOT_FOUND, exc.message) from exc
    except SettledCall as exc:
        raise HTTPException(HTTPStatus.CONFLICT, exc.message) from exc


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "model": ExportFile,  # puts ExportFile in the OpenAPI components (the import body refers to it)
    "description": "format=json: an ExportFile (every call with its history); format=csv: one row per call",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}})
async def export(
    state: StateDep,
    user: CurrentUser,
    format: Annotated[ExportFormat, Query(description="json (with history; import it back) or csv")] = "json",
) -> StreamingResponse:
    """Every one of your calls, newest first, as a file to download."""
    store = _tracker(state)
    now = utc_now()
    name = f"calledit-{now:%Y%m%d}.{format}"
    return StreamingResponse(
        export_chunks(store, user, format, now),  # a sync iterator: Starlette reads it in a worker thread
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _file_of(request: Request) -> bytes:
    """The file: the body itself, or the first file of a form upload (`multipart/form-data`)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await request.body()
    form = await request.form(max_files=1, max_fields=10)
    for value in form.values():
        if isinstance(value, UploadFile):
            return await value.read()
    raise BadRequest("The form holds no file: send the file itself as the body, or as the form's one file.")


@router.post("/import", response_model=ImportReport, dependencies=[WriteLimit], openapi_extra={"requestBody": {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExportFile"}},
                "text/csv": {"schema": {"type": "string", "description": "Fatebook's CSV export"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}}},
}})
async def import_file(
    request: Request,
    state: StateDep,
    user: CurrentUser,
    format: Annotated[ImportFormat, Query(description="calledit (the JSON export) or fatebook (its CSV export)")],
) -> ImportReport:
    """Import calls from a file (the body): this tracker's JSON export, or Fatebook's CSV export. Calls
    imported before are skipped, so the same file twice adds nothing; rows that cannot be read are listed
    in `errors` with why."""
    data = await _file_of(request)
    if not data.strip():
        raise BadRequest("The body is empty: send the file's contents as the request body.")
    store = _tracker(state)
    return await run_in_threadpool(import_calls, store, user, format, data, utc_now())
