"""What posting costs a prediction on the Lambda path: wall time, added latency, and dollars.

Runs the real handlers ($connect, makecall through LambdaRuntime.message with the session, the creation
agent and the coalescing sender, $disconnect) over the scripted model streaming 4-character tokens at a
fixed rate, against a stand-in for the API Gateway @connections endpoint that takes `--post-ms` per post
(the network edge is the only fake) and the connections table in memory, whose operations it counts.

For each token rate it prints:

- generation: the same makecall when a post costs nothing (the model's own time plus the agent's work);
- run: its wall time with `--post-ms` per post, and the ratio to generation. Target: <= 1.05x at
  20-200 tokens/s with 20 ms per post (posting never slows a run: the generator only queues events);
- tail: in the same run, from the run's last event handed to the sender to the handler's answer: all
  that posting adds when it holds nothing back, and unlike the ratio (two runs) not moved by other load
  on the machine;
- hold: how long events waited in the sender before the post carrying them started. Target: p95 <= 100 ms;
- token made -> delivered p95 (what a user sees) and posts per prediction;
- the cost of 1,000 predictions, from the counts measured and AWS's unit prices below: API Gateway
  WebSocket messages (each post in 32 KB units, plus the client's makecall frame) and connection minutes,
  Lambda requests and GB-s ($connect, makecall, $disconnect at the template's memory sizes, each rounded
  up to the millisecond, plus the Cognito $connect authorizer's request), and DynamoDB request units for
  the connections table (each operation as DynamoConnections issues it, the by_user index included).
  It assumes one socket per prediction, open only while it runs (billed minutes rounded up): a user who
  keeps the tab open pays more connection minutes; several predictions on one socket pay less for the rest.
  Not counted: Bedrock's tokens (by far the largest cost), the REST call that saves the call, logs.

    .venv/bin/python -m bench.lambda_coalescing [--rates 20,50,100,200] [--post-ms 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from calledit.agents.session import CallSession
from calledit.agents.setup import creation_agent
from calledit.aws.config import AwsSettings
from calledit.aws.connections import ConnectionInfo, MemoryConnections
from calledit.aws.events import connect_event, disconnect_event, message_event, request_context
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent, MakeCall
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel

PROMPT = "Bitcoin will close above $100,000 on any day before the end of 2026"
TOKEN_CHARS = 4  # a token is about four characters of JSON
TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "aws" / "template.yaml"

# AWS list prices, region us-east-1, as AWS's pricing pages gave them in 2025 (aws.amazon.com/api-gateway/
# pricing, /lambda/pricing, /dynamodb/pricing/on-demand; not re-read from this machine, which reaches
# no AWS site: check them before quoting a bill).
PRICES_REGION = "us-east-1"
PRICES_AS_OF = "2025"
WEBSOCKET_PER_MILLION_MESSAGES = 1.00  # the first billion a month; sent and received both count
WEBSOCKET_MESSAGE_UNIT_BYTES = 32 * 1024  # a message is metered in 32 KB increments
WEBSOCKET_PER_MILLION_CONNECTION_MINUTES = 0.25
LAMBDA_PER_GB_SECOND = 0.0000166667  # x86_64, the first 6 billion GB-s a month
LAMBDA_PER_MILLION_REQUESTS = 0.20
DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625  # on-demand, since AWS halved it on 2024-11-01 (was 1.25)
DYNAMODB_PER_MILLION_READ_UNITS = 0.125  # on-demand, likewise (was 0.25)

# Request units per connections-table operation, as DynamoConnections issues them (items well under 1 KB):
# a write of the item, plus one for the KEYS_ONLY by_user index when user_id appears or goes; a strongly
# consistent GetItem is one read unit, a Query of the index an eventually consistent half.
WRITE_UNITS = {"open": 2.0, "close": 2.0, "start_run": 1.0, "finish_run": 1.0, "request_cancel": 1.0}
READ_UNITS = {"get": 1.0, "cancel_requested": 1.0, "for_user": 0.5}
AUTHORIZER_REQUESTS = 1  # AuthMode=cognito: the $connect authorizer runs once per socket (a JWT check)


@dataclass
class Endpoint:
    """The @connections endpoint: each post takes `rtt` seconds; records when each frame landed."""

    rtt: float
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, connection_id: str, data: str) -> None:
        if self.rtt:
            time.sleep(self.rtt)
        with self.lock:
            self.frames.append((time.monotonic(), json.loads(data)))


class FixedClients(ManagementClients):
    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        self.endpoint = endpoint

    def for_event(self, request_context: dict[str, Any]) -> ManagementApi:
        return self.endpoint  # type: ignore[return-value]  # same post() signature


class CountedConnections(MemoryConnections):
    """The connections table in memory, counting the operations a DynamoDB table would be billed for."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def open(self, connection_id: str, user_id: str) -> None:
        self.calls["open"] += 1
        super().open(connection_id, user_id)

    def close(self, connection_id: str) -> None:
        self.calls["close"] += 1
        super().close(connection_id)

    def get(self, connection_id: str) -> ConnectionInfo | None:
        self.calls["get"] += 1
        return super().get(connection_id)

    def start_run(self, connection_id: str, run_id: str, lease_s: float) -> bool:
        self.calls["start_run"] += 1
        return super().start_run(connection_id, run_id, lease_s)

    def finish_run(self, connection_id: str, run_id: str) -> None:
        self.calls["finish_run"] += 1
        super().finish_run(connection_id, run_id)

    def request_cancel(self, connection_id: str) -> bool:
        self.calls["request_cancel"] += 1
        return super().request_cancel(connection_id)

    def cancel_requested(self, connection_id: str, run_id: str) -> bool:
        self.calls["cancel_requested"] += 1
        return super().cancel_requested(connection_id, run_id)

    def for_user(self, user_id: str) -> list[str]:
        self.calls["for_user"] += 1
        return super().for_user(user_id)


