"""The weekly digest, scheduled by the delivery loop: a frozen clock crossing Monday 08:00 in the user's zone
sends one mail to a real SMTP server (aiosmtpd) on loopback; a second pass, a restarted process or a second
server sends nothing more; users who never turned it on, or turned it off again, get none."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.domain.notifications import Channel, NotificationKind
from calledit.notify.digest import digest_slot, iso_week
from calledit.notify.preferences import EventChoices
from calledit.notify.service import Dispatcher
from calledit.scheduler.resolution import resolve, set_confidence
from calledit.storage.base import CallStore
from calledit.wiring import build_dispatcher, build_store, services_of
from tests.fixtures.notify import SMTP_PASSWORD, SMTP_USER, Mailbox, smtp_server
from tests.unit.scheduler.fakes import FakeClock, new_call

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    with smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def notify_settings(settings: Settings, mail: tuple[Mailbox, int, Path]) -> Settings:
    return settings.model_copy(update={
        "email_from": "CalledIt <calls@calledit.example>", "smtp_host": "127.0.0.1", "smtp_port": mail[1],
        "smtp_tls": "starttls", "smtp_ca_file": mail[2], "smtp_username": SMTP_USER,
        "smtp_password": SecretStr(SMTP_PASSWORD), "public_url": "https://calledit.example",
    })


@pytest.fixture
def store(notify_settings: Settings) -> Iterator[CallStore]:
    store = build_store(notify_settings)
    yield store
    store.close()


def monday_8am() -> datetime:
    """A Monday 08:00 in Paris comfortably after the real now (calls are stamped with the real clock)."""
    return digest_slot(datetime.now(UTC) + timedelta(days=14), PARIS)


def opt_in(store: CallStore, owner: str, address: str, *, digest: bool = True) -> None:
    preferences = services_of(store).preferences
    assert preferences is not None
    preferences.set_channel(owner, Channel.EMAIL, address)
    preferences.choose(owner, EventChoices(digest={Channel.EMAIL: digest}, verdict={Channel.EMAIL: False},
                                           due={Channel.EMAIL: False}))


def dispatcher(settings: Settings, store: CallStore, clock: FakeClock) -> Dispatcher:
    built = build_dispatcher(settings, store, None, clock=clock)
    assert built is not None
    return built


def a_week_of_calls(store: CallStore, owner: str, slot: datetime) -> None:
    """Two calls settled in the week before `slot`, one settled long before, two due the week after, one later."""
    called = store.add(owner, new_call("The Lakers win on Saturday", "at_date", slot - timedelta(days=3),
                                       timezone="Europe/Paris", verifiable_category="human_verifiable_only"))
    missed = store.add(owner, new_call("It snows in Paris on Friday", "at_date", slot - timedelta(days=4),
                                       timezone="Europe/Paris", verifiable_category="human_verifiable_only"))
    old = store.add(owner, new_call("An old call settled last month", "at_date", slot - timedelta(days=30),
                                    timezone="Europe/Paris", verifiable_category="human_verifiable_only"))
    set_confidence(store, owner, called.id, 0.8, now=slot - timedelta(days=6))
    set_confidence(store, owner, missed.id, 0.3, now=slot - timedelta(days=6))
    resolve(store, owner, called.id, "confirmed", now=slot - timedelta(days=2))
    resolve(store, owner, missed.id, "refuted", now=slot - timedelta(days=3))
    resolve(store, owner, old.id, "confirmed", now=slot - timedelta(days=30))
    store.add(owner, new_call("Bitcoin is above $100k on Wednesday", "at_date", slot + timedelta(days=2),
                              timezone="Europe/Paris"))
    store.add(owner, new_call("The bill passes by Sunday", "before_date", slot + timedelta(days=6),
                              timezone="Europe/Paris"))
    store.add(owner, new_call("Rain next month", "at_date", slot + timedelta(days=30), timezone="Europe/Paris"))


def test_a_clock_crossing_monday_8am_in_the_users_zone_sends_one_digest(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path]
) -> None:
    mailbox = mail[0]
    slot = monday_8am()
    opt_in(store, "dana", "dana@example.org")
    services = services_of(store)
    assert services.preferences is not None and services.inbox is not None
    services.preferences.choose("dana", EventChoices(digest={Channel.INAPP: True}))  # and under the bell
    a_week_of_calls(store, "dana", slot)
    clock = FakeClock(slot - timedelta(minutes=2))
    loop = dispatcher(notify_settings, store, clock)

    before = asyncio.run(loop.run_once())
    assert before.digests == [] and mailbox.messages == []  # 07:58 in Paris: not yet
    clock.advance(minutes=2, seconds=30)  # 08:00:30 in Paris
    crossed = asyncio.run(loop.run_once())
    week = iso_week(slot.date())
    assert crossed.digests == [f"digest:dana:{week}"]
    assert sorted(crossed.sent) == [f"digest:dana:{week}/email", f"digest:dana:{week}/inapp"]
    bell = services.inbox.items("dana")
    assert [item.body for item in bell] == [
        "This week: 2 settled (1 called it, 1 missed it), 2 due next week, Brier 0.065."]
    assert len(mailbox.messages) == 1 and mailbox.recipients == [["dana@example.org"]]

    message = mailbox.messages[0]
    assert message["Subject"] == "Your week in calls: 2 settled, 2 due next week"
    assert message["X-CalledIt-Delivery"] == f"digest:dana:{week}/email"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Settled since Mon " in text and "2 calls: 1 called it, 1 missed it" in text
    assert "- called it: The Lakers win on Saturday" in text and "- missed it: It snows in Paris on Friday" in text
    assert "An old call settled last month" not in text  # settled long before this week
    assert "Bitcoin is above $100k on Wednesday" in text and "The bill passes by Sunday" in text
    assert "Rain next month" not in text
    # Brier over the three settled calls: (0.8-1)^2, (0.3-0)^2, and the old one without a probability is out
    assert "Your Brier score: 0.065 over 2 scored calls" in text
    assert "Open CalledIt: https://calledit.example" in text

    for step in ({"minutes": 5}, {"hours": 30}, {"days": 5}):  # the rest of the week: nothing more
        clock.advance(**step)
        assert asyncio.run(loop.run_once()).digests == []
    assert len(mailbox.messages) == 1

    clock.now = slot + timedelta(days=7, minutes=1)  # the next Monday: the next week's digest
    assert asyncio.run(loop.run_once()).digests == [f"digest:dana:{iso_week((slot + timedelta(days=7)).date())}"]
    assert len(mailbox.messages) == 2


def test_a_restart_or_a_second_server_never_sends_it_twice(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path]
) -> None:
    mailbox = mail[0]
    slot = monday_8am()
    opt_in(store, "dana", "dana@example.org")
    store.add("dana", new_call("Due on Tuesday", "at_date", slot + timedelta(days=1), timezone="Europe/Paris"))
    clock = FakeClock(slot + timedelta(minutes=1))
    other = build_store(notify_settings)  # a second server on the same database
    try:
        first, second = dispatcher(notify_settings, store, clock), dispatcher(notify_settings, other, clock)

        async def race() -> list[int]:
            results = await asyncio.gather(first.run_once(), second.run_once())
            return [len(r.digests) for r in results]

        assert sorted(asyncio.run(race())) == [0, 1]  # one of them wrote it
        assert len(mailbox.messages) == 1
        clock.advance(minutes=10)
        fresh = build_store(notify_settings)  # a restarted process: no memory of what it did
        try:
            assert asyncio.run(dispatcher(notify_settings, fresh, clock).run_once()).digests == []
        finally:
            fresh.close()
        assert asyncio.run(second.run_once()).sent == []
        assert len(mailbox.messages) == 1
    finally:
        other.close()


def test_users_who_did_not_opt_in_get_none(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path]
) -> None:
    mailbox = mail[0]
    slot = monday_8am()
    for owner in ("never", "changed-mind", "dana"):
        store.add(owner, new_call("Due on Tuesday", "at_date", slot + timedelta(days=1), timezone="Europe/Paris"))
    opt_in(store, "never", "never@example.org", digest=False)  # email set up, digest left off
    opt_in(store, "changed-mind", "changed@example.org")
    opt_in(store, "changed-mind", "changed@example.org", digest=False)
    opt_in(store, "dana", "dana@example.org")
    preferences = services_of(store).preferences
    assert preferences is not None
    assert preferences.digest_subscribers() == ["dana"]
    assert preferences.channels_for("never", NotificationKind.DIGEST) == []

    clock = FakeClock(slot + timedelta(minutes=1))
    result = asyncio.run(dispatcher(notify_settings, store, clock).run_once())
    assert [event.split(":")[1] for event in result.digests] == ["dana"]
    assert mailbox.recipients == [["dana@example.org"]]


def test_a_server_down_at_8am_sends_when_back_the_same_day_but_not_days_late(
    notify_settings: Settings, store: CallStore, mail: tuple[Mailbox, int, Path]
) -> None:
    slot = monday_8am()
    opt_in(store, "dana", "dana@example.org")
    store.add("dana", new_call("Due on Tuesday", "at_date", slot + timedelta(days=1), timezone="Europe/Paris"))
    late = FakeClock(slot + timedelta(days=2))  # back on Wednesday: this week is skipped
    assert asyncio.run(dispatcher(notify_settings, store, late).run_once()).digests == []
    same_day = FakeClock(slot + timedelta(hours=5))
    assert len(asyncio.run(dispatcher(notify_settings, store, same_day).run_once()).digests) == 1
    assert len(mail[0].messages) == 1


def test_without_calls_the_time_is_utc(notify_settings: Settings, store: CallStore,
                                       mail: tuple[Mailbox, int, Path]) -> None:
    utc_slot = digest_slot(datetime.now(UTC) + timedelta(days=14), ZoneInfo("UTC"))
    opt_in(store, "new", "new@example.org")
    clock = FakeClock(utc_slot - timedelta(minutes=1))
    loop = dispatcher(notify_settings, store, clock)
    assert asyncio.run(loop.run_once()).digests == []
    clock.advance(minutes=2)
    assert len(asyncio.run(loop.run_once()).digests) == 1
    text = mail[0].messages[0].get_body(("plain",))
    assert text is not None and "No Brier score yet" in text.get_content()
