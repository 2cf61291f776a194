"""Defences for text that is shown back to people: the prediction, and everything a model writes.

Whatever a prediction says (including "ignore your instructions and ..."), the model only ever sees it
as quoted data, and what comes back is schema-validated, stripped of control characters and markup,
and attached to the caller's own run: a model answer has no way to reach another user's calls.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from calledit.domain.call import CallCreate, CallDraft
from calledit.domain.errors import BadRequest, ModelError

M = TypeVar("M", bound=BaseModel)

# C0 and C1 controls except \t and \n, plus the bidi overrides and isolates that can make text
# display differently from what it says ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SCRIPTS = re.compile(r"<\s*(script|style|iframe|object|embed)\b.*?(<\s*/\s*\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
_TAG_START = re.compile(r"<(?=\s*[A-Za-z/!?])")
_SCRIPT_URL = re.compile(r"\b(javascript|vbscript)\s*:", re.I)
_PREDICTION_TAG = re.compile(r"<(\s*/?\s*prediction\b[^>]*)>", re.I)
# Fields of the call a person types (kept as written) versus the ones a model writes (cleaned).
_USER_FIELDS = {"raw_prompt", "timezone", "model"}


def strip_controls(text: str) -> str:
    """Remove control characters (but keep newlines and tabs) and bidi overrides."""
    return _CONTROLS.sub("", text)


def strip_markup(text: str) -> str:
    """Remove HTML: script-like elements with their content, every other tag, and `javascript:` URLs.

    A lone `<` that could still open a tag gets a space after it, so no HTML parser sees a tag."""
    text = _SCRIPTS.sub("", text)
    text = _TAG.sub("", text)
    text = _TAG_START.sub("< ", text)
    return _SCRIPT_URL.sub(r"\1 :", text)


def clean_text(text: str) -> str:
    """What every model-written string goes through before anyone sees it."""
    return strip_markup(strip_controls(text)).strip()


def quote_prediction(prediction: str) -> str:
    """The prediction as it goes into the prompt: no control characters, and no way to close (or
    reopen) the <prediction> quote it travels in, whatever the case or spacing."""
    return _PREDICTION_TAG.sub("\u2039\\1\u203a", strip_controls(prediction))


def clean_value(value: Any) -> Any:
    """clean_text applied to every string inside a JSON-like value (partial call fields)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {key: clean_value(item) for key, item in value.items()}
    return value


def _cleaned(model: M, keep: set[str]) -> M:
    payload = model.model_dump(mode="json")
    for key, value in payload.items():
        payload[key] = strip_controls(value) if key in keep and isinstance(value, str) else (
            value if key in keep else clean_value(value)
        )
    return type(model).model_validate(payload)


def sanitize_draft(draft: CallDraft, context: object = None) -> CallDraft:
    """A Guard for CreationAgent: the model's call with its text cleaned, revalidated against the schema.

    Raises ModelError when nothing but markup was left in a required field."""
    del context
    try:
        return _cleaned(draft, set())
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors())
        raise ModelError(f"The model's answer was only markup in {fields}: try rephrasing the prediction.") from None


def sanitize_call(call: CallCreate) -> CallCreate:
    """A call sent to POST /api/calls: the same cleaning, and a timezone that really exists."""
    try:
        zoneinfo.ZoneInfo(call.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadRequest(
            f"Unknown timezone {call.timezone!r}: use an IANA name such as 'Europe/Paris'."
        ) from None
    try:
        return _cleaned(call, _USER_FIELDS)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors())
        raise BadRequest(f"These fields are empty once markup is removed: {fields}.") from None
