"""REST for notifications (docs/notifications.md): the bell, your channels and their health, what goes where,
and a test message. The rules live in notify/; this module only carries them."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from calledit.domain.errors import ConfigurationError
from calledit.domain.notifications import Channel, InAppNotification, NotificationKind
from calledit.notify.channels import check_webhook_url, email_available
from calledit.notify.inbox import Inbox
from calledit.notify.outbox import Outbox, OutboxEvent
from calledit.notify.preferences import (
    EmailSetup,
    EventChoices,
    NotificationSettings,
    Preferences,
    WebhookSetup,
)
from calledit.server.state import AppState, CurrentUser, StateDep, WriteLimit
from calledit.wiring import Services, services_of

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


class Bell(BaseModel):
    items: list[InAppNotification] = Field(description="newest first")
    unread: int


class MarkRead(BaseModel):
    """Body of `POST /api/notifications/read`: these ids, or (null) everything."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(None, max_length=200)


class Unread(BaseModel):
    unread: int


class WebhookSaved(BaseModel):
    settings: NotificationSettings
    secret: str | None = Field(None, description="the signing secret made for you: shown this once (null when you "
                               "gave your own)")


class TestQueued(BaseModel):
    event_id: str
    channels: list[Channel] = Field(description="where it goes: every channel you set up that is not dead")


def _services(state: AppState) -> tuple[Services, Inbox, Preferences, Outbox]:
    services = services_of(state.store)
    if services.inbox is None or services.preferences is None or services.outbox is None:
        raise ConfigurationError(f"The {type(state.store).__name__} storage adapter keeps no notifications yet: use "
                                 "a SQLite database (CALLEDIT_DB=path).")
    return services, services.inbox, services.preferences, services.outbox


def _settings(state: AppState, user: str) -> NotificationSettings:
    return _services(state)[2].settings(user, email_available(state.settings))


@router.get("", response_model=Bell)
async def bell(state: StateDep, user: CurrentUser, unread_only: bool = False,
               limit: int = Query(50, ge=1, le=200)) -> Bell:
    """Your in-app notifications and how many are unread (live updates come as `notification` events on /ws)."""
    _, inbox, _, _ = _services(state)

    def read() -> Bell:
        return Bell(items=inbox.items(user, limit, unread_only), unread=inbox.unread(user))

    return await run_in_threadpool(read)


@router.post("/read", response_model=Unread, dependencies=[WriteLimit])
async def mark_read(body: MarkRead, state: StateDep, user: CurrentUser) -> Unread:
    """Mark notifications read (`ids`), or all of them (`ids` null or left out)."""
    _, inbox, _, _ = _services(state)

    def mark() -> Unread:
        inbox.mark_read(user, body.ids, datetime.now(UTC))
        return Unread(unread=inbox.unread(user))

    return await run_in_threadpool(mark)


@router.get("/settings", response_model=NotificationSettings)
async def get_settings(state: StateDep, user: CurrentUser) -> NotificationSettings:
    """Your email address and webhook with their health (a dead channel says so: set it up again to revive
    it), and which events go to which channel."""
    return await run_in_threadpool(_settings, state, user)


@router.put("/events", response_model=NotificationSettings, dependencies=[WriteLimit])
async def choose_events(body: EventChoices, state: StateDep, user: CurrentUser) -> NotificationSettings:
    """Turn events on or off per channel, e.g. `{"verdict": {"email": false}, "digest": {"email": true}}`."""
    _, _, preferences, _ = _services(state)
    await run_in_threadpool(preferences.choose, user, body)
    return await run_in_threadpool(_settings, state, user)


@router.put("/channels/email", response_model=NotificationSettings, dependencies=[WriteLimit])
async def set_email(body: EmailSetup, state: StateDep, user: CurrentUser) -> NotificationSettings:
    """Where your email goes. Setting it again revives a dead address. Send a test with POST .../test."""
    if not email_available(state.settings):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "This server sends no email: its operator has to set "
                            "CALLEDIT_EMAIL_FROM and CALLEDIT_SMTP_HOST (or CALLEDIT_EMAIL=ses) first.")
    _, _, preferences, _ = _services(state)
    await run_in_threadpool(preferences.set_channel, user, Channel.EMAIL, body.address)
    return await run_in_threadpool(_settings, state, user)


@router.put("/channels/webhook", response_model=WebhookSaved, dependencies=[WriteLimit])
async def set_webhook(body: WebhookSetup, state: StateDep, user: CurrentUser) -> WebhookSaved:
    """Your webhook: each notification is POSTed as JSON (or Slack/Discord's shape), signed in
    `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with the secret, as GitHub signs its own."""
    problem = await run_in_threadpool(check_webhook_url, state.settings, body.url)
    if problem:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, problem)
    made = None if body.secret else secrets.token_urlsafe(32)
    _, _, preferences, _ = _services(state)
    await run_in_threadpool(preferences.set_channel, user, Channel.WEBHOOK, body.url, body.secret or made,
                            body.format)
    return WebhookSaved(settings=await run_in_threadpool(_settings, state, user), secret=made)


@router.delete("/channels/{channel}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteLimit])
async def remove_channel(channel: Channel, state: StateDep, user: CurrentUser) -> Response:
    if channel is Channel.INAPP:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The bell cannot be removed: turn its events off with "
                            "PUT /api/notifications/events instead.")
    _, _, preferences, _ = _services(state)
    if not await run_in_threadpool(preferences.remove_channel, user, channel):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No {channel.value} channel is set up.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/test", response_model=TestQueued, status_code=status.HTTP_202_ACCEPTED, dependencies=[WriteLimit])
async def send_test(state: StateDep, user: CurrentUser) -> TestQueued:
    """Send a test notification to every channel you set up; watch its health in GET .../settings."""
    _, _, preferences, outbox = _services(state)
    now = datetime.now(UTC)
    event = OutboxEvent(f"test:{uuid.uuid4().hex}", user, NotificationKind.TEST, None, {}, now, now)
    await run_in_threadpool(outbox.enqueue, event)
    channels = await run_in_threadpool(preferences.channels_for, user, NotificationKind.TEST)
    return TestQueued(event_id=event.id, channels=channels)
