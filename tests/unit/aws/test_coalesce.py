"""The coalescing sender: fewer posts, same content, same order across event types, bounded delay."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calledit.aws.coalesce import CoalescingSender
from calledit.aws.management import ClientGone
from calledit.domain.events import AnyServerEvent, CallEvent, StatusEvent, TextEvent, ToolEvent


class Recorder:
    """Stands in for post_to_connection: records frames, optionally slow or gone."""

    def __init__(self, delay: float = 0.0, gone_after: int | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self.delay = delay
        self.gone_after = gone_after
        self.lock = threading.Lock()

    def __call__(self, frame: str) -> None:
        with self.lock:
            if self.gone_after is not None and len(self.frames) >= self.gone_after:
                raise ClientGone("c1")
            if self.delay:
                time.sleep(self.delay)
            self.frames.append(json.loads(frame))

    @property
    def types(self) -> list[str]:
        return [f["type"] for f in self.frames]


async def send_all(events: list[AnyServerEvent], recorder: Recorder, **options: Any) -> CoalescingSender:
    async with CoalescingSender(recorder, **options) as sender:
        for event in events:
            await sender.send(event)
    return sender


def text(content: str) -> TextEvent:
    return TextEvent(content=content)


def call(**fields: Any) -> CallEvent:
    return CallEvent(call=fields)


async def test_a_burst_of_text_becomes_one_message() -> None:
    recorder = Recorder()
    sender = await send_all([text(f"tok{i} ") for i in range(100)], recorder, max_delay=1.0)
    assert recorder.frames == [{"type": "text", "content": "".join(f"tok{i} " for i in range(100))}]
    assert sender.stats.events == 100 and sender.stats.posts == 1


async def test_call_partials_collapse_to_the_latest_and_follow_their_text() -> None:
    recorder = Recorder()
    events: list[AnyServerEvent] = [
        text('{"prediction_statement": "A"'),
        call(prediction_statement="A"),
        text(', "verification_mode": "at_date"'),
        call(prediction_statement="A", verification_mode="at_date"),
        text(", ..."),
    ]
    await send_all(events, recorder, max_delay=1.0)
    assert recorder.frames == [
        {"type": "text", "content": '{"prediction_statement": "A", "verification_mode": "at_date", ...'},
        {"type": "call", "call": {"prediction_statement": "A", "verification_mode": "at_date"}},
    ]


async def test_other_events_are_barriers_nothing_merges_across_them() -> None:
    recorder = Recorder()
    events: list[AnyServerEvent] = [
        StatusEvent(status="processing"),
        text("a"),
        text("b"),
        call(x=1),
        ToolEvent(name="clock", input={}),
        text("c"),
        call(x=2),
        text("d"),
        StatusEvent(status="complete"),
    ]
    await send_all(events, recorder, max_delay=1.0)
    assert recorder.frames == [
        {"type": "status", "status": "processing"},
        {"type": "text", "content": "ab"},
        {"type": "call", "call": {"x": 1}},
        {"type": "tool", "name": "clock", "input": {}},
        {"type": "text", "content": "cd"},
        {"type": "call", "call": {"x": 2}},
        {"type": "status", "status": "complete"},
    ]


async def test_a_message_never_exceeds_max_bytes() -> None:
    recorder = Recorder()
    pieces = [f"{i:04d}" * 10 for i in range(200)]  # 40 bytes each, 8,000 in all
    await send_all([text(p) for p in pieces], recorder, max_delay=1.0, max_bytes=1000)
    assert all(f["type"] == "text" and len(f["content"].encode()) <= 1000 for f in recorder.frames)
    assert "".join(f["content"] for f in recorder.frames) == "".join(pieces)
    assert len(recorder.frames) == 8


async def test_text_is_held_at_most_max_delay() -> None:
    recorder = Recorder()
    async with CoalescingSender(recorder, max_delay=0.05) as sender:
        for i in range(30):
            await sender.send(text(f"t{i}"))
            await asyncio.sleep(0.01)  # a 100-token/s model
    assert max(sender.stats.delays) < 0.05 + 0.04  # the window, plus scheduling slack on a busy machine
    assert 3 <= sender.stats.posts <= 12  # 300 ms of tokens in 50 ms windows
    assert "".join(f["content"] for f in recorder.frames) == "".join(f"t{i}" for i in range(30))


async def test_while_a_post_is_in_flight_new_deltas_wait_and_merge() -> None:
    recorder = Recorder(delay=0.05)  # a slow network: 50 ms per post
    async with CoalescingSender(recorder, max_delay=0.0) as sender:
        for i in range(50):
            await sender.send(text(f"{i},"))
            await asyncio.sleep(0.002)
    assert sender.stats.posts < 10
    assert "".join(f["content"] for f in recorder.frames) == "".join(f"{i}," for i in range(50))


async def test_without_coalescing_every_event_is_its_own_post() -> None:
    recorder = Recorder()
    sender = await send_all([text("a"), text("b"), call(x=1), call(x=2)], recorder, coalesce=False)
    assert recorder.types == ["text", "text", "call", "call"] and sender.stats.posts == 4


async def test_a_gone_client_stops_the_sender_and_reaches_the_producer() -> None:
    recorder = Recorder(gone_after=1)
    with pytest.raises(ClientGone):
        async with CoalescingSender(recorder, max_delay=0.0) as sender:
            await sender.send(StatusEvent(status="processing"))
            await asyncio.sleep(0.05)
            await sender.send(text("a"))
            await asyncio.sleep(0.05)
            for _ in range(10):  # the failure is raised on the next send
                await sender.send(text("b"))
                await asyncio.sleep(0.01)
    assert recorder.types == ["status"]


# Any sequence, any timing: the text arrives whole and in order, barriers keep their order, and the
# call partial a client holds at each barrier is the last one sent before it.
event_strategy = st.one_of(
    st.text(min_size=1, max_size=20).map(text),
    st.integers(0, 1000).map(lambda n: call(n=n)),
    st.sampled_from(["processing", "queued", "complete"]).map(lambda s: StatusEvent(status=s)),
    st.sampled_from(["clock", "calculator"]).map(lambda n: ToolEvent(name=n)),
)


@settings(max_examples=150, deadline=None)
@given(events=st.lists(event_strategy, max_size=40), max_delay=st.sampled_from([0.0, 0.001, 10.0]),
       max_bytes=st.sampled_from([256, 8192]))
def test_coalescing_preserves_what_the_client_sees(events: list[AnyServerEvent], max_delay: float,
                                                   max_bytes: int) -> None:
    recorder = Recorder()
    asyncio.run(send_all(events, recorder, max_delay=max_delay, max_bytes=max_bytes))

    def segments(seq: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
        """(joined text, last call, barrier) for each stretch ending at a barrier (or the end)."""
        out, joined, last = [], "", None
        for item in seq:
            if item["type"] == "text":
                joined += item["content"]
            elif item["type"] == "call":
                last = item["call"]
            else:
                out.append((joined, last, item))
                joined, last = "", None
        out.append((joined, last, None))
        return out

    sent = [json.loads(e.model_dump_json(exclude_none=True)) for e in events]
    assert segments(recorder.frames) == segments(sent)
    for frame in recorder.frames:
        if frame["type"] == "text":
            assert len(frame["content"].encode()) <= max(max_bytes, 20 * 4)


async def test_drain_posts_everything_queued_and_the_sender_carries_on() -> None:
    recorder = Recorder(delay=0.01)
    async with CoalescingSender(recorder, max_delay=10.0) as sender:
        await sender.send(text("a"))
        await sender.send(call(x=1))
        await sender.drain()  # without it the text would wait 10 s for its window
        assert recorder.frames == [{"type": "text", "content": "a"}, {"type": "call", "call": {"x": 1}}]
        await sender.send(StatusEvent(status="complete"))
    assert recorder.types == ["text", "call", "status"]


async def test_a_failure_is_reported_at_once_to_whoever_must_stop() -> None:
    seen: list[BaseException] = []
    sender = CoalescingSender(Recorder(gone_after=0), max_delay=0.0, on_failure=seen.append)
    with pytest.raises(ClientGone):
        async with sender:
            await sender.send(StatusEvent(status="processing"))
            await asyncio.sleep(0.05)
            assert len(seen) == 1 and isinstance(seen[0], ClientGone)
            assert sender.failure is seen[0]
            await sender.send(text("too late"))


class Gate:
    """A post that blocks until opened: the network stalled."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.frames: list[dict[str, Any]] = []

    def __call__(self, frame: str) -> None:
        assert self.open.wait(10), "the test never opened the gate"
        self.frames.append(json.loads(frame))


