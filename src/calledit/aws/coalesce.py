"""Posting a run's events off its critical path: one sender task per connection, a bounded queue that merges.

Each `post_to_connection` is an HTTPS round trip (~20 ms). The producer (the agent's stream) only queues
events; the sender task posts them in order, one message at a time (API Gateway does not order concurrent
posts to one connection), and what piles up while a post is in flight or a message waits its window is
merged:

- consecutive `text` deltas join into one `text` event (up to `max_bytes` per message);
- a `call` partial replaces the pending one (each carries every field parsed so far), and always goes
  after the pending text: a call partial is parsed from text, so it never overtakes that text;
- any other event (status, tool, complete, error, pong, verdict) is a barrier: everything before it is
  sent first, in order, and nothing merges across it.

A message is held at most `max_delay` after its first event arrived (less when a barrier or a full batch
comes along): that window trades a little latency for fewer, billed messages. The generator never awaits
a post; it waits only when `max_queued` messages are queued (the network slower than the model even after
merging), so memory stays bounded. Work that must happen just before an event goes out (the run gives its
connection back before its last event) rides with the event (`send(event, before=...)`) instead of
making the producer wait for the queue. A GoneException (ClientGone) stops the sender, is reported to
`on_failure` at once and raised to the producer; every queued event is counted as delivered or dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType

from calledit.domain.events import AnyServerEvent, CallEvent, TextEvent, encode

Post = Callable[[str], None]  # blocking: sends one frame to the client
Before = Callable[[], Awaitable[None]]  # runs in the sender just before its event is posted


@dataclass
class _Message:
    event: AnyServerEvent
    arrivals: list[float]
    size: int = 0
    parts: list[str] = field(default_factory=list)
    full: bool = False
    before: Before | None = None

    @property
    def mergeable(self) -> bool:
        return isinstance(self.event, TextEvent | CallEvent)

    def frame(self) -> str:
        if self.parts:
            return encode(TextEvent(content="".join(self.parts)))
        return encode(self.event)


@dataclass
class SendStats:
    events: int = 0  # handed to send()
    posts: int = 0  # post_to_connection calls made (the one that failed included)
    delivered: int = 0  # events carried by posts that succeeded (merged ones included)
    dropped: int = 0  # events never delivered: posting failed or the run was aborted
    bytes: list[int] = field(default_factory=list)  # per post: the frame's size (billing counts 32 KB units)
    delays: list[float] = field(default_factory=list)  # per event: arrival -> start of the post carrying it
    waits: list[float] = field(default_factory=list)  # per send() that found the queue full: time it waited


class CoalescingSender:
    """Use as `async with CoalescingSender(post) as sender: await sender.send(event)`."""

    def __init__(
        self,
        post: Post,
        *,
        max_delay: float = 0.05,
        max_bytes: int = 8 * 1024,
        max_queued: int = 64,
        coalesce: bool = True,
        clock: Callable[[], float] = time.monotonic,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        if max_queued < 1:
            raise ValueError("max_queued must be at least 1")
        self._post = post
        self.max_delay = max_delay
        self.max_bytes = max_bytes
        self.max_queued = max_queued
        self.coalesce = coalesce
        self._clock = clock
        self._pending: list[_Message] = []
        self._tail = 0  # pending[_tail:] may still merge (after the last barrier)
        self._wake = asyncio.Event()
        self._room = asyncio.Event()  # set when the queue has room (the sender took a batch)
        self._room.set()
        self._closing = False
        self._urgent = 0  # drains waiting: send what is queued now
        self._idle = asyncio.Event()  # nothing queued, nothing in flight
        self._failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self.on_failure = on_failure  # e.g. stop the producer at once when the client is gone
        self.stats = SendStats()

    @property
    def failure(self) -> BaseException | None:
        """Why posting stopped (ClientGone, or an error from the API), if it did."""
        return self._failure

    @property
    def queued(self) -> int:
        """Messages waiting (not counting the batch being posted)."""
        return len(self._pending)

    async def __aenter__(self) -> CoalescingSender:
        self._task = asyncio.create_task(self._run(), name="coalescing-sender")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            await self.flush()
        else:  # the run failed or was cancelled: drop what is queued, stop the task
            await self.abort()

    # --- producer side ----------------------------------------------------------------------------

    async def send(self, event: AnyServerEvent, *, before: Before | None = None) -> None:
        """Queue an event (never waits on the network unless the queue is full); raises the sender's
        failure, e.g. ClientGone. `before` is awaited by the sender just before this event is posted."""
        if self._failure is not None:
            raise self._failure
        if len(self._pending) >= self.max_queued and self._grows(event, before):
            await self._wait_for_room()
        now = self._clock()
        self.stats.events += 1
        if before is not None or not self.coalesce or not isinstance(event, TextEvent | CallEvent):
            self._pending.append(_Message(event, [now], full=True, before=before))
            self._tail = len(self._pending)
        elif isinstance(event, TextEvent):
            self._add_text(event.content, now)
        else:
            self._add_call(event, now)
        self._idle.clear()
        self._wake.set()
        if not self._pending[-1].mergeable or self._pending[-1].before is not None:
            # Let the sender hand it to a posting thread now: the producer may next run blocking work
            # (the agent's tools before the model starts) that would otherwise hold this event back.
            await asyncio.sleep(0)

    async def flush(self) -> None:
        """Send everything queued and stop; raises the sender's failure if posting failed."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._failure is not None:
            raise self._failure

    async def drain(self) -> None:
        """Wait until everything queued so far has been posted; the sender keeps running."""
        self._urgent += 1
        self._wake.set()
        try:
            if self._task is not None and not self._task.done():
                await self._idle.wait()
        finally:
            self._urgent -= 1
        if self._failure is not None:
            raise self._failure

    async def abort(self) -> None:
        self._drop(self._pending)
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _wait_for_room(self) -> None:
        started = self._clock()
        while len(self._pending) >= self.max_queued and self._failure is None:
            if self._task is None or self._task.done():
                break  # nobody will take the queue: let the event join it (flush or abort ends it)
            self._room.clear()
            self._wake.set()
            await self._room.wait()
        self.stats.waits.append(self._clock() - started)
        if self._failure is not None:
            raise self._failure

    def _grows(self, event: AnyServerEvent, before: Before | None) -> bool:
        """Would this event add a message to the queue (rather than merge into one)?"""
        if before is not None or not self.coalesce or not isinstance(event, TextEvent | CallEvent):
            return True
        tail = self._pending[self._tail :]
        if isinstance(event, CallEvent):
            return not any(isinstance(m.event, CallEvent) for m in tail)
        texts = [m for m in tail if m.parts]
        return not texts or texts[-1].full or texts[-1].size + len(event.content.encode()) > self.max_bytes

    def _add_text(self, content: str, now: float) -> None:
        size = len(content.encode())
        tail = self._pending[self._tail :]
        texts = [m for m in tail if m.parts]
        last = texts[-1] if texts else None
        if last is not None and not last.full and last.size + size <= self.max_bytes:
            last.parts.append(content)
            last.size += size
            last.arrivals.append(now)
            last.full = last.size >= self.max_bytes
            return
        message = _Message(TextEvent(content=""), [now], size=size, parts=[content], full=size >= self.max_bytes)
        call_at = next((i for i, m in enumerate(tail) if isinstance(m.event, CallEvent)), None)
        if call_at is None:
            self._pending.append(message)
        else:  # keep the pending call partial after all the text it was parsed from
            self._pending.insert(self._tail + call_at, message)

    def _add_call(self, event: CallEvent, now: float) -> None:
        arrivals = [now]
        for index in range(len(self._pending) - 1, self._tail - 1, -1):
            if isinstance(self._pending[index].event, CallEvent):
                arrivals = [*self._pending.pop(index).arrivals, now]  # superseded: it had fewer fields
                break
        self._pending.append(_Message(event, arrivals))

    def _drop(self, messages: list[_Message]) -> None:
        self.stats.dropped += sum(len(m.arrivals) for m in messages)
        messages.clear()

    # --- sender task ------------------------------------------------------------------------------

    def _ready(self, now: float) -> bool:
        if self._closing or self._urgent or not self.coalesce or len(self._pending) >= self.max_queued:
            return True
        return any(m.full or not m.mergeable for m in self._pending) or now >= self._due()

    def _due(self) -> float:
        return min(m.arrivals[0] for m in self._pending) + self.max_delay

    async def _run(self) -> None:
        batch: list[_Message] = []
        try:
            while True:
                if not self._pending:
                    self._idle.set()
                    if self._closing:
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                now = self._clock()
                if not self._ready(now):
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(max(0.0, self._due() - now)):
                            await self._wake.wait()
                    continue
                self._idle.clear()
                batch, self._pending, self._tail = self._pending, [], 0
                self._room.set()
                while batch:
                    message = batch[0]
                    if message.before is not None:
                        await message.before()
                    frame = message.frame()
                    started = self._clock()
                    self.stats.delays += [started - arrival for arrival in message.arrivals]
                    self.stats.posts += 1
                    self.stats.bytes.append(len(frame.encode()))
                    await asyncio.to_thread(self._post, frame)
                    self.stats.delivered += len(batch.pop(0).arrivals)
        except asyncio.CancelledError:
            self._drop(batch)
            raise
        except BaseException as exc:
            self._failure = exc
            self._drop(batch)
            self._drop(self._pending)
            if self.on_failure is not None:
                self.on_failure(exc)
        finally:
            self._room.set()  # a producer waiting for room wakes to see the failure
            self._idle.set()
