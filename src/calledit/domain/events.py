"""The WebSocket protocol, v1: client actions and server events, each a discriminated union.

Everything on the wire is one JSON object. Actions are routed on `action` (API Gateway's
`$request.body.action`); events are told apart by `type`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from calledit.domain.call import MAX_PROMPT_CHARS, CallContent, Verdict
from calledit.domain.errors import ErrorCode
from calledit.domain.notifications import InAppNotification

MAX_FRAME_BYTES = 32 * 1024


# --- client -> server -----------------------------------------------------------------------------


class MakeCall(BaseModel):
    """Run the creation agent on one prediction."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["makecall"]
    prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"


class Cancel(BaseModel):
    """Stop the run in progress on this connection."""

    action: Literal["cancel"]


class Ping(BaseModel):
    action: Literal["ping"]


ClientAction = Annotated[MakeCall | Cancel | Ping, Field(discriminator="action")]
CLIENT_ACTIONS: TypeAdapter[MakeCall | Cancel | Ping] = TypeAdapter(ClientAction)
ACTION_NAMES = ("makecall", "cancel", "ping")


# --- server -> client -----------------------------------------------------------------------------


def _type_is_required(schema: dict[str, Any]) -> None:
    # `type` has a default so code can omit it, but every frame on the wire carries it.
    required = schema.setdefault("required", [])
    if "type" not in required:
        required.insert(0, "type")


class Event(BaseModel):
    """Base of every server event: one JSON object told apart by `type`."""

    model_config = ConfigDict(json_schema_extra=_type_is_required)


class StatusEvent(Event):
    type: Literal["status"] = "status"
    status: Literal["processing", "queued", "complete"]
    message: str | None = None
    position: int | None = Field(default=None, ge=1, description="1 = next in line (queued only)")


class TextEvent(Event):
    type: Literal["text"] = "text"
    content: str


class ToolEvent(Event):
    type: Literal["tool"] = "tool"
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class CallEvent(Event):
    """The fields of the call parsed so far, for progressive rendering."""

    type: Literal["call"] = "call"
    call: dict[str, Any]


class CompleteEvent(Event):
    type: Literal["complete"] = "complete"
    content: CallContent


class VerdictEvent(Event):
    type: Literal["verdict"] = "verdict"
    call_id: str
    verdict: Verdict


class NotificationEvent(Event):
    """A new in-app notification of this user (the bell), with how many are unread now."""

    type: Literal["notification"] = "notification"
    notification: InAppNotification
    unread: int = Field(ge=0)


class ErrorEvent(Event):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    retry_after: float | None = Field(default=None, description="seconds (rate_limited only)")


class PongEvent(Event):
    type: Literal["pong"] = "pong"


ServerEvent = Annotated[
    StatusEvent | TextEvent | ToolEvent | CallEvent | CompleteEvent | VerdictEvent | NotificationEvent | ErrorEvent
    | PongEvent,
    Field(discriminator="type"),
]
SERVER_EVENTS: TypeAdapter[
    StatusEvent | TextEvent | ToolEvent | CallEvent | CompleteEvent | VerdictEvent | NotificationEvent | ErrorEvent
    | PongEvent
] = TypeAdapter(ServerEvent)

AnyServerEvent = (
    StatusEvent | TextEvent | ToolEvent | CallEvent | CompleteEvent | VerdictEvent | NotificationEvent | ErrorEvent
    | PongEvent
)


# A call's null fields (recurring_interval) are data, and so is a notification's unread `read_at`.
_KEEPS_NULLS = (CallEvent, CompleteEvent, VerdictEvent, NotificationEvent)


TEXT_EVENT_PREFIX = '{"type":"text",'  # how every encoded `text` event starts (the server's transport relies on it)


def encode(event: AnyServerEvent) -> str:
    """One event as the JSON text frame sent to clients (optional fields left out when unset)."""
    if type(event) is TextEvent:  # the hot path: one per chunk of model text
        return f'{TEXT_EVENT_PREFIX}"content":{json.dumps(event.content, ensure_ascii=False)}}}'
    if isinstance(event, _KEEPS_NULLS):
        return event.model_dump_json()
    return event.model_dump_json(exclude_none=True)
