"""The weekly digest on AWS's shape: subscribers listed from the table's `#digest` partition, the digest
written once into the DynamoDB outbox however many scanners race, and mailed through SES (its v2 API on
loopback) once."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.domain.notifications import Channel
from calledit.notify.channels import InAppSender, SesSender
from calledit.notify.digest import digest_slot, iso_week
from calledit.notify.preferences import EventChoices
from calledit.notify.service import Dispatcher
from calledit.storage.dynamodb import DynamoCallStore
from calledit.wiring import Services, instrument
from tests.fixtures.dynamodb import DynamoLocal
from tests.integration.test_notifications_dynamodb import Ses
from tests.unit.scheduler.fakes import FakeClock, new_call

pytestmark = pytest.mark.dynamodb
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def ses() -> Iterator[Ses]:
    fake = Ses()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", log_signing_key=SecretStr(base64.b64encode(bytes(32)).decode()),
                    email="ses", email_from="CalledIt <calls@calledit.example>", public_url="https://calledit.example")


@pytest.fixture
def store(dynamodb_local: DynamoLocal) -> Iterator[DynamoCallStore]:
    made = DynamoCallStore.from_url(f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    yield made
    made.close()


def scanner(settings: Settings, services: Services, store: DynamoCallStore, ses: Ses, clock: FakeClock) -> Dispatcher:
    """What the scanner Lambda's delivery pass runs (aws/scan.py), with SES on loopback."""
    assert services.outbox is not None and services.preferences is not None and services.inbox is not None
    senders = {Channel.INAPP: InAppSender(services.inbox), Channel.EMAIL: SesSender(settings, ses.client())}
    return Dispatcher(store, services.outbox, services.preferences, senders, settings,  # type: ignore[arg-type]
                      clock=clock)


def test_racing_scanners_send_the_weeks_digest_once(settings: Settings, store: DynamoCallStore, ses: Ses) -> None:
    services = instrument(store, settings)
    preferences = services.preferences
    assert preferences is not None
    for owner in ("kenji", "quiet", "gone-quiet"):
        preferences.set_channel(owner, Channel.EMAIL, f"{owner}@example.org")
    preferences.choose("kenji", EventChoices(digest={Channel.EMAIL: True}))
    preferences.choose("gone-quiet", EventChoices(digest={Channel.EMAIL: True}))
    preferences.choose("gone-quiet", EventChoices(digest={Channel.EMAIL: False}))
    assert preferences.digest_subscribers() == ["kenji"]

    slot = digest_slot(datetime.now(UTC) + timedelta(days=14), TOKYO)  # Monday 08:00 in Tokyo: Sunday 23:00 UTC
    store.add("kenji", new_call("The Nikkei closes above 40,000 on Friday", "at_date", slot + timedelta(days=4),
                                timezone="Asia/Tokyo"))
    store.add("quiet", new_call("Due soon", "at_date", slot + timedelta(days=1), timezone="Asia/Tokyo"))
    clock = FakeClock(slot - timedelta(minutes=1))
    assert asyncio.run(scanner(settings, services, store, ses, clock).run_once()).digests == []

    clock.advance(minutes=2)

    async def race() -> list[int]:
        one, two = (scanner(settings, services, store, ses, clock) for _ in range(2))
        results = await asyncio.gather(one.run_once(), two.run_once())
        return [len(r.digests) for r in results]

    assert sorted(asyncio.run(race())) == [0, 1]
    clock.advance(minutes=10)
    assert asyncio.run(scanner(settings, services, store, ses, clock).run_once()).digests == []  # a later scan
    assert ses.destinations == [["kenji@example.org"]]
    message = ses.sent[0]
    assert message["Subject"] == "Your week in calls: 0 settled, 1 due next week"
    assert message["X-CalledIt-Delivery"] == f"digest:kenji:{iso_week(slot.date())}/email"
    body = message.get_body(("plain",))
    assert body is not None and "The Nikkei closes above 40,000 on Friday" in body.get_content()
