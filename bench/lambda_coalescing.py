"""How many post_to_connection calls a prediction costs on the Lambda path, and what batching adds to latency.

Runs the real makecall handler (LambdaRuntime.message: session, creation agent, coalescing sender) over
the scripted model streaming token-sized deltas at a fixed rate, against a stand-in for the API Gateway
@connections endpoint that takes a fixed round trip per post (the network edge is the only fake).
The baseline is the seeds' design: one post per event, made inline as the model streams.

For each token rate it prints posts per prediction for both designs and the reduction, how long the
coalescer held events before posting (the latency it adds), and the delay from when each token was due
from the model to when its post completed (what a user sees), for both designs.

    .venv/bin/python bench/lambda_coalescing.py [--rates 20,50,100,200,400] [--rtt-ms 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calledit.agents.session import CallSession
from calledit.agents.setup import creation_agent
from calledit.aws.config import AwsSettings
from calledit.aws.connections import MemoryConnections
from calledit.aws.events import message_event, request_context
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.domain.events import MakeCall, encode
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel

PROMPT = "Bitcoin will close above $100,000 on any day before the end of 2026"
TOKEN_CHARS = 4  # a token is about four characters of JSON


@dataclass
class Endpoint:
    """The @connections endpoint: each post takes `rtt` seconds; records when each frame landed."""

    rtt: float
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, connection_id: str, data: str) -> None:
        time.sleep(self.rtt)
        with self.lock:
            self.frames.append((time.monotonic(), json.loads(data)))


class FixedClients(ManagementClients):
    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint

    def for_event(self, request_context: dict[str, Any]) -> ManagementApi:
        return self.endpoint  # type: ignore[return-value]  # same post() signature


class TimedModel(ScriptedModel):
    """The scripted model, noting when it produced each chunk (a token)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.produced: list[float] = []

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        async for event in super().stream(*args, **kwargs):
            if "contentBlockDelta" in event:
                self.produced.append(time.monotonic())
            yield event


@dataclass
class Run:
    posts: int
    events: int
    seconds: float
    delivery_ms: list[float]  # per token: produced by the model -> its post completed
    hold_ms: list[float]  # per event: handed to the sender -> its post started (coalesced only)


def token_delays(frames: list[tuple[float, dict[str, Any]]], produced: list[float]) -> list[float]:
    delays, chars = [], 0
    for landed, frame in frames:
        if frame["type"] != "text":
            continue
        for offset in range(chars, chars + len(frame["content"]), TOKEN_CHARS):
            delays.append(1000 * (landed - produced[offset // TOKEN_CHARS]))
        chars += len(frame["content"])
    return delays


def runtime_for(endpoint: Endpoint, rate: float, data: Path) -> tuple[LambdaRuntime, TimedModel]:
    settings = Settings(model="scripted", db=str(data / "calls.db"), data_dir=data, cache_dir=data)
    model = TimedModel(rate=rate, chunk_chars=TOKEN_CHARS)
    session = CallSession(creation_agent(settings, Provider(name="scripted", model=model, concurrency=4)))
    runtime = LambdaRuntime(
        settings, AwsSettings(), connections=MemoryConnections(), management=FixedClients(endpoint), session=session
    )
    return runtime, model


async def coalesced(rate: float, rtt: float, data: Path) -> Run:
    endpoint = Endpoint(rtt)
    runtime, model = runtime_for(endpoint, rate, data)
    runtime.connections.open("bench", "local")
    context = request_context(connection_id="bench", route="makecall", event_type="MESSAGE",
                              domain_name="bench.execute-api.local", stage="prod")
    event = message_event(context, json.dumps({"action": "makecall", "prompt": PROMPT}), None)
    started = time.monotonic()
    answer = await runtime.message(event)
    assert answer["statusCode"] == 200, answer
    stats = runtime.last_send_stats
    assert stats is not None
    return Run(
        posts=stats.posts,
        events=stats.events,
        seconds=time.monotonic() - started,
        delivery_ms=token_delays(endpoint.frames, model.produced),
        hold_ms=[1000 * d for d in stats.delays],
    )


async def per_token(rate: float, rtt: float, data: Path) -> Run:
    """The seeds' design: post each event as it comes, inline, before asking the model for more."""
    endpoint = Endpoint(rtt)
    runtime, model = runtime_for(endpoint, rate, data)
    started = time.monotonic()
    events = 0
    async for event in runtime.session.run(MakeCall(action="makecall", prompt=PROMPT)):
        events += 1
        await asyncio.to_thread(endpoint.post, "bench", encode(event))
    return Run(
        posts=len(endpoint.frames),
        events=events,
        seconds=time.monotonic() - started,
        delivery_ms=token_delays(endpoint.frames, model.produced),
        hold_ms=[],
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] if ordered else 0.0


async def main(rates: list[float], rtt_ms: float, runs: int) -> int:
    data = Path(tempfile.mkdtemp(prefix="calledit-bench-"))
    rtt = rtt_ms / 1000
    print(f"Lambda makecall: posts per prediction and latency, post round trip {rtt_ms:g} ms, "
          f"{TOKEN_CHARS}-char tokens, flush window {AwsSettings().flush_ms:g} ms, {runs} run(s) per row")
    print(f"{'tok/s':>6} | {'posts/prediction':>27} | {'added by batching (hold)':>26} | "
          f"{'token made -> delivered p95':>27} | {'run time':>15}")
    print(f"{'':>6} | {'per-token':>9} {'coalesced':>9} {'cut':>7} | {'p50':>7} {'p95':>8} {'max':>9} | "
          f"{'per-token':>13} {'coalesced':>13} | {'per-tok':>7} {'coal.':>7}")
    worst_cut, worst_hold = float("inf"), 0.0
    for rate in rates:
        base = [await per_token(rate, rtt, data) for _ in range(runs)]
        ours = [await coalesced(rate, rtt, data) for _ in range(runs)]
        base_posts = statistics.mean(r.posts for r in base)
        our_posts = statistics.mean(r.posts for r in ours)
        holds = [h for r in ours for h in r.hold_ms]
        cut = base_posts / our_posts
        worst_cut = min(worst_cut, cut)
        worst_hold = max(worst_hold, max(holds))
        print(
            f"{rate:>6g} | {base_posts:>9.0f} {our_posts:>9.1f} {cut:>6.1f}x | {pct(holds, 0.5):>5.1f}ms "
            f"{pct(holds, 0.95):>6.1f}ms {max(holds):>7.1f}ms | "
            f"{pct([d for r in base for d in r.delivery_ms], 0.95):>11.0f}ms "
            f"{pct([d for r in ours for d in r.delivery_ms], 0.95):>11.0f}ms | "
            f"{statistics.mean(r.seconds for r in base):>6.2f}s {statistics.mean(r.seconds for r in ours):>6.2f}s"
        )
    print(f"\nsmallest reduction {worst_cut:.1f}x; largest hold {worst_hold:.1f} ms "
          f"(targets: >= 10x fewer posts, <= 100 ms added)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="20,50,100,200,400", help="model speeds to try, tokens per second")
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="round trip of one post_to_connection")
    parser.add_argument("--runs", type=int, default=3, help="predictions per row")
    args = parser.parse_args()
    sys.exit(asyncio.run(main([float(r) for r in args.rates.split(",")], args.rtt_ms, args.runs)))
