"""Notifications end to end on loopback: a real SMTP server (aiosmtpd) receives the mail, a webhook endpoint
checks the HMAC signature, the bell fills and is pushed over the WebSocket; a process killed between the
verdict and its delivery loses and repeats nothing; failures back off, and a dead channel is reported."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.domain.notifications import Channel, NotificationKind
from calledit.notify.service import Dispatcher
from calledit.providers.base import Provider
from calledit.scheduler.worker import Verifier
from calledit.server import create_app
from calledit.storage.base import CallStore
from calledit.wiring import build_dispatcher, build_store, services_of
from tests.fixtures.notify import SMTP_PASSWORD, SMTP_USER, Hooks, Mailbox, smtp_server, webhook_server
from tests.fixtures.server import run_server
from tests.fixtures.wsclient import until
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier, new_call

OWNER = "local"
SECRET = "a-shared-webhook-secret-of-some-length"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    with smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def hooks() -> Iterator[tuple[Hooks, str]]:
    with webhook_server(SECRET) as server:
        yield server


@pytest.fixture
def notify_settings(settings: Settings, mail: tuple[Mailbox, int, Path]) -> Settings:
    return settings.model_copy(update={
        "email_from": "CalledIt <calls@calledit.example>", "smtp_host": "127.0.0.1", "smtp_port": mail[1],
        "smtp_tls": "starttls", "smtp_ca_file": mail[2], "smtp_username": SMTP_USER,
        "smtp_password": SecretStr(SMTP_PASSWORD),
        "webhook_allow_private": True, "notify_retry_seconds": 60, "notify_max_attempts": 3,
        "notify_lease_seconds": 30, "public_url": "https://calledit.example",
    })


@pytest.fixture
def store(notify_settings: Settings) -> Iterator[CallStore]:
    store = build_store(notify_settings)
    yield store
    store.close()


def set_up_channels(store: CallStore, webhook_url: str, *, owner: str = OWNER, fmt: str = "json") -> None:
    preferences = services_of(store).preferences
    assert preferences is not None
    preferences.set_channel(owner, Channel.EMAIL, "owner@example.org")
    preferences.set_channel(owner, Channel.WEBHOOK, webhook_url, SECRET, fmt)


def verdict_lands(store: CallStore, statement: str = "It rains in Paris on Friday", owner: str = OWNER) -> str:
    call = store.add(owner, new_call(statement, "immediate", datetime.now(UTC)))
    clock = FakeClock()
    worker = Verifier(store, ScriptedVerifier(clock, ["confirmed"]), clock=clock)  # type: ignore[arg-type]
    assert [r.result for r in asyncio.run(worker.run_once())] == ["verified"]
    return call.id


def dispatcher(settings: Settings, store: CallStore, clock: FakeClock | None = None) -> Dispatcher:
    built = build_dispatcher(settings, store, None, clock=clock or FakeClock())
    assert built is not None
    return built


def test_a_verdict_reaches_email_webhook_and_the_bell_once(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path], hooks: tuple[Hooks, str]
) -> None:
    mailbox, (received, url) = mail[0], hooks
    set_up_channels(store, url)
    call_id = verdict_lands(store, 'The "Lakers" win <tonight> & more')
    first = asyncio.run(dispatcher(notify_settings, store).run_once())
    assert len(first.sent) == 3 and not first.failed

    assert len(mailbox.messages) == 1 and mailbox.recipients == [["owner@example.org"]]
    assert mailbox.logins == [SMTP_USER]
    message = mailbox.messages[0]
    assert message["Subject"].startswith("Your call was confirmed: The \"Lakers\" win")
    assert message["X-CalledIt-Delivery"].startswith("verdict:")
    assert message["Message-ID"].endswith("@calledit.example>")
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "confirmed: you called it" in text.get_content()
    assert f"https://calledit.example/#/calls/{call_id}" in text.get_content()
    assert "&lt;tonight&gt; &amp; more" in html.get_content() and "<tonight>" not in html.get_content()

    assert received.bad_signatures == 0 and len(received.received) == 1
    payload = received.bodies()[0]
    assert payload["event"] == "verdict" and payload["call_id"] == call_id
    assert payload["data"]["verdict"]["verdict"] == "confirmed"
    headers = received.received[0]["headers"]
    assert headers["X-CalledIt-Event"] == "verdict" and headers["X-CalledIt-Delivery"] == payload["id"]

    inbox = services_of(store).inbox
    assert inbox is not None and inbox.unread(OWNER) == 1
    assert inbox.items(OWNER)[0].title == message["Subject"]

    again = asyncio.run(dispatcher(notify_settings, store).run_once())
    assert again.sent == [] and len(mailbox.messages) == 1 and len(received.received) == 1


def test_slack_and_discord_payloads(store: CallStore, notify_settings: Settings,
                                    hooks: tuple[Hooks, str]) -> None:
    received, url = hooks
    set_up_channels(store, url, owner="slacker", fmt="slack")
    set_up_channels(store, url, owner="gamer", fmt="discord")
    verdict_lands(store, "A <b>bold</b> call @everyone", owner="slacker")
    verdict_lands(store, "A <b>bold</b> call @everyone", owner="gamer")
    asyncio.run(dispatcher(notify_settings, store).run_once())
    bodies = {("text" if "text" in b else "content"): b for b in received.bodies()}
    assert bodies["text"]["text"].startswith("*Your call was confirmed:") and "&lt;b&gt;" in bodies["text"]["text"]
    assert "<https://calledit.example/#/calls/" in bodies["text"]["text"]
    assert bodies["content"]["allowed_mentions"] == {"parse": []}  # no @everyone pings from a statement


def run_child(stage: str, settings: Settings, *args: str) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "CALLEDIT_DB": str(settings.db),
           "CALLEDIT_DATA_DIR": str(settings.data_dir), "CALLEDIT_EMAIL_FROM": settings.email_from or "",
           "CALLEDIT_SMTP_HOST": "127.0.0.1", "CALLEDIT_SMTP_PORT": str(settings.smtp_port),
           "CALLEDIT_SMTP_TLS": "starttls", "CALLEDIT_SMTP_CA_FILE": str(settings.smtp_ca_file),
           "CALLEDIT_SMTP_USERNAME": SMTP_USER, "CALLEDIT_SMTP_PASSWORD": SMTP_PASSWORD,
           "CALLEDIT_WEBHOOK_ALLOW_PRIVATE": "true", "CALLEDIT_NOTIFY_LEASE_SECONDS": "30"}
    return subprocess.run([sys.executable, "-m", "tests.integration.crash_child", stage, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60).returncode


@pytest.mark.parametrize("stage", ["after-verdict", "mid-delivery"])
def test_a_crash_before_sending_then_a_restart_delivers_exactly_once(
    stage: str, notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path],
    hooks: tuple[Hooks, str],
) -> None:
    mailbox, (received, url) = mail[0], hooks
    set_up_channels(store, url)
    if stage == "after-verdict":
        store.add(OWNER, new_call("Killed after its verdict", "immediate", datetime.now(UTC)))
        assert run_child("after-verdict", notify_settings) == 9
    else:
        verdict_lands(store, "Killed mid-delivery")
        assert run_child("mid-delivery", notify_settings) == 9
    assert mailbox.messages == [] and received.received == []  # the process died before anything went out

    clock = FakeClock(datetime.now(UTC))  # the real time: the dead process's leases still hold
    restarted = dispatcher(notify_settings, store, clock)
    first = asyncio.run(restarted.run_once())
    if stage == "mid-delivery":  # the dead process's leases hold until they expire
        assert first.sent == []
        clock.advance(seconds=notify_settings.notify_lease_seconds + 1)
        first = asyncio.run(restarted.run_once())
    assert len(first.sent) == 3
    clock.advance(hours=1)
    assert asyncio.run(restarted.run_once()).sent == []
    assert len(mailbox.messages) == 1 and len(received.received) == 1
    inbox = services_of(store).inbox
    assert inbox is not None and len(inbox.items(OWNER)) == 1


def test_a_crash_between_sending_and_marking_sent_repeats_with_the_same_key(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path], hooks: tuple[Hooks, str]
) -> None:
    """The one window an outbox cannot close: the mail left, the process died before recording it. The copy
    sent after the restart carries the same Message-ID and delivery key, so a receiver can drop it."""
    mailbox, (received, url) = mail[0], hooks
    set_up_channels(store, url)
    verdict_lands(store, "Killed just after sending")
    assert run_child("after-send", notify_settings) == 9
    assert len(mailbox.messages) == 1
    clock = FakeClock()
    clock.advance(seconds=notify_settings.notify_lease_seconds + 1)
    assert len(asyncio.run(dispatcher(notify_settings, store, clock).run_once()).sent) == 3
    assert len(mailbox.messages) == 2 and len(received.received) == 1
    first, second = mailbox.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["X-CalledIt-Delivery"] == second["X-CalledIt-Delivery"]


def test_failures_back_off_then_a_dead_channel_is_reported_and_revived(
    notify_settings: Settings, store: CallStore, hooks: tuple[Hooks, str]
) -> None:
    received, url = hooks
    set_up_channels(store, url)
    preferences = services_of(store).preferences
    assert preferences is not None
    received.fail_next = 1
    verdict_lands(store, "Flaky endpoint")
    clock = FakeClock()
    worker = dispatcher(notify_settings, store, clock)
    assert len(asyncio.run(worker.run_once()).failed) == 1  # the webhook answered 500: retried later
    assert preferences.settings(OWNER, True).webhook.health.status == "failing"  # type: ignore[union-attr]
    clock.advance(seconds=30)
    assert asyncio.run(worker.run_once()).sent == []  # not before its backoff (60 s)
    clock.advance(seconds=31)
    assert len(asyncio.run(worker.run_once()).sent) == 1 and len(received.received) == 1
    assert preferences.settings(OWNER, True).webhook.health.status == "ok"  # type: ignore[union-attr]

    received.always_fail = True
    verdict_lands(store, "Dead endpoint")
    for _ in range(notify_settings.notify_max_attempts):
        asyncio.run(worker.run_once())
        clock.advance(hours=7)
    webhook = preferences.settings(OWNER, True).webhook
    assert webhook is not None and webhook.health.status == "dead" and webhook.health.dead_since is not None
    assert "500" in (webhook.health.last_error or "")
    outbox = services_of(store).outbox
    assert outbox is not None
    assert outbox.waiting(clock(), 10) == []  # everything was expanded; the dead channel's delivery was given up on
    assert Channel.WEBHOOK not in preferences.channels_for(OWNER, NotificationKind.VERDICT)
    preferences.set_channel(OWNER, Channel.WEBHOOK, url, SECRET, "json")  # set up again: alive
    assert preferences.settings(OWNER, True).webhook.health.status == "unused"  # type: ignore[union-attr]


def test_a_call_that_needs_its_owner(notify_settings: Settings, store: CallStore,
                                     mail: tuple[Mailbox, int, Path]) -> None:
    mailbox = mail[0]
    preferences = services_of(store).preferences
    assert preferences is not None
    preferences.set_channel(OWNER, Channel.EMAIL, "owner@example.org")
    clock = FakeClock()
    due = clock() + timedelta(days=2)
    store.add(OWNER, new_call("I enjoy the film", "at_date", due, verifiable_category="human_verifiable_only"))
    gone = store.add(OWNER, new_call("Resolved before its date", "at_date", due,
                                     verifiable_category="human_verifiable_only"))
    worker = dispatcher(notify_settings, store, clock)
    assert asyncio.run(worker.run_once()).sent == []  # not before its date
    from calledit.scheduler.resolution import resolve

    resolve(store, OWNER, gone.id, "confirmed", now=datetime.now(UTC))
    clock.advance(days=2, seconds=1)
    assert len(asyncio.run(worker.run_once()).sent) == 2  # the bell and the mail, for the open one only
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["Subject"] == "Your call needs you: I enjoy the film"
    assert "only you can say how it went" in mailbox.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_rest_routes_and_the_live_bell(notify_settings: Settings, scripted_provider: Provider,
                                       hooks: tuple[Hooks, str]) -> None:
    received, url = hooks
    app = create_app(notify_settings, provider=scripted_provider)
    with run_server(app) as server, httpx.Client(base_url=f"{server.http}/api/notifications", timeout=10) as api:
        settings = api.get("/settings").json()
        assert settings["email"] is None and settings["email_available"] is True
        assert settings["events"]["verdict"] == {"inapp": True, "email": True, "webhook": True}
        assert settings["events"]["digest"]["email"] is False
        assert api.put("/channels/email", json={"address": "not an address"}).status_code == 422
        email = api.put("/channels/email", json={"address": "me@example.org"}).json()["email"]
        assert email["address"] == "me@example.org"
        saved = api.put("/channels/webhook", json={"url": url, "format": "json"}).json()
        assert saved["secret"] and saved["settings"]["webhook"]["health"]["status"] == "unused"
        received.secret = saved["secret"]  # the receiver checks signatures with the secret the server made
        choices = api.put("/events", json={"verdict": {"email": False}}).json()
        assert choices["events"]["verdict"]["email"] is False and choices["events"]["due"]["email"] is True
        assert api.delete("/channels/inapp").status_code == 400
        assert api.get("/nope").status_code in (404, 405)

        async def live() -> dict[str, Any]:
            async with connect(server.ws) as ws, httpx.AsyncClient(base_url=server.http) as client:
                queued = (await client.post("/api/notifications/test")).json()
                assert set(queued["channels"]) == {"inapp", "email", "webhook"}
                state = app.state.calledit
                worker = build_dispatcher(notify_settings, state.store, state.notify)
                assert worker is not None
                await worker.run_once()
                return (await until(ws, lambda e: e["type"] == "notification"))[-1]

        event = asyncio.run(live())
        assert event["unread"] == 1 and event["notification"]["kind"] == "test"
        assert len(received.received) == 1 and received.bad_signatures == 0
        bell = api.get(f"{server.http}/api/notifications").json()
        assert bell["unread"] == 1 and bell["items"][0]["title"] == "CalledIt test notification"
        assert api.post("/read", json={}).json() == {"unread": 0}
        assert api.delete("/channels/webhook").status_code == 204
        assert api.delete("/channels/webhook").status_code == 404


def test_a_private_webhook_address_is_refused(settings: Settings, scripted_provider: Provider) -> None:
    app = create_app(settings, provider=scripted_provider)  # CALLEDIT_WEBHOOK_ALLOW_PRIVATE off
    with run_server(app) as server, httpx.Client(base_url=f"{server.http}/api/notifications", timeout=10) as api:
        for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://[::1]/hook", "ftp://example.org/x"):
            answer = api.put("/channels/webhook", json={"url": url})
            assert answer.status_code in (400, 422), url
        refused = api.put("/channels/webhook", json={"url": "http://127.0.0.1:9/hook"}).json()
        assert "not a public address" in refused["message"]
        assert api.put("/channels/email", json={"address": "me@example.org"}).status_code == 400  # no mail set up


def test_the_server_delivers_by_itself(settings: Settings, scripted_provider: Provider) -> None:
    """`calledit serve` runs the delivery loop beside the scheduler: a call that needs its owner reaches the
    bell without anyone running a pass by hand."""
    app = create_app(settings.model_copy(update={"notify": True, "notify_poll_seconds": 0.1}),
                     provider=scripted_provider)
    past = datetime.now(UTC) - timedelta(hours=1)
    call = new_call("I enjoy the film", "at_date", past, verifiable_category="human_verifiable_only")
    with run_server(app) as server, httpx.Client(base_url=server.http, timeout=10) as api:
        assert api.post("/api/calls", json=call.model_dump(mode="json")).status_code == 201
        deadline = time.monotonic() + 10
        bell: dict[str, Any] = {}
        while time.monotonic() < deadline:
            bell = api.get("/api/notifications").json()
            if bell["unread"]:
                break
            time.sleep(0.05)
        assert bell["unread"] == 1 and bell["items"][0]["title"] == "Your call needs you: I enjoy the film"
