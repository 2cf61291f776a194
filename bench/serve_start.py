"""A fresh `calledit serve`: time until it answers, its first call against warm ones, its memory.

Starts the real server (the default local model, a new data directory, the machine's model and prompt-state
cache as `calledit serve` finds them) on a free loopback port, waits for `/healthz`, then makes calls over
the WebSocket the way the web page does: the first prediction, the others, and the first again (by then the
KV cache holds another call's words, so it is a warm call of the same size). Each call is timed from
`makecall` to `complete`, with the time to the first `call` event carrying the statement.

Usage: python -m bench.serve_start [--prediction TEXT ...] [--json]
Target (issue 14): the first call of a fresh server under 2x the same call warm. Prints figures, asserts
nothing. The first start on a machine evaluates the system prompt (~40 s on two cores) and saves it; the
figures say which start this was (`prompt_state`).
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
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

PREDICTIONS = [
    "It will rain in London tomorrow",
    "The new Zelda game will be released on 12/3",
    "I will run a half marathon this weekend",
    "Tesla stock will close above $300 on March 15, 2027",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ready(base: str, server: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            if response.status == 200:
                return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError(f"the server did not answer /healthz within {timeout:.0f} s")


async def call(url: str, prediction: str) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    async with connect(url, max_size=2**20, open_timeout=60, ping_interval=None) as ws:
        sent = time.perf_counter()
        await ws.send(json.dumps({"action": "makecall", "prompt": prediction, "timezone": "Europe/London"}))
        statement: float | None = None
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 300))
            if event["type"] == "call" and statement is None and "prediction_statement" in event["call"]:
                statement = time.perf_counter() - sent
            if event["type"] == "error":
                raise RuntimeError(f"{event['code']}: {event['message']}")
            if event["type"] == "status" and event["status"] == "complete":
                return {"prediction": prediction, "total_s": round(time.perf_counter() - sent, 2),
                        "statement_s": None if statement is None else round(statement, 2)}


async def calls_in_order(url: str, predictions: list[str]) -> list[dict[str, Any]]:
    return [await call(url, prediction) for prediction in predictions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prediction", action="append", help="predictions to call (the first is called twice)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    predictions = args.prediction or PREDICTIONS

    from calledit.config import Settings

    state_dir = Settings().cache_dir / "prompt-state"
    states_before = len(list(state_dir.glob("*.bin"))) if state_dir.is_dir() else 0
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="calledit-start-") as data_dir:
        env = {**os.environ, "CALLEDIT_DATA_DIR": data_dir, "CALLEDIT_MODEL": "local"}
        server = subprocess.Popen(
            [sys.executable, "-c", "from calledit.cli.main import app; app()", "serve", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ready_s = _ready(base, server, timeout=300)
            url = f"ws://127.0.0.1:{port}/ws"
            calls = asyncio.run(calls_in_order(url, [*predictions, predictions[0]]))
            rss = _rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    first, warm_same = calls[0], calls[-1]
    warm = calls[1:]
    summary = {
        "ready_s": round(ready_s, 2),
        "prompt_state": "loaded" if states_before else "evaluated (first start on this machine)",
        "first_call_s": first["total_s"],
        "first_statement_s": first["statement_s"],
        "same_call_warm_s": warm_same["total_s"],
        "first_over_same_warm": round(first["total_s"] / warm_same["total_s"], 2),
        "warm_median_s": round(statistics.median(c["total_s"] for c in warm), 2),
        "first_over_warm_median": round(first["total_s"] / statistics.median(c["total_s"] for c in warm), 2),
        "rss_mb": round(rss),
    }
    if args.json:
        print(json.dumps({"summary": summary, "calls": calls}, indent=2))
    else:
        for item in calls:
            print(f"{item['total_s']:6.2f}s  statement {item['statement_s']}s  {item['prediction']}")
        print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
