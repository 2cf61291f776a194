"""Each user's channels (an email address, a webhook) with their health, and which events go where.

Defaults (no row): verdicts and calls that need you go to every channel you set up; the weekly digest goes
nowhere until you turn it on. A channel whose deliveries failed `notify_max_attempts` times in a row is
*dead*: nothing more is sent to it until you set it up again (PUT it), and the account page says so.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from calledit.domain.notifications import Channel, NotificationKind

WebhookFormat = Literal["json", "slack", "discord"]
EVENTS = (NotificationKind.VERDICT, NotificationKind.DUE, NotificationKind.DIGEST)
OFF_BY_DEFAULT = frozenset({NotificationKind.DIGEST})
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


class ChannelHealth(BaseModel):
    status: Literal["ok", "failing", "dead", "unused"] = Field(
        description="ok: the last delivery worked; failing: recent ones failed and are retried; dead: given up on "
        "after too many failures in a row, set the channel up again to revive it; unused: nothing sent yet")
    failures: int = Field(description="failed deliveries in a row")
    last_error: str | None = None
    last_failure_at: AwareDatetime | None = None
    last_success_at: AwareDatetime | None = None
    dead_since: AwareDatetime | None = None


class EmailSetup(BaseModel):
    """Body of `PUT /api/notifications/channels/email`."""

    model_config = ConfigDict(extra="forbid")

    address: Annotated[str, Field(min_length=3, max_length=254)]

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.fullmatch(value):
            raise ValueError("not an email address: write it as name@example.com")
        return value


class WebhookSetup(BaseModel):
    """Body of `PUT /api/notifications/channels/webhook`. Leave `secret` out to have one made (shown once)."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://")]
    format: WebhookFormat = Field("json", description="json: CalledIt's own payload; slack or discord: their "
                                  "incoming-webhook message shape")
    secret: Annotated[str, Field(min_length=16, max_length=200)] | None = None


class EmailChannel(BaseModel):
    address: str
    health: ChannelHealth


class WebhookChannel(BaseModel):
    url: str
    format: WebhookFormat
    health: ChannelHealth


class NotificationSettings(BaseModel):
    email: EmailChannel | None = Field(None, description="null: no email address set up")
    webhook: WebhookChannel | None = Field(None, description="null: no webhook set up")
    events: dict[NotificationKind, dict[Channel, bool]] = Field(
        description="per event, per channel: on or off (a channel not set up delivers nothing either way)")
    email_available: bool = Field(description="false: this server has no outgoing mail configured")


class EventChoices(BaseModel):
    """Body of `PUT /api/notifications/events`: the switches to change, e.g. {"verdict": {"email": false}}."""

    model_config = ConfigDict(extra="forbid")

    verdict: dict[Channel, bool] = Field(default_factory=dict)
    due: dict[Channel, bool] = Field(default_factory=dict)
    digest: dict[Channel, bool] = Field(default_factory=dict)


class ChannelConfig(BaseModel):
    channel: Channel
    address: str
    secret: str | None = None
    format: str | None = None
    dead: bool = False


class Preferences(Protocol):
    def settings(self, owner: str, email_available: bool) -> NotificationSettings: ...

    def set_channel(self, owner: str, channel: Channel, address: str, secret: str | None = None,
                    format: str | None = None) -> None: ...

    def remove_channel(self, owner: str, channel: Channel) -> bool: ...

    def choose(self, owner: str, choices: EventChoices) -> None: ...

    def channels_for(self, owner: str, kind: NotificationKind) -> list[Channel]: ...

    def digest_subscribers(self) -> list[str]:
        """Every user who turned the weekly digest on for some channel (notify/digest.py)."""
        ...

    def record(self, owner: str, channel: Channel, error: str | None, now: datetime, dead_after: int) -> None: ...


def _health(row: sqlite3.Row) -> ChannelHealth:
    def at(name: str) -> datetime | None:
        value = row[name]
        return datetime.fromisoformat(value) if value else None

    if row["dead_since"]:
        status: Literal["ok", "failing", "dead", "unused"] = "dead"
    elif row["failures"]:
        status = "failing"
    elif row["last_success_at"]:
        status = "ok"
    else:
        status = "unused"
    return ChannelHealth(status=status, failures=int(row["failures"]), last_error=row["last_error"],
                         last_failure_at=at("last_failure_at"), last_success_at=at("last_success_at"),
                         dead_since=at("dead_since"))


