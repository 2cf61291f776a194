"""The delivery loop: write this week's digests (notify/digest.py), turn waiting outbox events into deliveries,
send them, retry with backoff, and keep each channel's health. `run_once()` is one pass (the AWS scanner,
tests); `run_forever()` runs inside `calledit serve` beside the scheduler.

Exactly once: a delivery is leased before it is sent and marked sent, under that lease, after; a process that
dies in between leaves the lease to expire and the delivery to be sent again with the same key (the one
duplicate a receiver may see, and can drop by the key). A crash anywhere else loses and repeats nothing:
the event was written with the verdict, and its deliveries are made once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from calledit.config import Settings
from calledit.domain.call import CallStatus
from calledit.domain.notifications import Channel, NotificationKind
from calledit.notify.channels import DeliveryError, Sender
from calledit.notify.digest import WeeklyDigests
from calledit.notify.messages import render
from calledit.notify.outbox import Delivery, Expansion, Outbox, OutboxEvent
from calledit.notify.preferences import Preferences
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


@dataclass
class PassResult:
    digests: list[str] = field(default_factory=list)  # weekly digest events written by this pass
    expanded: int = 0
    sent: list[str] = field(default_factory=list)  # delivery keys
    failed: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self,
        store: CallStore,
        outbox: Outbox,
        preferences: Preferences,
        senders: dict[Channel, Sender],
        settings: Settings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.preferences = preferences
        self.senders = senders
        self.settings = settings
        self.clock = clock
        self.worker = worker or f"notify-{uuid.uuid4().hex[:12]}"
        self.digests = WeeklyDigests(store, outbox, preferences, clock)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before retry number `attempts` (1 = the first)."""
        return min(timedelta(seconds=self.settings.notify_retry_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)

    async def run_once(self, limit: int = 100) -> PassResult:
        result = PassResult()
        now = self.clock()
        try:  # this week's digests join the outbox like any event; a failure here must not stop delivery
            result.digests = await asyncio.to_thread(self.digests.schedule, now)
        except Exception:
            log.exception("worker=<%s> | could not schedule the weekly digests; trying again next pass", self.worker)
        for event in await asyncio.to_thread(self.outbox.waiting, now, limit):
            expansion = await asyncio.to_thread(self.plan, event, now)
            await asyncio.to_thread(self.outbox.expand, event, expansion, now)
            result.expanded += expansion.wait_until is None
        claims = await asyncio.to_thread(self.outbox.claim, self.clock(), self.worker,
                                         self.settings.notify_lease_seconds, limit)
        for delivery in claims:
            if await self.deliver(delivery):
                result.sent.append(delivery.key)
            else:
                result.failed.append(delivery.key)
        return result

    def plan(self, event: OutboxEvent, now: datetime) -> Expansion:
        """Where an event goes, or why nowhere: a reminder about a call resolved or deleted meanwhile is dropped,
        one whose date moved later waits for it."""
        if event.call_id is not None and event.kind in (NotificationKind.VERDICT, NotificationKind.DUE):
            call = self.store.get(event.owner, event.call_id)
            if call is None:
                return Expansion(reason="the call was deleted")
            if event.kind is NotificationKind.DUE:
                if call.status not in (CallStatus.PENDING, CallStatus.INCONCLUSIVE):
                    return Expansion(reason="the call was resolved meanwhile")
                schedule = self.store.schedule(event.owner, call.id)
                if schedule is not None and schedule.next_check_at is not None:
                    return Expansion(reason="the agent checks it again")
                if call.verification_date > now:
                    return Expansion(wait_until=call.verification_date)
        return Expansion(channels=self.preferences.channels_for(event.owner, event.kind))

    async def deliver(self, delivery: Delivery) -> bool:
        """Send one claimed delivery and record the outcome; True when it went."""
        sender = self.senders.get(delivery.channel)
        message = render(delivery.event, self.settings.public_url)
        try:
            if sender is None:
                raise DeliveryError(f"this server cannot send {delivery.channel.value} (not configured)",
                                    permanent=True, channel_fault=False)
            if delivery.channel is not Channel.INAPP and delivery.address is None:
                raise DeliveryError(f"the {delivery.channel.value} channel was removed", permanent=True,
                                    channel_fault=False)
            await sender.send(delivery, message)
        except DeliveryError as exc:
            return await self._failed(delivery, exc)
        except Exception as exc:  # a bug in a sender: this delivery's failure, retried, never the loop's
            log.exception("delivery=<%s> | sender raised", delivery.key)
            return await self._failed(delivery, DeliveryError(f"internal error ({type(exc).__name__})",
                                                              channel_fault=False))
        now = self.clock()
        await asyncio.to_thread(self.outbox.sent, delivery, self.worker, now)
        await asyncio.to_thread(self.preferences.record, delivery.event.owner, delivery.channel, None, now,
                                self.settings.notify_max_attempts)
        log.info("delivery=<%s>, attempts=<%d> | notification sent", delivery.key, delivery.attempts + 1)
        return True

    async def _failed(self, delivery: Delivery, exc: DeliveryError) -> bool:
        now = self.clock()
        attempts = delivery.attempts + 1
        final = exc.permanent or attempts >= self.settings.notify_max_attempts
        retry_at = None if final else now + self.backoff(attempts)
        await asyncio.to_thread(self.outbox.failed, delivery, self.worker, exc.message, retry_at)
        if exc.channel_fault:
            await asyncio.to_thread(self.preferences.record, delivery.event.owner, delivery.channel, exc.message,
                                    now, self.settings.notify_max_attempts)
        log.warning("delivery=<%s>, attempts=<%d>, retry_at=<%s>, error=<%s> | notification not sent",
                    delivery.key, attempts, retry_at, exc.message)
        return False

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float) -> None:
        log.info("worker=<%s>, poll_seconds=<%s> | notification delivery started", self.worker, poll_seconds)
        while not stop.is_set():
            try:
                result = await self.run_once()
                if result.sent or result.failed:
                    log.info("worker=<%s>, sent=<%d>, failed=<%d> | delivery pass", self.worker, len(result.sent),
                             len(result.failed))
            except Exception:
                log.exception("worker=<%s> | delivery pass failed; retrying at the next poll", self.worker)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
        log.info("worker=<%s> | notification delivery stopped", self.worker)


@dataclass
class RunningDelivery:
    dispatcher: Dispatcher
    task: asyncio.Task[None]
    stop_event: asyncio.Event

    async def stop(self, grace_seconds: float = 5.0) -> None:
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), grace_seconds)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
