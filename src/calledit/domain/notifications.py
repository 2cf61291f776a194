"""Notifications: what the owner is told, on which channels (docs/notifications.md)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel


class NotificationKind(StrEnum):
    VERDICT = "verdict"  # the agent's verdict landed on one of your calls
    DUE = "due"  # a call needs you: human-verifiable and its date came, or inconclusive after every retry
    DIGEST = "digest"  # the week's summary (off unless chosen)
    TEST = "test"  # `POST /api/notifications/test`: is this channel working?


class Channel(StrEnum):
    INAPP = "inapp"
    EMAIL = "email"
    WEBHOOK = "webhook"


class InAppNotification(BaseModel):
    """One entry under the bell."""

    id: str
    kind: NotificationKind
    call_id: str | None = None
    title: str
    body: str
    created_at: AwareDatetime
    read_at: AwareDatetime | None = None
