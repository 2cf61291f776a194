"""The weekly digest: each user who turned it on gets one per ISO week, at Monday 08:00 in their timezone (the
zone of their latest call; UTC without one): what was settled in the week before, what is due in the week
ahead, what waits for them, and their Brier score.

The delivery loop (`Dispatcher.run_once`, inside `calledit serve` and the AWS scanner alike) calls
`WeeklyDigests.schedule` each pass. The digest is an ordinary outbox event whose id is its idempotency key,
`digest:<owner>:<ISO week>` (`2026-W49`): a restart, a second server or two racing scanners write it once and
so deliver it once. A server that was down at 08:00 sends it when it is back, up to `GRACE` later; after that
the week is skipped rather than sent days late (so turning the digest on mid-week sends the next Monday's).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calledit.domain.call import Call
from calledit.domain.notifications import NotificationKind
from calledit.domain.outcomes import LABELS, Outcome, settled_outcome
from calledit.domain.track_record import track_record
from calledit.notify.messages import one_line
from calledit.notify.outbox import Outbox, OutboxEvent
from calledit.notify.preferences import Preferences
from calledit.storage.base import MAX_PAGE, CallStore

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday (date.weekday())
DIGEST_TIME = time(8, 0)
GRACE = timedelta(days=1)  # how late a digest may still go out (a server down at 08:00)
EVERY = timedelta(minutes=1)  # how often the subscriber list is looked at: the slot is on the minute anyway
MAX_LISTED = 10  # calls named per section; the counts cover the rest
WEEK = timedelta(days=7)


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_slot(now: datetime, zone: ZoneInfo) -> datetime:
    """The latest Monday 08:00 in `zone` at or before `now` (wall-clock time: DST moves it with the zone)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    slot = datetime.combine(monday, DIGEST_TIME, tzinfo=zone)
    if slot > local:
        slot = datetime.combine(monday - WEEK, DIGEST_TIME, tzinfo=zone)
    return slot


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_id(owner: str, week: str) -> str:
    return f"digest:{owner}:{week}"


