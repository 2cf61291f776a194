"""Sharing a call: `POST/GET/DELETE /api/calls/{id}/share`, and the public page `/c/{slug}` with its Open Graph
preview image and proof.

The page is rendered on the server (link previews run no JavaScript) from a Jinja2 template with autoescaping:
the statement, the check's words and the evidence are the user's and the web's text. It shows only what
`Share.disclosed()` names (the owner's confidence only when they chose to), never who the owner is; unsharing
deletes the slug, so the next request gets 404, and nothing here may be cached (`no-store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from calledit.domain.call import Call, CallStatus
from calledit.notify.messages import one_line
from calledit.proof.bundle import ProofReport
from calledit.proof.shares import Share
from calledit.server import public_profile
from calledit.server.share_card import Card, render_card
from calledit.server.state import AppState, CurrentUser, StateDep, WriteLimit
from calledit.server.store_services import base_url, log_of, shares_of
from calledit.wiring import services_of

router = APIRouter(tags=["sharing"])
router.include_router(public_profile.router)  # /api/profile/public and /u/{username}: public track records

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user, or not shared"}}
NO_STORE = {"Cache-Control": "no-store"}
OUTCOME_LABELS = {"confirmed": "Called it: confirmed", "refuted": "Missed: refuted", "inconclusive": "Inconclusive",
                  "void": "Void", "pending": "Open: not checked yet"}


class ShareOptions(BaseModel):
    """Body of `POST /api/calls/{id}/share` (optional)."""

    model_config = ConfigDict(extra="forbid")

    show_confidence: bool = Field(False, description="show your own confidence on the public page")


class SharedCall(BaseModel):
    url: str = Field(description="the public page: <server>/c/{slug}")
    path: str = Field(description="/c/{slug}")
    slug: str
    show_confidence: bool
    shared_at: AwareDatetime


def _shared(state: AppState, request: Request, share: Share) -> SharedCall:
    path = f"/c/{share.slug}"
    return SharedCall(url=base_url(state, request) + path, path=path, slug=share.slug,
                      show_confidence=share.show_confidence, shared_at=share.created_at)


# --- the owner's routes -------------------------------------------------------------------------------


@router.post("/api/calls/{call_id}/share", response_model=SharedCall, responses=NOT_FOUND, dependencies=[WriteLimit])
async def share_call(call_id: str, request: Request, state: StateDep, user: CurrentUser,
                     body: ShareOptions | None = None) -> SharedCall:
    """Share a call at an unguessable public address (again: the same address, with these options).
    `DELETE` the share to take the page down at once."""
    options = body or ShareOptions()
    share = await run_in_threadpool(shares_of(state).share, user, call_id, options.show_confidence)
    if share is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r}.")
    return _shared(state, request, share)


@router.get("/api/calls/{call_id}/share", response_model=SharedCall, responses=NOT_FOUND)
async def get_share(call_id: str, request: Request, state: StateDep, user: CurrentUser) -> SharedCall:
    share = await run_in_threadpool(shares_of(state).of_call, user, call_id)
    if share is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Call {call_id!r} is not shared: POST here to share it.")
    return _shared(state, request, share)


@router.delete("/api/calls/{call_id}/share", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
               dependencies=[WriteLimit])
async def unshare_call(call_id: str, state: StateDep, user: CurrentUser) -> Response:
    """Stop sharing: the public page answers 404 from now on. Sharing again makes a new address."""
    if not await run_in_threadpool(shares_of(state).unshare, user, call_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Call {call_id!r} is not shared.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the public page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Public:
    share: Share
    call: Call
    report: ProofReport
    key_id: str


def _outcome(call: Call) -> str:
    if call.status is CallStatus.VOID:
        return "void"
    if call.verdict is not None:
        return call.verdict.verdict.value
    return "inconclusive" if call.status is CallStatus.INCONCLUSIVE else "pending"


def _when(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _load(state: AppState, slug: str) -> _Public | None:
    """The shared call and its proof status; None when nothing is shared at `slug`."""
    share = shares_of(state).by_slug(slug)
    if share is None:
        return None
    call = state.store.get(share.owner, share.call_id)
    if call is None:
        return None
    log = services_of(state.store).log
    if log is None:  # a deployment without its signing key (docs/deploy-aws.md): say so, show the rest
        return _Public(share, call, ProofReport(ok=False, call_id=call.id, problems=[
            "this server keeps no call log: its operator has to set CALLEDIT_LOG_SIGNING_KEY."]), "")
    report = log.check(share.owner, call, share.disclosed())
    if report.ok:
        hidden = log.check(share.owner, call)  # the fields not shown must match the log too
        if not hidden.ok:
            report = ProofReport(ok=False, call_id=call.id, problems=[
                "the stored call differs from the log in a field this page does not show: it was changed "
                "outside the server's record of changes."])
    return _Public(share, call, report, log.signer.key_id)


def _proof_lines(report: ProofReport) -> list[str]:
    return report.sentences()[:-1] if report.ok else report.problems  # the key remark is for the CLI


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("calledit.server", "templates"), autoescape=select_autoescape(["html"]))


def _not_shared() -> HTMLResponse:
    html = _templates().get_template("not_shared.html").render()
    return HTMLResponse(html, status_code=status.HTTP_404_NOT_FOUND, headers=NO_STORE)


def _href(source: str) -> str | None:
    return source if source.startswith(("https://", "http://")) else None


def page_context(public: _Public, url: str) -> dict[str, Any]:
    call, report, share = public.call, public.report, public.share
    outcome = _outcome(call)
    statement = call.prediction_statement
    verdict = None
    if call.verdict is not None:
        verdict = {
            "label": OUTCOME_LABELS.get(call.verdict.verdict.value, call.verdict.verdict.value),
            "at": _when(call.verdict.verified_at), "at_iso": call.verdict.verified_at.isoformat(),
            "by_owner": call.verdict.model is None, "reasoning": call.verdict.reasoning,
            "evidence": [{"finding": e.finding, "source": e.source, "href": _href(e.source)}
                         for e in call.verdict.evidence],
        }
    proved = report.field("prediction_statement")
    proof_note = (f"Proved: log entry {proved.since_index}" if report.ok and proved else "Proof FAILED")
    description = (f"{OUTCOME_LABELS[outcome]}. Logged {_when(call.created_at)}, checked on "
                   f"{_when(call.verification_date)}. {proof_note}.")
    return {
        "title": one_line(statement, 90), "statement": statement, "description": description, "url": url,
        "image": f"{url}/card.png", "image_alt": f"{OUTCOME_LABELS[outcome]}: {one_line(statement, 200)}",
        "proof_url": f"{url}/proof.json", "outcome": outcome, "outcome_label": OUTCOME_LABELS[outcome],
        "logged": _when(call.created_at), "logged_iso": call.created_at.isoformat(),
        "due": _when(call.verification_date), "due_iso": call.verification_date.isoformat(),
        "criterion": call.verification_method.criteria[0],
        "confidence": f"{call.confidence:.0%}" if share.show_confidence and call.confidence is not None else None,
        "verdict": verdict, "proof": {"ok": report.ok, "lines": _proof_lines(report)}, "key_id": public.key_id[:16],
        "card": Card(statement=statement, outcome=outcome, logged=f"Logged {call.created_at.astimezone(UTC):%Y-%m-%d}",
                     checked=(f"Checked {call.verdict.verified_at.astimezone(UTC):%Y-%m-%d}" if call.verdict else
                              f"Check due {call.verification_date.astimezone(UTC):%Y-%m-%d}"),
                     proof=proof_note, proof_ok=report.ok),
    }


@router.get("/c/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def public_page(slug: str, request: Request, state: StateDep) -> HTMLResponse:
    public = await run_in_threadpool(_load, state, slug)
    if public is None:
        return _not_shared()
    context = page_context(public, f"{base_url(state, request)}/c/{slug}")
    return HTMLResponse(_templates().get_template("share.html").render(context), headers=NO_STORE)


@router.get("/c/{slug}/card.png", include_in_schema=False)
async def public_card(slug: str, request: Request, state: StateDep) -> Response:
    public = await run_in_threadpool(_load, state, slug)
    if public is None:
        return _not_shared()
    card: Card = page_context(public, f"{base_url(state, request)}/c/{slug}")["card"]
    png = await run_in_threadpool(render_card, card)
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get("/c/{slug}/proof.json", include_in_schema=False)
async def public_proof(slug: str, state: StateDep) -> Response:
    """The shared call's proof, revealing the shared fields only: `calledit prove <page URL>` checks it."""

    def build() -> str | None:
        share = shares_of(state).by_slug(slug)
        call = state.store.get(share.owner, share.call_id) if share else None
        if share is None or call is None:
            return None
        proof = log_of(state).prove(share.owner, call, share.disclosed())
        return proof.model_dump_json() if proof else None

    body = await run_in_threadpool(build)
    if body is None:
        return JSONResponse({"code": "bad_request", "message": "Nothing is shared at this address."},
                            status_code=status.HTTP_404_NOT_FOUND, headers=NO_STORE)
    return Response(body, media_type="application/json", headers=NO_STORE)