class TimedSession(CallSession):
    """The creation agent's session, noting when it handed the transport its last event."""

    last_event_at = 0.0

    async def run(self, request: MakeCall) -> AsyncGenerator[AnyServerEvent, None]:
        async for event in super().run(request):
            self.last_event_at = time.monotonic()
            yield event


class TimedModel(ScriptedModel):
    """The scripted model, noting when it produced each chunk (a token)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.produced: list[float] = []

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:  # type: ignore[override]
        async for event in super().stream(*args, **kwargs):
            if "contentBlockDelta" in event:
                self.produced.append(time.monotonic())
            yield event


@dataclass
class Run:
    seconds: float  # the makecall invocation, start to answer
    tail: float  # the run's last event handed to the sender -> the answer
    posts: int
    message_units: int  # WebSocket messages billed: each post in 32 KB units, plus the makecall frame
    gb_seconds: float
    requests: int
    write_units: float
    read_units: float
    delivery_ms: list[float]  # per token: produced by the model -> its post completed
    hold_ms: list[float]  # per event: handed to the sender -> its post started

    @property
    def connection_minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))

    def cost(self) -> dict[str, float]:
        """Dollars for this prediction, by service."""
        return {
            "messages": self.message_units * WEBSOCKET_PER_MILLION_MESSAGES / 1e6,
            "minutes": self.connection_minutes * WEBSOCKET_PER_MILLION_CONNECTION_MINUTES / 1e6,
            "lambda": self.gb_seconds * LAMBDA_PER_GB_SECOND + self.requests * LAMBDA_PER_MILLION_REQUESTS / 1e6,
            "dynamodb": self.write_units * DYNAMODB_PER_MILLION_WRITE_UNITS / 1e6
            + self.read_units * DYNAMODB_PER_MILLION_READ_UNITS / 1e6,
        }


def memory_mb(template_text: str) -> dict[str, int]:
    """Each WebSocket handler's MemorySize from the template (Globals when the function sets none)."""
    template, problems = decode_str(template_text)
    assert not problems, problems
    default = int(template["Globals"]["Function"]["MemorySize"])
    sizes = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            properties = resource["Properties"]
            sizes[str(properties["Handler"]).rsplit(".", 1)[1]] = int(properties.get("MemorySize", default))
    return sizes


def billed_gb_seconds(seconds: float, mb: int) -> float:
    return math.ceil(seconds * 1000) / 1000 * mb / 1024