def all_calls(store: CallStore, owner: str) -> Iterator[Call]:
    cursor: str | None = None
    while True:
        page = store.list(owner, limit=MAX_PAGE, cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def digest_payload(store: CallStore, owner: str, slot: datetime) -> dict[str, Any]:
    """What the digest of the week ending at `slot` says, as of `slot`: the message's lines and the figures
    behind them (a webhook's `data`)."""
    zone = slot.tzinfo if isinstance(slot.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    start, end = slot - WEEK, slot + WEEK
    calls = list(all_calls(store, owner))
    settled: list[tuple[Call, Outcome]] = []
    for call in calls:
        outcome = settled_outcome(call)
        if outcome is not None and call.verdict is not None and start <= call.verdict.verified_at < slot:
            settled.append((call, outcome))
    settled.sort(key=lambda pair: pair[0].verdict.verified_at if pair[0].verdict else pair[0].updated_at)
    due = sorted((c for c in calls if settled_outcome(c) is None and slot <= c.verification_date < end),
                 key=lambda c: c.verification_date)
    waiting = store.awaiting_owner(owner, slot, MAX_PAGE)
    record = track_record(calls)

    def day(value: datetime) -> str:
        local = value.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b}"

    tally = [(LABELS[o], n) for o in Outcome if (n := sum(1 for _, other in settled if other is o))]
    lines = [f"Settled since {day(start)}: "
             + (f"{_count(len(settled), 'call')}: " + ", ".join(f"{n} {label}" for label, n in tally)
                if settled else "nothing.")]
    lines += [f"- {LABELS[o]}: {one_line(c.prediction_statement)}" for c, o in settled[:MAX_LISTED]]
    lines.append(f"Due next week: {_count(len(due), 'call') if due else 'nothing'}.")
    lines += [f"- {day(c.verification_date)}: {one_line(c.prediction_statement)}" for c in due[:MAX_LISTED]]
    if waiting:
        lines.append(f"Waiting for you: {_count(len(waiting), 'call')} whose date has come and only you can "
                     "settle: resolve them on their pages.")
    if record.brier is not None:
        lines.append(f"Your Brier score: {record.brier:.3f} over {_count(record.scored, 'scored call')} (0 is "
                     "perfect; always saying 50% scores 0.25).")
    else:
        lines.append("No Brier score yet: give your calls a probability, and it appears once they are settled.")
    subject = (f"Your week in calls: {len(settled)} settled, {len(due)} due next week" if settled or due
               else "Your week in calls")
    summary = [f"{len(settled)} settled" + (f" ({', '.join(f'{n} {label}' for label, n in tally)})" if tally else ""),
               f"{len(due)} due next week"]
    if waiting:
        summary.append(f"{len(waiting)} waiting for you")
    if record.brier is not None:
        summary.append(f"Brier {record.brier:.3f}")
    return {
        "week": iso_week(slot.date()), "timezone": str(zone), "from": start.isoformat(), "to": slot.isoformat(),
        "subject": subject, "summary": "This week: " + ", ".join(summary) + ".", "lines": lines,
        "settled": [{"call_id": c.id, "statement": c.prediction_statement, "outcome": o.value}
                    for c, o in settled[:MAX_LISTED]],
        "due": [{"call_id": c.id, "statement": c.prediction_statement,
                 "verification_date": c.verification_date.isoformat()} for c in due[:MAX_LISTED]],
        "settled_count": len(settled), "due_count": len(due), "waiting_count": len(waiting),
        "brier": record.brier, "brier_time_weighted": record.brier_time_weighted, "scored": record.scored,
    }


@dataclass
class _Next:
    at: datetime  # the owner's next slot (UTC): nothing to do before it


class WeeklyDigests:
    """Writes each opted-in user's digest for the current week into the outbox, once."""

    def __init__(self, store: CallStore, outbox: Outbox, preferences: Preferences,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.outbox = outbox
        self.preferences = preferences
        self.clock = clock
        self._last: datetime | None = None
        self._next: dict[str, _Next] = {}  # per process: owners whose week is done (or out of its window)

    def zone(self, owner: str) -> ZoneInfo:
        """The zone of the owner's latest call: where they were when they last made one."""
        latest = self.store.list(owner, limit=1).items
        return zone_of(latest[0].timezone if latest else None)

    def schedule(self, now: datetime | None = None) -> list[str]:
        """Write the digests whose time has come; the ids of those written by this call."""
        now = now or self.clock()
        if self._last is not None and now - self._last < EVERY and now >= self._last:
            return []
        self._last = now
        written = []
        for owner in self.preferences.digest_subscribers():
            memo = self._next.get(owner)
            if memo is not None and now < memo.at:
                continue
            try:
                event = self._event(owner, now)
            except Exception:  # one user's bad data must not stop the others' digests
                log.exception("owner=<%s> | could not make the weekly digest", owner)
                continue
            if event is not None and self.outbox.enqueue(event):
                written.append(event.id)
                log.info("owner=<%s>, event=<%s> | weekly digest queued", owner, event.id)
        return written

    def _event(self, owner: str, now: datetime) -> OutboxEvent | None:
        slot = digest_slot(now, self.zone(owner))
        event_id = digest_id(owner, iso_week(slot.date()))
        if now - slot > GRACE or self.outbox.exists(event_id):
            self._next[owner] = _Next(slot.astimezone(UTC) + WEEK)
            return None
        if not self.preferences.channels_for(owner, NotificationKind.DIGEST):
            return None  # turned on for a channel not set up (yet): look again later
        self._next[owner] = _Next(slot.astimezone(UTC) + WEEK)
        payload = digest_payload(self.store, owner, slot)
        return OutboxEvent(event_id, owner, NotificationKind.DIGEST, None, payload, now, slot.astimezone(UTC))
