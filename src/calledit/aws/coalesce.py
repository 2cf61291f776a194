"""Fewer `post_to_connection` calls per prediction: text deltas and call partials are batched.

The seeds post one message per token; each post is an HTTPS round trip and is billed. Here one sender
task posts in order, one message at a time, and while events wait they are merged:

- consecutive `text` deltas join into one `text` event (up to `max_bytes` per message);
- a `call` partial replaces the pending one (each carries every field parsed so far), and always goes
  after the pending text: a call partial is parsed from text, so it never overtakes that text;
- any other event (status, tool, complete, error, pong, verdict) is a barrier: everything before it is
  sent first, in order, and nothing merges across it.

A message is held at most `max_delay` after its first event arrived (less when a barrier or a full
batch comes along). A GoneException (ClientGone) stops the sender and is raised to the producer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from calledit.domain.events import AnyServerEvent, CallEvent, TextEvent, encode

Post = Callable[[str], None]  # blocking: sends one frame to the client


@dataclass
class _Message:
    event: AnyServerEvent
    arrivals: list[float]
    size: int = 0
    parts: list[str] = field(default_factory=list)
    full: bool = False

    @property
    def mergeable(self) -> bool:
        return isinstance(self.event, TextEvent | CallEvent)

    def frame(self) -> str:
        if self.parts:
            return encode(TextEvent(content="".join(self.parts)))
        return encode(self.event)


@dataclass
class SendStats:
    events: int = 0
    posts: int = 0
    delays: list[float] = field(default_factory=list)  # per event: arrival -> start of the post carrying it


class CoalescingSender:
    """Use as `async with CoalescingSender(post) as sender: await sender.send(event)`."""

    def __init__(
        self,
        post: Post,
        *,
        max_delay: float = 0.05,
        max_bytes: int = 8 * 1024,
        coalesce: bool = True,
        clock: Callable[[], float] = time.monotonic,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._post = post
        self.max_delay = max_delay
        self.max_bytes = max_bytes
        self.coalesce = coalesce
        self._clock = clock
        self._pending: list[_Message] = []
        self._tail = 0  # pending[_tail:] may still merge (after the last barrier)
        self._wake = asyncio.Event()
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

    async def send(self, event: AnyServerEvent) -> None:
        """Queue an event (never blocks on the network); raises the sender's failure, e.g. ClientGone."""
        if self._failure is not None:
            raise self._failure
        now = self._clock()
        self.stats.events += 1
        if self.coalesce and isinstance(event, TextEvent):
            self._add_text(event.content, now)
        elif self.coalesce and isinstance(event, CallEvent):
            self._add_call(event, now)
        else:
            self._pending.append(_Message(event, [now], full=True))
            self._tail = len(self._pending)
        self._idle.clear()
        self._wake.set()
        if not self.coalesce or not isinstance(event, TextEvent | CallEvent):
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
        self._pending.clear()
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

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

    # --- sender task ------------------------------------------------------------------------------

    def _ready(self, now: float) -> bool:
        if self._closing or self._urgent or not self.coalesce:
            return True
        return any(m.full or not m.mergeable for m in self._pending) or now >= self._due()

    def _due(self) -> float:
        return min(m.arrivals[0] for m in self._pending) + self.max_delay

    async def _run(self) -> None:
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
                for message in batch:
                    started = self._clock()
                    self.stats.delays += [started - arrival for arrival in message.arrivals]
                    self.stats.posts += 1
                    await asyncio.to_thread(self._post, message.frame())
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._failure = exc
            self._pending.clear()
            if self.on_failure is not None:
                self.on_failure(exc)
        finally:
            self._idle.set()