def token_delays(frames: list[tuple[float, dict[str, Any]]], produced: list[float]) -> list[float]:
    delays, chars = [], 0
    for landed, frame in frames:
        if frame["type"] != "text":
            continue
        for offset in range(chars, chars + len(frame["content"]), TOKEN_CHARS):
            if offset // TOKEN_CHARS < len(produced):
                delays.append(1000 * (landed - produced[offset // TOKEN_CHARS]))
        chars += len(frame["content"])
    return delays


def runtime_for(
    endpoint: Endpoint, rate: float, data: Path
) -> tuple[LambdaRuntime, TimedModel, TimedSession, CountedConnections]:
    settings = Settings(model="scripted", db=str(data / "calls.db"), data_dir=data, cache_dir=data)
    model = TimedModel(rate=rate, chunk_chars=TOKEN_CHARS)
    session = TimedSession(creation_agent(settings, Provider(name="scripted", model=model, concurrency=4)))
    table = CountedConnections()
    runtime = LambdaRuntime(settings, AwsSettings(), connections=table, management=FixedClients(endpoint),
                            session=session)
    return runtime, model, session, table


async def predict(rate: float, rtt: float, data: Path, memory: dict[str, int]) -> Run:
    """One prediction on its own socket: $connect, makecall, $disconnect."""
    endpoint = Endpoint(rtt)
    runtime, model, session, table = runtime_for(endpoint, rate, data)

    def context(route: str, kind: str) -> dict[str, Any]:
        return request_context(connection_id="bench", route=route, event_type=kind,
                               domain_name="bench.execute-api.local", stage="prod")

    gb_seconds = 0.0
    started = time.monotonic()
    assert (await runtime.connect(connect_event(context("$connect", "CONNECT"), {}, {})))["statusCode"] == 200
    gb_seconds += billed_gb_seconds(time.monotonic() - started, memory["connect"])

    makecall = json.dumps({"action": "makecall", "prompt": PROMPT})
    started = time.monotonic()
    answer = await runtime.message(message_event(context("makecall", "MESSAGE"), makecall, None))
    answered = time.monotonic()
    seconds = answered - started
    assert answer["statusCode"] == 200, answer
    gb_seconds += billed_gb_seconds(seconds, memory["makecall"])

    started = time.monotonic()
    assert (await runtime.disconnect(disconnect_event(context("$disconnect", "DISCONNECT"))))["statusCode"] == 200
    gb_seconds += billed_gb_seconds(time.monotonic() - started, memory["disconnect"])

    stats = runtime.last_send_stats
    assert stats is not None and stats.dropped == 0 and stats.delivered == stats.events
    return Run(
        seconds=seconds,
        tail=answered - session.last_event_at,
        posts=stats.posts,
        message_units=sum(math.ceil(size / WEBSOCKET_MESSAGE_UNIT_BYTES) for size in stats.bytes) + 1,
        gb_seconds=gb_seconds,
        requests=3 + AUTHORIZER_REQUESTS,
        write_units=sum(WRITE_UNITS.get(op, 0.0) * n for op, n in table.calls.items()),
        read_units=sum(READ_UNITS.get(op, 0.0) * n for op, n in table.calls.items()),
        delivery_ms=token_delays(endpoint.frames, model.produced),
        hold_ms=[1000 * d for d in stats.delays],
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] if ordered else 0.0


async def main(rates: list[float], post_ms: float, runs: int) -> int:
    data = Path(tempfile.mkdtemp(prefix="calledit-bench-"))
    memory = memory_mb(TEMPLATE.read_text())
    rtt = post_ms / 1000
    print(f"Lambda makecall: {post_ms:g} ms per post_to_connection, {TOKEN_CHARS}-char tokens, "
          f"flush window {AwsSettings().flush_ms:g} ms, {runs} run(s) per row; makecall {memory['makecall']} MB, "
          f"$connect/$disconnect {memory['connect']}/{memory['disconnect']} MB; prices {PRICES_REGION} "
          f"({PRICES_AS_OF})")
    print(f"{'tok/s':>6} | {'generation':>10} {'run':>7} {'ratio':>6} {'tail':>6} | {'hold p50':>8} {'p95':>6} "
          f"{'max':>6} | {'delivered':>9} {'posts':>6} | {'$ per 1,000 predictions':^48}")
    print(f"{'':>6} | {'(free post)':>10} {'':>7} {'':>6} {'':>6} | {'':>8} {'':>6} {'':>6} | {'p95':>9} {'':>6} | "
          f"{'messages':>9} {'conn-min':>9} {'lambda':>9} {'dynamodb':>9} {'total':>8}")
    await predict(max(rates), 0.0, data, memory)  # warm up: the first run pays for imports and lazy setup
    worst_ratio, worst_hold, worst_tail = 0.0, 0.0, 0.0
    for rate in rates:
        free = [await predict(rate, 0.0, data, memory) for _ in range(runs)]
        paid = [await predict(rate, rtt, data, memory) for _ in range(runs)]
        generation = statistics.median(r.seconds for r in free)
        wall = statistics.median(r.seconds for r in paid)
        holds = [h for r in paid for h in r.hold_ms]
        costs = {k: 1000 * statistics.mean(r.cost()[k] for r in paid) for k in paid[0].cost()}
        tail = statistics.median(r.tail for r in paid)
        worst_ratio = max(worst_ratio, wall / generation)
        worst_tail = max(worst_tail, tail / (statistics.median(r.seconds - r.tail for r in paid)))
        worst_hold = max(worst_hold, pct(holds, 0.95))
        print(
            f"{rate:>6g} | {generation:>9.2f}s {wall:>6.2f}s {wall / generation:>5.3f}x {1000 * tail:>4.0f}ms | "
            f"{pct(holds, 0.5):>6.1f}ms {pct(holds, 0.95):>4.1f}ms {max(holds):>4.0f}ms | "
            f"{pct([d for r in paid for d in r.delivery_ms], 0.95):>7.0f}ms "
            f"{statistics.mean(r.posts for r in paid):>6.1f} | "
            f"{costs['messages']:>9.5f} {costs['minutes']:>9.5f} {costs['lambda']:>9.5f} {costs['dynamodb']:>9.5f} "
            f"{sum(costs.values()):>8.5f}"
        )
    print(f"\nworst run/generation {worst_ratio:.3f}x across runs, {1 + worst_tail:.3f}x within a run from its tail "
          f"(target <= 1.05x); worst hold p95 {worst_hold:.1f} ms (target <= 100 ms)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="20,50,100,200", help="model speeds to try, tokens per second")
    parser.add_argument("--post-ms", type=float, default=20.0, help="round trip of one post_to_connection")
    parser.add_argument("--runs", type=int, default=3, help="predictions per row and posting cost")
    args = parser.parse_args()
    sys.exit(asyncio.run(main([float(r) for r in args.rates.split(",")], args.post_ms, args.runs)))
