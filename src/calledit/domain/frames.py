"""Reading one client frame into an action, or the protocol error that answers it.

Transport-neutral: the ASGI WebSocket and the Lambda handlers both parse frames here, so a bad frame
gets the same error whichever way it came in.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from calledit.domain.errors import ErrorCode
from calledit.domain.events import ACTION_NAMES, CLIENT_ACTIONS, Cancel, ErrorEvent, MakeCall, Ping

ClientRequest = MakeCall | Cancel | Ping


def describe_validation(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"] if not isinstance(p, int) and p not in ACTION_NAMES)
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "; ".join(parts)


def too_large(size: int, limit: int) -> ErrorEvent:
    return ErrorEvent(code=ErrorCode.TOO_LARGE, message=f"Frame of {size} bytes is over the {limit}-byte limit.")


def parse_frame(text: str | None, data: bytes | None, limit: int) -> ClientRequest | ErrorEvent:
    """The action a frame asks for, or the error event to send back (the connection stays open)."""
    if text is None:
        size = len(data or b"")
        if size > limit:
            return too_large(size, limit)
        return ErrorEvent(code=ErrorCode.BAD_REQUEST, message="Binary frames are not supported: send JSON as text.")
    try:
        raw = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: only possible where the transport did not check
        return ErrorEvent(code=ErrorCode.BAD_REQUEST, message="The frame is not valid UTF-8 text: send JSON as text.")
    if len(raw) > limit:
        return too_large(len(raw), limit)
    try:
        # pydantic's parser, not json.loads: deep nesting is a ValueError here (a RecursionError there,
        # which escaped and closed the socket), and so is a lone surrogate escape such as "\ud800".
        payload: Any = from_json(raw)
    except ValueError as exc:
        return ErrorEvent(
            code=ErrorCode.BAD_REQUEST, message=f"Malformed JSON: {exc}. Send one JSON object per frame."
        )
    if not isinstance(payload, dict):
        return ErrorEvent(code=ErrorCode.BAD_REQUEST, message='Send a JSON object such as {"action": "ping"}.')
    action = payload.get("action")
    if action not in ACTION_NAMES:
        return ErrorEvent(
            code=ErrorCode.BAD_REQUEST,
            message=f"Unknown action {action!r}: use one of {', '.join(ACTION_NAMES)}.",
        )
    try:
        return CLIENT_ACTIONS.validate_python(payload)
    except ValidationError as exc:
        return ErrorEvent(code=ErrorCode.BAD_REQUEST, message=f"Invalid {action}: {describe_validation(exc)}")