class SqlitePreferences:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.connect = connect

    def _channels(self, owner: str) -> dict[Channel, sqlite3.Row]:
        rows = self.connect().execute("SELECT * FROM notification_channels WHERE owner = ?", (owner,)).fetchall()
        return {Channel(row["channel"]): row for row in rows}

    def _choices(self, owner: str) -> dict[NotificationKind, dict[Channel, bool]]:
        chosen = {kind: {channel: kind not in OFF_BY_DEFAULT for channel in Channel} for kind in EVENTS}
        for row in self.connect().execute(
            "SELECT event, channel, enabled FROM notification_prefs WHERE owner = ?", (owner,)
        ):
            if row["event"] in {k.value for k in EVENTS}:
                chosen[NotificationKind(row["event"])][Channel(row["channel"])] = bool(row["enabled"])
        return chosen

    def settings(self, owner: str, email_available: bool) -> NotificationSettings:
        channels = self._channels(owner)
        email = channels.get(Channel.EMAIL)
        webhook = channels.get(Channel.WEBHOOK)
        return NotificationSettings(
            email=EmailChannel(address=email["address"], health=_health(email)) if email else None,
            webhook=WebhookChannel(url=webhook["address"], format=webhook["format"] or "json",
                                   health=_health(webhook)) if webhook else None,
            events=self._choices(owner),
            email_available=email_available,
        )

    def config(self, owner: str, channel: Channel) -> ChannelConfig | None:
        row = self._channels(owner).get(channel)
        if row is None:
            return None
        return ChannelConfig(channel=channel, address=row["address"], secret=row["secret"], format=row["format"],
                             dead=bool(row["dead_since"]))

    def set_channel(self, owner: str, channel: Channel, address: str, secret: str | None = None,
                    format: str | None = None) -> None:
        """Set up (or again: reviving a dead one) a channel; its health starts over."""
        self.connect().execute(
            "INSERT OR REPLACE INTO notification_channels (owner, channel, address, secret, format)"
            " VALUES (?, ?, ?, ?, ?)",
            (owner, channel.value, address, secret, format),
        )

    def remove_channel(self, owner: str, channel: Channel) -> bool:
        cur = self.connect().execute("DELETE FROM notification_channels WHERE owner = ? AND channel = ?",
                                     (owner, channel.value))
        return cur.rowcount > 0

    def choose(self, owner: str, choices: EventChoices) -> None:
        rows = [(owner, kind, channel.value, int(on))
                for kind, switches in choices.model_dump().items() for channel, on in switches.items()]
        self.connect().executemany(
            "INSERT OR REPLACE INTO notification_prefs (owner, event, channel, enabled) VALUES (?, ?, ?, ?)", rows
        )

    def channels_for(self, owner: str, kind: NotificationKind) -> list[Channel]:
        """Where an event of `kind` goes: the channels chosen for it that are set up and not dead."""
        if kind is NotificationKind.TEST:
            chosen = {channel: True for channel in Channel}
        else:
            chosen = self._choices(owner).get(kind, {})
        configured = self._channels(owner)
        return [channel for channel in Channel if chosen.get(channel) and (
            channel is Channel.INAPP or (channel in configured and not configured[channel]["dead_since"]))]

    def digest_subscribers(self) -> list[str]:
        rows = self.connect().execute(
            "SELECT DISTINCT owner FROM notification_prefs WHERE event = ? AND enabled = 1 ORDER BY owner",
            (NotificationKind.DIGEST.value,),
        ).fetchall()
        return [row[0] for row in rows]

    def record(self, owner: str, channel: Channel, error: str | None, now: datetime, dead_after: int) -> None:
        """A delivery on `channel` worked (error None) or failed; `dead_after` failures in a row kill it."""
        if channel is Channel.INAPP:
            return
        stamp = now.astimezone(UTC).isoformat()
        if error is None:
            self.connect().execute(
                "UPDATE notification_channels SET failures = 0, last_success_at = ? WHERE owner = ? AND channel = ?",
                (stamp, owner, channel.value),
            )
            return
        self.connect().execute(
            "UPDATE notification_channels SET failures = failures + 1, last_error = ?, last_failure_at = ?,"
            " dead_since = CASE WHEN dead_since IS NULL AND failures + 1 >= ? THEN ? ELSE dead_since END"
            " WHERE owner = ? AND channel = ?",
            (error[:500], stamp, dead_after, stamp, owner, channel.value),
        )
