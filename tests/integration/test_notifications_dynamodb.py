"""Notifications on AWS's shape: the outbox, the bell and settings in DynamoDB Local, email through SES (its v2
API on a loopback endpoint), a signed webhook; two scanners racing over the same outbox send each once."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.domain.notifications import Channel, NotificationKind
from calledit.notify.channels import InAppSender, SesSender, WebhookSender
from calledit.notify.service import Dispatcher
from calledit.scheduler.worker import Verifier
from calledit.storage.dynamodb import DynamoCallStore
from calledit.wiring import Services, instrument
from tests.fixtures.dynamodb import DynamoLocal
from tests.fixtures.notify import Hooks, webhook_server
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier, new_call

pytestmark = pytest.mark.dynamodb
OWNER = "alice"
SECRET = "a-shared-webhook-secret-of-some-length"


class Ses:
    """Amazon SES v2's SendEmail on loopback: records each raw message, answers with a MessageId."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.destinations: list[list[str]] = []
        ses = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                assert self.path == "/v2/email/outbound-emails", self.path
                raw = base64.b64decode(body["Content"]["Raw"]["Data"])
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(parsed, EmailMessage)
                ses.sent.append(parsed)
                ses.destinations.append(body["Destination"]["ToAddresses"])
                answer = json.dumps({"MessageId": f"ses-{len(ses.sent)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def client(self) -> Any:
        return boto3.client("sesv2", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")


@pytest.fixture
def ses() -> Iterator[Ses]:
    fake = Ses()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def hooks() -> Iterator[tuple[Hooks, str]]:
    with webhook_server(SECRET) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", log_signing_key=SecretStr(base64.b64encode(bytes(32)).decode()),
                    email="ses", email_from="CalledIt <calls@calledit.example>",
                    webhook_allow_private=True, public_url="https://calledit.example")


@pytest.fixture
def store(dynamodb_local: DynamoLocal) -> Iterator[DynamoCallStore]:
    made = DynamoCallStore.from_url(f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    yield made
    made.close()


def dispatcher(settings: Settings, services: Services, store: DynamoCallStore, ses: Ses,
               clock: FakeClock | None = None) -> Dispatcher:
    assert services.outbox is not None and services.preferences is not None and services.inbox is not None
    senders = {Channel.INAPP: InAppSender(services.inbox), Channel.EMAIL: SesSender(settings, ses.client()),
               Channel.WEBHOOK: WebhookSender(settings)}
    return Dispatcher(store, services.outbox, services.preferences, senders, settings,  # type: ignore[arg-type]
                      clock=clock or FakeClock())


def test_a_verdict_on_dynamodb_reaches_ses_webhook_and_the_bell_once(
    settings: Settings, store: DynamoCallStore, ses: Ses, hooks: tuple[Hooks, str]
) -> None:
    received, url = hooks
    services = instrument(store, settings)
    assert services.preferences is not None and services.inbox is not None and services.outbox is not None
    services.preferences.set_channel(OWNER, Channel.EMAIL, "owner@example.org")
    services.preferences.set_channel(OWNER, Channel.WEBHOOK, url, SECRET, "json")
    call = store.add(OWNER, new_call("It rains in Paris on Friday", "immediate", datetime.now(UTC)))
    clock = FakeClock()
    worker = Verifier(store, ScriptedVerifier(clock, ["confirmed"]), clock=clock)  # type: ignore[arg-type]
    assert [r.result for r in asyncio.run(worker.run_once())] == ["verified"]

    async def race() -> list[int]:  # two scanners at once over the same outbox
        one, two = dispatcher(settings, services, store, ses), dispatcher(settings, services, store, ses)
        results = await asyncio.gather(one.run_once(), two.run_once())
        return [len(r.sent) for r in results]

    sent = asyncio.run(race())
    sent.append(len(asyncio.run(dispatcher(settings, services, store, ses).run_once()).sent))
    assert sum(sent) == 3, sent
    assert len(ses.sent) == 1 and ses.destinations == [["owner@example.org"]]
    assert ses.sent[0]["Subject"] == "Your call was confirmed: It rains in Paris on Friday"
    assert ses.sent[0].get_body(("html",)) is not None
    assert len(received.received) == 1 and received.bad_signatures == 0
    assert received.bodies()[0]["call_id"] == call.id
    assert services.inbox.unread(OWNER) == 1
    deliveries = services.outbox.deliveries(received.bodies()[0]["id"].split("/")[0])
    assert {d["channel"]: d["status"] for d in deliveries} == {"inapp": "sent", "email": "sent", "webhook": "sent"}

    assert services.inbox.mark_read(OWNER, None, datetime.now(UTC)) == 1 and services.inbox.unread(OWNER) == 0


def test_a_dead_webhook_on_dynamodb_is_reported(settings: Settings, store: DynamoCallStore, ses: Ses,
                                                hooks: tuple[Hooks, str]) -> None:
    received, url = hooks
    received.always_fail = True
    services = instrument(store, settings.model_copy(update={"notify_max_attempts": 2}))
    assert services.preferences is not None
    services.preferences.set_channel(OWNER, Channel.WEBHOOK, url, SECRET, "slack")
    store.add(OWNER, new_call("Needs you", "at_date", datetime.now(UTC), verifiable_category="human_verifiable_only"))
    clock = FakeClock()
    worker = dispatcher(settings.model_copy(update={"notify_max_attempts": 2}), services, store, ses, clock)
    for _ in range(3):
        asyncio.run(worker.run_once())
        clock.advance(hours=7)
    webhook = services.preferences.settings(OWNER, True).webhook
    assert webhook is not None and webhook.health.status == "dead" and "500" in (webhook.health.last_error or "")
    assert Channel.WEBHOOK not in services.preferences.channels_for(OWNER, NotificationKind.DUE)
