"""What CalledIt's streaming path costs, side by side with a bare `websockets` server streaming the same chunks.

(a) latency: N concurrent clients, the model emitting R chunks/s each; per text event, the time from the
    model's emit (a wall-clock stamp inside the chunk) to the client's receive: p50 and p99.
(b) capacity: the model with no delay; text events per second delivered at saturation.

Both servers run in their own process on loopback; the same client drives both.
Usage: python -m bench.stream_overhead [--clients 200] [--rate 20] [--seconds 5] [--capacity-clients 20] [--rounds 5]
Targets (issue 2): p99 added latency < 5 ms; capacity >= 0.5x the bare server. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterable
from typing import Any

PROMPT = "Bitcoin hits $100k by the end of 2026"
TAIL = (
    '", "prediction_statement": "Bitcoin trades at or above 100,000 USD before 2027.", '
    '"verification_date": "2026-12-31T23:59:59+00:00", "verification_mode": "before_date", '
    '"verifiable_category": "api_tool_verifiable", "category_reasoning": "Needs price data.", '
    '"verifiability_score": 0.9, "verification_method": {"source": ["CoinMarketCap"], '
    '"criteria": ["BTC/USD >= 100000"], "steps": ["Check the daily high"]}}'
)


def chunk_text(rate: float) -> str:
    """A timed run's chunk carries its wall-clock emit time; a saturation run's is two bytes of text."""
    return f"{time.time():.6f} " if rate else "ab"


BARE_LOOP = ["asyncio"]  # the --bare-loop choice, passed on to the bare server's process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the two servers --------------------------------------------------------------------------------


class StampingModel:
    """A Strands model whose text chunks carry their emit time, inside a valid call."""

    def __init__(self, chunks: int, rate: float) -> None:
        self.chunks, self.rate = chunks, rate

    def build(self) -> Any:
        from strands.models import Model

        outer = self

        class _Model(Model):  # type: ignore[misc]
            def update_config(self, **config: Any) -> None: ...

            def get_config(self) -> dict[str, Any]:
                return {}

            async def structured_output(self, *args: Any, **kwargs: Any) -> Any:
                raise NotImplementedError
                yield

            async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterable[dict[str, Any]]:
                delay = 1.0 / outer.rate if outer.rate else 0.0
                yield {"messageStart": {"role": "assistant"}}
                yield {"contentBlockStart": {"start": {}}}
                yield {"contentBlockDelta": {"delta": {"text": '{"date_reasoning": "'}}}
                for _ in range(outer.chunks):
                    if delay:
                        await asyncio.sleep(delay)
                    yield {"contentBlockDelta": {"delta": {"text": chunk_text(outer.rate)}}}
                yield {"contentBlockDelta": {"delta": {"text": TAIL}}}
                yield {"contentBlockStop": {}}
                yield {"messageStop": {"stopReason": "end_turn"}}

        return _Model()


def serve_calledit(port: int, chunks: int, rate: float) -> None:
    import tempfile

    import uvicorn

    from calledit.config import Settings
    from calledit.providers.base import Provider
    from calledit.server import create_app
    from calledit.server.uvicorn_protocols import websocket_options

    settings = Settings(model="scripted", db=os.path.join(tempfile.mkdtemp(), "bench.db"))
    provider = Provider(name="bench", model=StampingModel(chunks, rate).build(), concurrency=10_000)
    uvicorn.run(create_app(settings, provider=provider), host="127.0.0.1", port=port, log_level="error",
                **websocket_options())


def serve_bare(port: int, chunks: int, rate: float, loop: str = "asyncio") -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        async for _ in ws:
            delay = 1.0 / rate if rate else 0.0
            await ws.send('{"type":"status","status":"processing"}')
            await ws.send(json.dumps({"type": "text", "content": '{"date_reasoning": "'}))
            for _ in range(chunks):
                if delay:
                    await asyncio.sleep(delay)
                await ws.send(json.dumps({"type": "text", "content": chunk_text(rate)}))
            await ws.send(json.dumps({"type": "text", "content": TAIL}))
            await ws.send('{"type":"status","status":"complete"}')

    async def main() -> None:
        async with serve(handler, "127.0.0.1", port, max_size=1 << 20):
            await asyncio.Future()

    if loop == "uvloop":  # the loop uvicorn gives CalledIt when uvloop is installed (uvicorn[standard] brings it)
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


# --- the client -------------------------------------------------------------------------------------


async def one_client(url: str, latencies: list[float], counts: list[int]) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=1 << 20) as ws:
        await ws.send(json.dumps({"action": "makecall", "prompt": PROMPT, "timezone": "UTC"}))
        received = 0
        async for frame in ws:
            now = time.time()
            event = json.loads(frame)
            if event["type"] == "text":
                received += 1
                with contextlib.suppress(ValueError):  # the opening and closing chunks carry no stamp
                    latencies.append(now - float(event["content"]))
            elif (event["type"] == "status" and event["status"] == "complete") or event["type"] == "error":
                break
        counts.append(received)


async def drive(url: str, clients: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    counts: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*(one_client(url, latencies, counts) for _ in range(clients)))
    return latencies, sum(counts), time.perf_counter() - start


def start_server(kind: str, chunks: int, rate: float) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.stream_overhead", "--serve", kind, "--port", str(port),
                             "--chunks", str(chunks), "--rate", str(rate), "--bare-loop", BARE_LOOP[0]])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"ws://127.0.0.1:{port}/ws"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


def measure(kind: str, clients: int, chunks: int, rate: float, rounds: int = 1) -> list[tuple[list[float], int, float]]:
    """`rounds` measured runs against one server, after a warm-up run that is not counted."""
    proc, url = start_server(kind, chunks, rate)
    try:
        asyncio.run(drive(url, min(clients, 20)))  # first-use costs (imports, caches) are not streaming
        return [asyncio.run(drive(url, clients)) for _ in range(rounds)]
    finally:
        proc.terminate()
        proc.wait(10)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] * 1000 if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", choices=["calledit", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--chunks", type=int, default=100, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients for the latency run")
    parser.add_argument("--rate", type=float, default=20.0, help="chunks per second per client (latency run)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each latency run")
    parser.add_argument("--capacity-clients", type=int, default=20, help="clients for the capacity run")
    parser.add_argument("--capacity-chunks", type=int, default=1500, help="chunks per client, capacity run")
    parser.add_argument("--bare-loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the bare server's event loop (default asyncio, as `asyncio.run` gives it)")
    parser.add_argument("--rounds", type=int, default=5, help="measured capacity rounds per server (median)")
    args = parser.parse_args()
    if args.serve == "calledit":
        return serve_calledit(args.port, args.chunks, args.rate)
    if args.serve == "bare":
        return serve_bare(args.port, args.chunks, args.rate, args.bare_loop)
    BARE_LOOP[0] = args.bare_loop

    chunks = int(args.rate * args.seconds)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; bare server on {args.bare_loop}, "
          "CalledIt on uvicorn's loop (uvloop)")
    print(f"(a) latency: {args.clients} clients x {chunks} chunks at {args.rate:g}/s")
    base: dict[str, float] = {}
    for kind in ("bare", "calledit"):
        [(lat, events, _)] = measure(kind, args.clients, chunks, args.rate)
        base[kind + "50"], base[kind + "99"] = pct(lat, 50), pct(lat, 99)
        print(f"  {kind:9s} events={events:6d}  emit->receive p50={pct(lat, 50):6.2f} ms  p99={pct(lat, 99):6.2f} ms")
    print(f"  added by CalledIt: p50={base['calledit50'] - base['bare50']:+.2f} ms  "
          f"p99={base['calledit99'] - base['bare99']:+.2f} ms  (absolute CalledIt p99 {base['calledit99']:.2f} ms; "
          "target: p99 added < 5 ms)")
    print(f"(b) capacity: {args.capacity_clients} clients x {args.capacity_chunks} chunks, no model delay, "
          f"median of {args.rounds} rounds after a warm-up")
    rates = {}
    for kind in ("bare", "calledit"):
        runs = measure(kind, args.capacity_clients, args.capacity_chunks, 0.0, args.rounds)
        per_round = [events / elapsed for _, events, elapsed in runs]
        rates[kind] = statistics.median(per_round)
        print(f"  {kind:9s} {runs[0][1]} text events per round: median {rates[kind]:,.0f} events/s  "
              f"(rounds: {', '.join(f'{rate:,.0f}' for rate in per_round)})")
    print(f"  ratio CalledIt/bare = {rates['calledit'] / rates['bare']:.2f} (target >= 0.5)")

if __name__ == "__main__":
    main()
