"""The owner edits a call: its tags and forecast at any time, its terms (statement, date, method, check)
until it is verified. One request is one history entry, so one undo takes it back.

The entry's action names the biggest change it made: `edited` (the terms; tags and forecast changed in
the same request ride along), else `tagged`, else `confidence` (a forecast update). A request that
changes nothing records nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from calledit.agents.sanitize import clean_value
from calledit.domain.call import Call, CallDate, CallStatus, ChangeAction, ShortText, VerificationMethod
from calledit.domain.check import Check
from calledit.domain.errors import BadRequest, NotFound
from calledit.domain.forecasts import with_forecast
from calledit.domain.history import Part, change
from calledit.domain.policy import first_check_at
from calledit.domain.tags import Tags
from calledit.storage.base import CallStore

TERMS = ("prediction_statement", "verification_date", "verification_method", "check")
# Changing any of these changes what the agent checks, and when: its schedule starts again.
RESCHEDULES = ("verification_date", "verification_method", "check")


class SettledCall(BadRequest):
    """The terms of a verified or void call cannot change (HTTP 409)."""


class CallUpdate(BaseModel):
    """Body of `PATCH /api/calls/{id}`: the fields to change; a field left out stays as it is.

    `confidence` (0-1; null withdraws it) and `tags` (the whole new list) change at any time;
    `prediction_statement`, `verification_date`, `verification_method` and `check` (null removes it)
    only until the call is verified."""

    model_config = ConfigDict(extra="forbid")

    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    tags: Tags | None = None
    # The call's own field names; `statement`, `date` and `method` are read too.
    prediction_statement: ShortText | None = Field(
        default=None, validation_alias=AliasChoices("prediction_statement", "statement"))
    verification_date: CallDate | None = Field(
        default=None, validation_alias=AliasChoices("verification_date", "date"))
    verification_method: VerificationMethod | None = Field(
        default=None, validation_alias=AliasChoices("verification_method", "method"))
    check: Check | None = None


def _cleaned_terms(update: CallUpdate) -> dict[str, Any]:
    """The new terms, with the text cleaning every call's text gets (docs: agents/sanitize.py)."""
    terms: dict[str, Any] = {}
    for name in TERMS:
        if name not in update.model_fields_set:
            continue
        value = getattr(update, name)
        if value is None and name != "check":
            raise BadRequest(f"{name} cannot be null: send the new value, or leave the field out.")
        terms[name] = value
    payload = {name: clean_value(value.model_dump(mode="json") if isinstance(value, BaseModel) else value)
               for name, value in terms.items() if name != "verification_date"}
    try:
        cleaned = CallUpdate.model_validate(payload)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors())
        raise BadRequest(f"These fields are empty once markup is removed: {fields}.") from None
    return {name: (getattr(cleaned, name) if name in payload else value) for name, value in terms.items()}


def update_call(store: CallStore, owner: str, call_id: str, update: CallUpdate, *, now: datetime) -> Call:
    """Apply the owner's changes to the call and record them; the call as stored after (unchanged when
    the request changed nothing). NotFound, BadRequest, or SettledCall for terms of a verified call."""
    call = store.get(owner, call_id)
    schedule = store.schedule(owner, call_id)
    if call is None or schedule is None:
        raise NotFound(f"No call with id {call_id!r}.")
    fields = update.model_fields_set
    updated, parts = call, set[Part]()
    terms = {name: value for name, value in _cleaned_terms(update).items() if getattr(call, name) != value}
    if terms:
        if call.status in (CallStatus.VERIFIED, CallStatus.VOID):
            raise SettledCall(
                f"This call is {call.status.value}: its statement, date, method and check can no longer change. "
                f"Undo the verdict first (POST /api/calls/{call_id}/undo, or `calledit undo`), or make a new call."
            )
        try:  # the whole call again: its own rules (a recurring interval, date bounds) still hold
            updated = Call.model_validate({**updated.model_dump(), **terms})
        except ValidationError as exc:
            raise BadRequest(f"That edit leaves the call invalid: {exc.errors()[0]['msg']}.") from None
        parts.add("terms")
    if "tags" in fields and (update.tags or []) != call.tags:
        updated = updated.model_copy(update={"tags": update.tags or []})
        parts.add("tags")
    if "confidence" in fields and update.confidence != call.confidence:
        updated = with_forecast(updated, update.confidence, now)
        parts.add("forecasts")
    if not parts:
        return call
    next_after = schedule.next_check_at
    if any(name in terms for name in RESCHEDULES):
        next_after = first_check_at(updated, now)
    action: ChangeAction = "edited" if "terms" in parts else "tagged" if "tags" in parts else "confidence"
    entry = change(call, updated, at=now, actor="owner", action=action, next_before=schedule.next_check_at,
                   next_after=next_after, parts=sorted(parts))
    try:
        stored = store.record(owner, updated, entry, next_check_at=next_after)
    except KeyError as exc:  # deleted between the read and the write
        raise NotFound(f"No call with id {call_id!r}.") from exc
    assert stored is not None  # record() without a worker always applies
    return stored
