"""Posting on the Lambda path stays off the run's critical path: the real makecall handler, the scripted
model, and an @connections stand-in that takes its time per post (the only fake, at the network edge).

Behaviour tests, not benchmarks (bench/lambda_coalescing.py measures): the bounds are generous."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from calledit.agents.session import CallSession
from calledit.agents.setup import creation_agent
from calledit.aws.config import AwsSettings
from calledit.aws.connections import MemoryConnections
from calledit.aws.events import message_event, request_context
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import ClientGone, ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent, MakeCall, encode
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel

MAKECALL = json.dumps({"action": "makecall", "prompt": "Bitcoin closes above $100,000 before the end of 2026"})


class SlowSocket:
    """@connections for one socket: `delay` seconds per post, GoneException after `gone_after` frames."""

    def __init__(self, delay: float = 0.0, gone_after: int | None = None) -> None:
        self.delay = delay
        self.gone_after = gone_after
        self.frames: list[dict[str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def post(self, connection_id: str, data: str) -> None:
        with self.lock:
            if self.gone_after is not None and len(self.frames) >= self.gone_after:
                raise ClientGone(connection_id)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.frames.append(json.loads(data))


class Clients(ManagementClients):
    def __init__(self, socket: SlowSocket) -> None:
        super().__init__()
        self.socket = socket

    def for_event(self, request_context: dict[str, Any]) -> ManagementApi:
        return self.socket  # type: ignore[return-value]  # the same post() the handlers use


class WatchedSession(CallSession):
    """The creation agent's session, noting how long its consumer kept it waiting after each event."""

    def __init__(self, agent: Any) -> None:
        super().__init__(agent)
        self.held: list[tuple[str, float]] = []
        self.events: list[dict[str, Any]] = []  # as the transport was handed them

    async def run(self, request: MakeCall) -> AsyncGenerator[AnyServerEvent, None]:
        async for event in super().run(request):
            handed = time.monotonic()
            self.events.append(json.loads(encode(event)))
            yield event
            self.held.append((event.type, time.monotonic() - handed))


def runtime(tmp_path: Path, socket: SlowSocket, rate: float) -> tuple[LambdaRuntime, WatchedSession]:
    settings = Settings(model="scripted", db=str(tmp_path / "c.db"), data_dir=tmp_path, cache_dir=tmp_path)
    provider = Provider(name="scripted (test double)", model=ScriptedModel(rate=rate, chunk_chars=4), concurrency=2)
    session = WatchedSession(creation_agent(settings, provider))
    connections = MemoryConnections()
    connections.open("c1", "local")
    return LambdaRuntime(settings, AwsSettings(), connections=connections, management=Clients(socket),
                         session=session), session


async def makecall(rt: LambdaRuntime) -> tuple[dict[str, Any], float]:
    context = request_context(connection_id="c1", route="makecall", event_type="MESSAGE",
                              domain_name="x.execute-api.eu-west-1.amazonaws.com", stage="prod")
    started = time.monotonic()
    answer = await rt.message(message_event(context, MAKECALL, None))
    return answer, time.monotonic() - started


def what_the_client_sees(frames: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], Any]:
    """The streamed text, the other events in order, and the call partial last shown before `complete`."""
    text = "".join(f["content"] for f in frames if f["type"] == "text")
    others = [f for f in frames if f["type"] not in ("text", "call")]
    before_complete = frames[: next(i for i, f in enumerate(frames) if f["type"] == "complete")]
    partials = [f["call"] for f in before_complete if f["type"] == "call"]
    return text, others, partials[-1] if partials else None


async def test_a_slow_network_never_holds_the_model(tmp_path: Path) -> None:
    socket = SlowSocket(delay=0.2)  # 200 ms per post: ten times a real round trip
    rt, session = runtime(tmp_path, socket, rate=400)
    answer, _ = await makecall(rt)
    assert answer["statusCode"] == 200
    kinds = [kind for kind, _ in session.held]
    assert kinds[-2:] == ["complete", "status"]
    slowest = max(session.held, key=lambda held: held[1])
    # Handing an event over is queueing it: even the last one, whose lease release rides in the sender.
    assert slowest[1] < 0.1, f"the model waited {slowest[1]:.3f}s for a post after a {slowest[0]} event"
    assert socket.most_in_flight == 1  # one post at a time on a connection: API Gateway keeps no order


async def test_posting_does_not_slow_a_run_and_the_client_sees_the_same(tmp_path: Path) -> None:
    free_socket, paid_socket = SlowSocket(delay=0.0), SlowSocket(delay=0.02)  # 20 ms per post, as on AWS
    free_rt, _ = runtime(tmp_path / "free", free_socket, rate=200)
    paid_rt, paid_session = runtime(tmp_path / "paid", paid_socket, rate=200)
    await makecall(free_rt)  # warm up: the first run pays for lazy imports
    free_socket.frames.clear()
    (free_answer, free), (paid_answer, paid) = await makecall(free_rt), await makecall(paid_rt)
    assert free_answer["statusCode"] == paid_answer["statusCode"] == 200
    # ~230 tokens: posting each one inline would take 4.6 s of posts on a ~1.2 s run
    assert paid < 2 * free, f"posting took the run from {free:.2f}s to {paid:.2f}s"
    # Same order, nothing lost: the socket shows what the agent produced, merged where it waited.
    assert what_the_client_sees(paid_socket.frames) == what_the_client_sees(paid_session.events)
    text, others, partial = what_the_client_sees(paid_socket.frames)
    assert json.loads(text) and partial is not None and [f["type"] for f in others][-2:] == ["complete", "status"]
    assert [f["type"] for f in others] == [f["type"] for f in what_the_client_sees(free_socket.frames)[1]]
    assert len(paid_socket.frames) < len(paid_session.events), "what waited for a post was merged"
    stats = paid_rt.last_send_stats
    assert stats is not None and stats.delivered == stats.events and stats.dropped == 0


async def test_a_client_gone_mid_run_stops_the_model_frees_the_connection_and_drops_nothing_unseen(
    tmp_path: Path,
) -> None:
    socket = SlowSocket(delay=0.01, gone_after=3)
    rt, session = runtime(tmp_path, socket, rate=100)  # ~2.3 s of tokens if nobody stopped it
    answer, seconds = await makecall(rt)
    assert answer["statusCode"] == 410
    assert seconds < 1.5, "the model went on streaming to a closed socket"
    info = rt.connections.get("c1")
    assert info is not None and info.run_id is None  # the lease was given back
    stats = rt.last_send_stats
    assert stats is not None and len(socket.frames) == 3 and stats.posts == 4
    assert stats.delivered + stats.dropped == stats.events and stats.dropped >= 1
    assert socket.frames[0]["type"] == "status" and "complete" not in [f["type"] for f in socket.frames]
    assert session.held, "the run had started streaming"