async def test_send_never_waits_for_a_post_not_even_with_work_before_it() -> None:
    recorder = Recorder(delay=0.2)  # every post takes 200 ms
    log: list[str] = []

    async def release() -> None:
        log.append(f"release after {len(recorder.frames)} frames")

    async with CoalescingSender(recorder, max_delay=0.0) as sender:
        slowest = 0.0
        for event in [StatusEvent(status="processing"), text("a"), call(x=1), text("b")]:
            started = time.monotonic()
            await sender.send(event)
            slowest = max(slowest, time.monotonic() - started)
        started = time.monotonic()
        await sender.send(StatusEvent(status="complete"), before=release)
        slowest = max(slowest, time.monotonic() - started)
        assert slowest < 0.1, "the producer waited for a post"
        assert log == []  # the release waits for its turn in the sender, not in the producer
    assert log == ["release after 3 frames"]  # everything before the last event went out first
    assert recorder.frames[1:3] == [{"type": "text", "content": "ab"}, {"type": "call", "call": {"x": 1}}]
    assert recorder.types == ["status", "text", "call", "status"]


async def test_the_queue_is_bounded_the_producer_waits_only_when_it_is_full() -> None:
    gate = Gate()
    sender = CoalescingSender(gate, max_delay=0.0, max_queued=4)
    tools = [ToolEvent(name=f"t{i}") for i in range(20)]  # barriers: nothing merges

    async def produce() -> None:
        for event in tools:
            await sender.send(event)

    async with sender:
        producer = asyncio.create_task(produce())
        try:
            await asyncio.sleep(0.1)
            assert not producer.done(), "20 barriers cannot fit in a queue of 4 while the network is stalled"
            assert sender.queued <= 4
        finally:
            gate.open.set()
        await asyncio.wait_for(producer, 5)
    assert [f["name"] for f in gate.frames] == [f"t{i}" for i in range(20)]
    assert sender.stats.waits and sender.stats.delivered == 20 and sender.stats.dropped == 0


