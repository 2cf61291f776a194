"""An optional public track record (docs/sharing.md): `GET/PUT /api/profile/public` turns it on or off, and
`/u/{username}` is its page, rendered on the server like `/c/{slug}` (link previews run no JavaScript).

Off by default. The page shows only the calls the owner shared (each linking to its own `/c/{slug}` page with
its proof) and the record of those calls: how many were called, missed, voided or are still open, and, over
the ones whose confidence the owner chose to show, a calibration summary and the Brier score. Nothing else
about the owner: no unshared call, no user id, no prompt, no tag, no confidence they did not show. Turning it
off, or unsharing a call, changes the page from the next request on (`no-store`).

Mounted on server/share.py's router.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field

from calledit.auth.tokens import Principal
from calledit.domain.call import Call
from calledit.domain.errors import ConfigurationError
from calledit.domain.outcomes import LABELS, Outcome, settled_outcome
from calledit.domain.track_record import brier_score, calibration
from calledit.notify.messages import one_line
from calledit.proof.profiles import NameTaken, PublicProfile, PublicProfiles, profiles_of
from calledit.proof.shares import Share
from calledit.server.state import AppState, CurrentPrincipal, StateDep, WriteLimit
from calledit.server.store_services import base_url, shares_of

router = APIRouter(tags=["sharing"])

NO_STORE = {"Cache-Control": "no-store"}
MAX_CALLS = 500  # the most recently shared calls a page shows and counts
# A name that reads well in an address and is no email address; any other gets a made-up one.
PUBLIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
OPEN = "open"


class PublicProfileSetting(BaseModel):
    """`GET /api/profile/public` and the answer to `PUT`: whether your public track record is on, and where."""

    enabled: bool = Field(description="true: your shared calls and their record are public at `url`")
    url: str | None = Field(description="<server>/u/{username} while on; null while off")


class PublicProfileChange(BaseModel):
    """Body of `PUT /api/profile/public`: `{"enabled": true}` turns it on, `false` off (at once)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    url: str | None = Field(None, description="read-only: ignored (the server picks the address)")


def _profiles(state: AppState) -> PublicProfiles:
    profiles = profiles_of(state.store)
    if profiles is None:
        raise ConfigurationError(f"The {type(state.store).__name__} storage adapter keeps no public track records "
                                 "yet: use a SQLite database (CALLEDIT_DB=path).")
    return profiles


def _setting(state: AppState, request: Request, profile: PublicProfile | None) -> PublicProfileSetting:
    if profile is None or not profile.enabled:
        return PublicProfileSetting(enabled=False, url=None)
    return PublicProfileSetting(enabled=True, url=f"{base_url(state, request)}/u/{quote(profile.username, safe='')}")


def public_name(state: AppState, principal: Principal) -> str:
    """The name in the address: your username (local accounts; a token's `preferred_username`), unless it
    looks like an email address or would not read in a URL; then a made-up one."""
    claims = principal.claims
    name: object = principal.user_id if state.auth.mode == "none" else claims.get("username")
    if not name and state.auth.local is not None:  # a personal API token carries no username: look it up
        user = state.auth.local.users.user(principal.user_id)
        name = user.username if user else None
    if not name and state.auth.mode == "oidc":
        name = claims.get("preferred_username") or claims.get("cognito:username")
    if isinstance(name, str) and PUBLIC_NAME.fullmatch(name):
        return name
    return made_up_name()


def made_up_name() -> str:
    return f"caller-{secrets.token_hex(4)}"


def _turn(state: AppState, principal: Principal, enabled: bool) -> PublicProfile | None:
    profiles = _profiles(state)
    current = profiles.of_owner(principal.user_id)
    if not enabled:
        return profiles.save(principal.user_id, current.username, False) if current else None
    if current is not None:  # the same address as before
        return profiles.save(principal.user_id, current.username, True)
    try:
        return profiles.save(principal.user_id, public_name(state, principal), True)
    except NameTaken:  # someone else's record has that name (another provider's user): one of our own
        return profiles.save(principal.user_id, made_up_name(), True)


@router.get("/api/profile/public", response_model=PublicProfileSetting)
async def get_public_profile(request: Request, state: StateDep, principal: CurrentPrincipal) -> PublicProfileSetting:
    """Whether your public track record is on (off until you turn it on), and its address."""
    profile = await run_in_threadpool(_profiles(state).of_owner, principal.user_id)
    return _setting(state, request, profile)


