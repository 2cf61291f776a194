"""Load on loopback: many concurrent, authenticated makecall streams against the real app.

The server runs in its own process (create_app with CALLEDIT_AUTH=local, the scripted model streaming at
--rate chunks/s each, CALLEDIT_MODEL_CONCURRENCY high, uvicorn's sans-I/O websockets as `calledit serve`
uses). Users and their sessions are written straight into the account store and each stream signs in
with a real access token (checked on every upgrade, session lookup included): sign-up would spend the
whole run on argon2, which is slow on purpose.

Each round opens --streams WebSocket connections (one user each), then every connection sends makecall
at once and reads its run to the end. Event latency is measured per text event: the client's receive
time minus the moment the scripted model emitted that chunk (stamped inside the server process, read
back over a bench-only route). Server memory (RSS) is read from /proc after a warm-up round and after
every round, with all connections closed.

Usage: python -m bench.load [--streams 500] [--rate 10] [--rounds 3] [--warmup 50] [--json]
Targets (issue 6): errors 0; memory flat across rounds. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROMPT = "bench-{round}-{index}: Bitcoin trades above $100k before the end of 2026"
_STREAM_ID = re.compile(r"bench-(\d+)-(\d+)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server process -------------------------------------------------------------------------------


def serve(port: int, data_dir: Path, secret: str, rate: float, trace: bool) -> None:
    import tracemalloc

    import uvicorn
    from fastapi import FastAPI

    from calledit.config import Settings
    from calledit.providers.base import Provider
    from calledit.providers.scripted import ScriptedModel, _last_user_text
    from calledit.server import create_app
    from calledit.server.uvicorn_protocols import websocket_options

    emitted: dict[str, list[float]] = {}

    class StampedScripted(ScriptedModel):  # type: ignore[misc]
        """The scripted model, noting when it emits each chunk of each stream."""

        async def stream(self, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterable[dict[str, Any]]:
            found = _STREAM_ID.search(_last_user_text(messages))
            stamps = emitted.setdefault(found.group(0) if found else "?", [])
            async for event in super().stream(messages, *args, **kwargs):
                if "contentBlockDelta" in event:
                    stamps.append(time.time())
                yield event

    settings = Settings(
        model="scripted", db=str(data_dir / "calls.db"), data_dir=data_dir, auth="local", jwt_secret=secret,
        model_concurrency=100_000, scripted_rate=rate, log_level="warning",
        # Every stream comes from 127.0.0.1: per-IP buckets sized for that; per-user limits stay as shipped.
        makecall_per_minute_ip=1e9, writes_per_minute_ip=1e9, auth_per_minute_ip=1e9,
    )
    model = StampedScripted(rate=rate)
    provider = Provider(name="scripted (bench)", model=model, concurrency=100_000)
    app: FastAPI = create_app(settings, provider=provider)

    async def emits() -> dict[str, list[float]]:
        return emitted

    async def forget() -> dict[str, int]:
        emitted.clear()
        model.requests.clear()  # the test double keeps every prompt it was asked: not the server's memory
        return {"ok": 1}

    snapshots: list[Any] = []

    async def allocations() -> list[str]:
        """With --trace: where Python memory grew since the last call (top 12 lines by size)."""
        import gc
        import tracemalloc

        if not tracemalloc.is_tracing():
            return []
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        grown = [] if not snapshots else [str(d) for d in snapshot.compare_to(snapshots[-1], "lineno")[:12]]
        snapshots[:] = [snapshot]
        return grown

    app.router.add_api_route("/bench/emits", emits, methods=["GET"])
    app.router.add_api_route("/bench/emits", forget, methods=["DELETE"])
    app.router.add_api_route("/bench/allocations", allocations, methods=["GET"])
    for _ in range(3):  # both bench routes ahead of the static UI mount
        app.router.routes.insert(0, app.router.routes.pop())
    if trace:
        tracemalloc.start(8)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096, **websocket_options())


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process, in KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def make_users(data_dir: Path, secret: str, count: int) -> list[str]:
    """`count` accounts, each signed in once: their access tokens."""
    from argon2 import PasswordHasher

    from calledit.auth.local import LocalAuth, hash_refresh
    from calledit.storage.users import SqliteUserStore

    store = SqliteUserStore(data_dir / "calls.db")
    auth = LocalAuth(store, secret.encode())
    password_hash = PasswordHasher().hash("bench-password-not-secret")
    tokens = []
    for index in range(count):
        user = store.create_user(f"bench{index:05d}", password_hash)
        session = store.start_session(user.id, hash_refresh(secrets.token_urlsafe(32)),
                                      auth._refresh_expiry())
        tokens.append(auth.issue_access(user, session))
    store.close()
    return tokens


# --- the client -------------------------------------------------------------------------------------


@dataclass
class Stream:
    key: str
    received: list[float] = field(default_factory=list)  # receive time of each text event
    first_event: float | None = None
    sent: float = 0.0
    done: float | None = None
    events: int = 0
    error: str | None = None


class Barrier:
    """Every stream connects first; all send makecall together once the last one is in (or has failed)."""

    def __init__(self, parties: int) -> None:
        self.parties, self.arrived = parties, 0
        self.all_in, self.go = asyncio.Event(), asyncio.Event()

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.parties:
            self.all_in.set()


async def one_stream(url: str, token: str, stream: Stream, barrier: Barrier) -> None:
    from websockets.asyncio.client import connect

    arrived = False
    try:
        async with connect(f"{url}?token={token}", max_size=2**20, open_timeout=120, ping_interval=None) as ws:
            barrier.arrive()
            arrived = True
            await barrier.go.wait()
            stream.sent = time.time()
            await ws.send(json.dumps({"action": "makecall", "prompt": PROMPT.format(
                round=stream.key.split("-")[1], index=stream.key.split("-")[2]), "timezone": "UTC"}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 120))
                now = time.time()
                stream.events += 1
                if stream.first_event is None:
                    stream.first_event = now
                if event["type"] == "text":
                    stream.received.append(now)
                elif event["type"] == "error":
                    stream.error = f"{event['code']}: {event['message']}"
                    break
                elif event["type"] == "status" and event["status"] == "complete":
                    stream.done = now
                    break
    except Exception as exc:
        stream.error = f"{type(exc).__name__}: {exc}"
    finally:
        if not arrived:
            barrier.arrive()


async def run_round(base: str, tokens: list[str], round_number: int) -> tuple[list[Stream], float]:
    import httpx

    url = base.replace("http://", "ws://") + "/ws"
    streams = [Stream(key=f"bench-{round_number}-{index}") for index in range(len(tokens))]
    barrier = Barrier(len(tokens))
    tasks = [asyncio.create_task(one_stream(url, token, stream, barrier))
             for token, stream in zip(tokens, streams, strict=True)]
    await barrier.all_in.wait()
    began = time.time()
    barrier.go.set()
    await asyncio.gather(*tasks)
    elapsed = time.time() - began
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        emitted: dict[str, list[float]] = (await client.get("/bench/emits")).json()
        await client.delete("/bench/emits")
    for stream in streams:
        stamps = emitted.get(stream.key, [])
        stream.received = [r - e for r, e in zip(stream.received, stamps, strict=False)]  # now: latencies
    return streams, elapsed


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str, list[str]]:
    """The server process, its URL, and an access token per user."""
    import httpx

    data_dir = Path(tempfile.mkdtemp(prefix="calledit-load-"))
    secret = secrets.token_hex(32)
    port = _free_port()
    tokens = make_users(data_dir, secret, max(args.streams, args.warmup))
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "--serve", "--port", str(port), "--data-dir", str(data_dir),
         "--rate", str(args.rate), *(["--trace"] if args.trace else [])],
        env={**os.environ, "CALLEDIT_JWT_SECRET": secret},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        time.sleep(0.1)
    return server, base, tokens


async def drive(args: argparse.Namespace, server: subprocess.Popen[bytes], base: str,
                tokens: list[str]) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await run_round(base, tokens[: args.warmup], 0)
        await asyncio.sleep(1)
        memory = [rss_kib(server.pid)[0]]
        growth: list[list[str]] = [(await client.get("/bench/allocations")).json()]
        rounds = []
        for number in range(1, args.rounds + 1):
            streams, elapsed = await run_round(base, tokens[: args.streams], number)
            await asyncio.sleep(1)  # let closed connections be collected
            memory.append(rss_kib(server.pid)[0])
            growth.append((await client.get("/bench/allocations")).json())
            latencies = [lat for s in streams for lat in s.received]
            first = [s.first_event - s.sent for s in streams if s.first_event]
            total = [s.done - s.sent for s in streams if s.done]
            errors = [s.error for s in streams if s.error]
            metrics = (await client.get("/metrics")).text
            rounds.append({
                "round": number,
                "streams": len(streams),
                "completed": len(total),
                "errors": len(errors),
                "error_samples": sorted(set(errors))[:5],
                "events": sum(s.events for s in streams),
                "events_per_s": round(sum(s.events for s in streams) / elapsed),
                "event_latency_ms": {"p50": round(pct(latencies, 0.5) * 1000, 1),
                                     "p99": round(pct(latencies, 0.99) * 1000, 1),
                                     "max": round(max(latencies, default=float("nan")) * 1000, 1),
                                     "samples": len(latencies)},
                "first_event_ms": {"p50": round(pct(first, 0.5) * 1000, 1), "p99": round(pct(first, 0.99) * 1000, 1)},
                "run_s": {"p50": round(pct(total, 0.5), 2), "p99": round(pct(total, 0.99), 2),
                          "mean": round(statistics.fmean(total), 2) if total else None},
                "server_rss_mib_after": round(memory[-1] / 1024, 1),
                "open_connections_after": _metric(metrics, "calledit_ws_connections"),
                "active_streams_after": _metric(metrics, "calledit_active_streams"),
            })
        peak = rss_kib(server.pid)[1]
    return {
        "python_heap_growth": growth[1:] if args.trace else None,
        "streams": args.streams, "rate_chunks_per_s": args.rate, "rounds": rounds, "cpus": os.cpu_count(),
        "memory_mib": {"after_warmup": round(memory[0] / 1024, 1),
                       "after_rounds": [round(m / 1024, 1) for m in memory[1:]],
                       "peak": round(peak / 1024, 1),
                       "growth_first_to_last_round": round((memory[-1] - memory[1]) / 1024, 1)},
    }


def _metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0, help="scripted model chunks per second per stream")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the server: print where memory grew")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.data_dir, os.environ["CALLEDIT_JWT_SECRET"], args.rate, args.trace)
        return
    server, base, tokens = start_server(args)
    try:
        report = asyncio.run(drive(args, server, base, tokens))
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['streams']} concurrent authenticated streams, scripted model at {report['rate_chunks_per_s']} "
          f"chunks/s each, {report['cpus']} CPUs, client and server on one machine")
    for r in report["rounds"]:
        lat = r["event_latency_ms"]
        print(f"round {r['round']}: completed {r['completed']}/{r['streams']}, errors {r['errors']}, "
              f"{r['events']} events ({r['events_per_s']}/s), event latency p50 {lat['p50']} ms p99 {lat['p99']} ms "
              f"max {lat['max']} ms, first event p99 {r['first_event_ms']['p99']} ms, run p50 {r['run_s']['p50']} s, "
              f"RSS after {r['server_rss_mib_after']} MiB, open connections after {r['open_connections_after']}")
        for sample in r["error_samples"]:
            print(f"  error: {sample}")
    m = report["memory_mib"]
    print(f"server memory: {m['after_warmup']} MiB after warm-up, {m['after_rounds']} MiB after each round, "
          f"peak {m['peak']} MiB, growth first->last round {m['growth_first_to_last_round']} MiB")


if __name__ == "__main__":
    main()