async def test_a_stalled_network_merges_text_instead_of_queueing_it() -> None:
    gate = Gate()
    async with CoalescingSender(gate, max_delay=0.0, max_bytes=1024, max_queued=4) as sender:
        try:
            await sender.send(StatusEvent(status="processing"))  # taken, and stuck in flight
            await asyncio.sleep(0.05)
            for i in range(1000):  # 4,000 bytes of tokens, never waiting
                started = time.monotonic()
                await sender.send(text(f"{i % 10:04d}"))
                assert time.monotonic() - started < 0.1
            assert sender.queued == 4  # three full 1 KB messages and one filling
            one_more = asyncio.create_task(sender.send(call(x=1)))  # a fifth message: the queue is full
            await asyncio.sleep(0.05)
            assert not one_more.done()
        finally:
            gate.open.set()
        await asyncio.wait_for(one_more, 5)
    assert "".join(f.get("content", "") for f in gate.frames) == "".join(f"{i % 10:04d}" for i in range(1000))
    assert gate.frames[-1] == {"type": "call", "call": {"x": 1}}


async def test_a_client_gone_mid_run_loses_nothing_unaccounted_and_keeps_the_order() -> None:
    recorder = Recorder(delay=0.005, gone_after=3)
    seen: list[BaseException] = []
    sent: list[AnyServerEvent] = []
    sender = CoalescingSender(recorder, max_delay=0.0, on_failure=seen.append)
    with pytest.raises(ClientGone):
        async with sender:
            for i in range(200):
                event: AnyServerEvent = ToolEvent(name=f"t{i}") if i % 3 == 0 else text(f"{i},")
                await sender.send(event)
                sent.append(event)
                await asyncio.sleep(0.001)
    assert len(seen) == 1 and sender.failure is seen[0]  # reported once, and raised: not lost in the task
    stats = sender.stats
    assert stats.events == len(sent) and stats.delivered + stats.dropped == stats.events
    assert len(recorder.frames) == 3 and stats.posts == 4  # the fourth post met the closed socket
    # what arrived is the start of what was sent, in order, with no gap (text joined across frames)
    def joined(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for frame in frames:
            if frame["type"] == "text" and out and out[-1]["type"] == "text":
                out[-1] = {"type": "text", "content": out[-1]["content"] + frame["content"]}
            else:
                out.append(frame)
        return out

    got = joined(recorder.frames)
    expected = joined([json.loads(event.model_dump_json(exclude_none=True)) for event in sent])
    assert got[:-1] == expected[: len(got) - 1]
    last, counterpart = got[-1], expected[len(got) - 1]
    assert last == counterpart or (last["type"] == counterpart["type"] == "text"
                                   and counterpart["content"].startswith(last["content"]))