@router.put("/api/profile/public", response_model=PublicProfileSetting, dependencies=[WriteLimit])
async def put_public_profile(body: PublicProfileChange, request: Request, state: StateDep,
                             principal: CurrentPrincipal) -> PublicProfileSetting:
    """Turn your public track record on or off. On: `/u/{username}` shows the calls you shared (and only
    those) with their record; off: it answers 404 from now on. Turning it on again keeps the address."""
    profile = await run_in_threadpool(_turn, state, principal, body.enabled)
    return _setting(state, request, profile)


# --- the page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicCall:
    share: Share
    call: Call

    @property
    def outcome(self) -> str:
        settled = settled_outcome(self.call)
        return settled.value if settled else OPEN

    @property
    def shown_confidence(self) -> float | None:
        return self.call.confidence if self.share.show_confidence else None


def _day(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d}"


def public_record(calls: list[PublicCall]) -> dict[str, Any]:
    """The record of the shared calls only. The scores use the confidence each page shows, and only where the
    owner chose to show it: a hidden confidence must not be worked back out of a score."""
    outcomes = [c.outcome for c in calls]
    scored: list[tuple[float, int]] = []
    for c in calls:
        forecast = c.shown_confidence
        if forecast is not None and c.outcome in (Outcome.CALLED_IT, Outcome.MISSED_IT):
            scored.append((forecast, 1 if c.outcome == Outcome.CALLED_IT else 0))
    brier = brier_score(scored)
    bins = [{"range": f"{b.lower:.0%} to {b.upper:.0%}", "count": b.count,
             "came_true": round(b.observed_rate * b.count) if b.observed_rate is not None else 0,
             "rate": f"{b.observed_rate:.0%}" if b.observed_rate is not None else ""}
            for b in calibration(scored) if b.count]
    return {"total": len(calls), "called_it": outcomes.count(Outcome.CALLED_IT),
            "missed_it": outcomes.count(Outcome.MISSED_IT), "void": outcomes.count(Outcome.VOID),
            "open": outcomes.count(OPEN), "scored": len(scored),
            "brier": None if brier is None else f"{brier:.3f}", "calibration": bins}


def _describe(name: str, record: dict[str, Any]) -> str:
    parts = [f"{record['total']} shared call{'s' if record['total'] != 1 else ''}: {record['called_it']} called "
             f"it, {record['missed_it']} missed, {record['open']} open"]
    if record["brier"] is not None:
        parts.append(f"Brier score {record['brier']} over {record['scored']} scored")
    return f"{name}'s track record on CalledIt. " + ". ".join(parts) + "."


def _load(state: AppState, username: str) -> tuple[PublicProfile, list[PublicCall]] | None:
    profile = _profiles(state).by_username(username)
    if profile is None or not profile.enabled:
        return None
    calls = []
    for share in shares_of(state).shared_by(profile.owner)[:MAX_CALLS]:
        call = state.store.get(profile.owner, share.call_id)
        if call is not None:
            calls.append(PublicCall(share, call))
    return profile, calls


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("calledit.server", "templates"), autoescape=select_autoescape(["html"]))


def page_context(profile: PublicProfile, calls: list[PublicCall], url: str) -> dict[str, Any]:
    record = public_record(calls)
    title = f"{profile.username}'s calls"
    return {
        "name": profile.username, "title": title, "url": url, "description": _describe(profile.username, record),
        "record": record, "limit": MAX_CALLS if len(calls) >= MAX_CALLS else None,
        "calls": [{
            "statement": c.call.prediction_statement, "short": one_line(c.call.prediction_statement, 200),
            "outcome": c.outcome, "label": LABELS[Outcome(c.outcome)] if c.outcome != OPEN else "open",
            "logged": _day(c.call.created_at), "logged_iso": c.call.created_at.isoformat(),
            "due": _day(c.call.verification_date), "due_iso": c.call.verification_date.isoformat(),
            "confidence": f"{c.shown_confidence:.0%}" if c.shown_confidence is not None else None,
            "href": f"/c/{c.share.slug}",
        } for c in calls],
    }


@router.get("/u/{username}", response_class=HTMLResponse, include_in_schema=False)
async def public_profile_page(username: str, request: Request, state: StateDep) -> HTMLResponse:
    found = await run_in_threadpool(_load, state, username)
    if found is None:
        html = _templates().get_template("no_profile.html").render()
        return HTMLResponse(html, status_code=status.HTTP_404_NOT_FOUND, headers=NO_STORE)
    profile, calls = found
    url = f"{base_url(state, request)}/u/{quote(profile.username, safe='')}"
    html = _templates().get_template("profile.html").render(page_context(profile, calls, url))
    return HTMLResponse(html, headers=NO_STORE)
