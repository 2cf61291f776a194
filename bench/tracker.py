"""My Calls at 10,000 calls: list, filter and search pages through the real server.

A SQLite database is filled with `--calls` calls of one user (three years of them: tags, statuses and
verdicts, forecasts, words to search), written through the store's own import path so its triggers build
the search index as in use. `calledit`'s app then serves it from its own process (uvicorn, the scheduler
off), and one client asks each kind of page `--requests` times: newest first, a deep page reached by
cursor, due soonest, by tag, by outcome, searches that match many calls and few, the filters together, and
a 100-call page. Reported per kind: p50, p95 and max wall time per page, as the client sees it.

Usage: python -m bench.tracker [--calls 10000] [--requests 200] [--keep DIR]
Target (issue 15): p95 < 50 ms per page. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from calledit.domain.call import Call, CallStatus, Forecast, Verdict, VerdictOutcome
from calledit.storage.sqlite import SqliteCallStore

TARGET_MS = 50.0
SUBJECTS = ["Bitcoin", "The Celtics", "Inflation", "It", "The Fed", "Apple", "My team", "The novel", "Tesla",
            "The election", "GPT-6", "The Lakers", "Rent", "The launch", "Zürich"]
VERBS = ["hits a record", "wins tonight", "falls below 3%", "rains", "cuts rates", "ships on time", "snows",
         "beats the forecast", "doubles", "is delayed", "sells out", "goes up"]
WHEN = ["tomorrow", "by Friday", "before the end of the year", "next week", "in March", "on Sunday"]
TAGS = ["work", "sports", "crypto", "weather", "politics", "ai", "personal", "markets", "health", "travel"]
CATEGORIES = ["agent_verifiable", "current_tool_verifiable", "strands_tool_verifiable", "api_tool_verifiable",
              "human_verifiable_only"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill(path: Path, count: int, owner: str = "local", seed: int = 15) -> float:
    """`count` calls of `owner` in the database at `path`; returns the seconds it took."""
    rng = random.Random(seed)
    store = SqliteCallStore(path)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    for n in range(count):
        created = now - timedelta(days=3 * 365) * (1 - n / count) - timedelta(seconds=rng.randint(0, 3600))
        due = created + timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23))
        statement = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(WHEN)} (#{n})."
        chance = round(rng.random(), 2)
        forecasts = [Forecast(probability=chance, at=created)]
        if rng.random() < 0.3:
            forecasts.append(Forecast(probability=round(rng.random(), 2), at=created + timedelta(days=1)))
        status, verdict = CallStatus.PENDING, None
        if due < now:
            roll = rng.random()
            if roll < 0.8:
                outcome = VerdictOutcome.CONFIRMED if rng.random() < 0.5 else VerdictOutcome.REFUTED
                status = CallStatus.VERIFIED
                verdict = Verdict(verdict=outcome, confidence=0.9, reasoning="seen", verified_at=due)
            elif roll < 0.85:
                status = CallStatus.VOID
        call = Call(
            id=uuid.uuid4().hex, raw_prompt=statement.lower(), prediction_statement=statement,
            verification_date=due, date_reasoning="d", verification_mode="at_date",
            verifiable_category=rng.choice(CATEGORIES), category_reasoning="c", verifiability_score=0.6,
            verification_method={"source": ["a source"], "criteria": ["it happens"], "steps": ["look it up"]},
            timezone="Europe/Paris", model="bench", confidence=forecasts[-1].probability, forecasts=forecasts,
            tags=rng.sample(TAGS, rng.randint(0, 3)), status=status, verdict=verdict, created_at=created,
            updated_at=created,
        )
        open_call = status is CallStatus.PENDING
        store.import_call(owner, call, [], f"bench:{n}", due if open_call and rng.random() < 0.7 else None)
    store.close()
    return time.perf_counter() - started


def serve(path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CALLEDIT_DB": str(path), "CALLEDIT_MODEL": "scripted", "CALLEDIT_SCHEDULER": "false",
           "CALLEDIT_DATA_DIR": str(path.parent / "data"), "CALLEDIT_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "calledit.server.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start in time")


def measure(client: httpx.Client, requests: int, params: Callable[[], dict[str, Any]]) -> tuple[list[float], int]:
    """Wall times (ms) of `requests` pages, after two warm-up requests; and the size of the last page."""
    for _ in range(2):
        client.get("/api/calls", params=params())
    times, items = [], 0
    for _ in range(requests):
        query = params()
        started = time.perf_counter()
        response = client.get("/api/calls", params=query)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        items = len(response.json()["items"])
    return times, items


def deep_cursor(client: httpx.Client, pages: int) -> str | None:
    """The cursor `pages` pages of 20 in (or the deepest there is)."""
    cursor: str | None = None
    for _ in range(pages):
        page = client.get("/api/calls", params={"limit": 20, **({"cursor": cursor} if cursor else {})}).json()
        if not page.get("next_cursor"):
            break
        cursor = str(page["next_cursor"])
    return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="pages asked per kind")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database in this directory")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="calledit-bench-tracker-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "calls.db"
    if not path.exists():
        seconds = fill(path, args.calls)
        print(f"filled {args.calls} calls in {seconds:.1f} s ({path}, {path.stat().st_size / 1e6:.1f} MB)")
    port = _free_port()
    process = serve(path, port)
    rng = random.Random(1)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            wait_ready(client, process)
            pages = max(1, min(250, args.calls // 40))  # halfway: page 251 of 10,000 calls
            deep = deep_cursor(client, pages)
            kinds: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                ("newest, first page", lambda: {"limit": 20}),
                (f"newest, page {pages + 1} (cursor)", lambda: {"limit": 20, **({"cursor": deep} if deep else {})}),
                ("due soonest", lambda: {"limit": 20, "sort": "due"}),
                ("one tag", lambda: {"limit": 20, "tag": rng.choice(TAGS)}),
                ("two tags", lambda: {"limit": 20, "tag": rng.sample(TAGS, 2)}),
                ("outcome: waiting for you", lambda: {"limit": 20, "status": "waiting_for_you"}),
                ("outcome: called it", lambda: {"limit": 20, "status": "called_it"}),
                ("search, many matches", lambda: {"limit": 20, "q": rng.choice(["bitcoin", "rains", "tonight"])}),
                ("search, one match", lambda: {"limit": 20, "q": f"{rng.randrange(args.calls)}"}),
                ("search + tag + due", lambda: {"limit": 20, "q": "the", "tag": rng.choice(TAGS), "sort": "due"}),
                ("due window + category", lambda: {
                    "limit": 20, "sort": "due", "category": "api_tool_verifiable",
                    "due_after": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
                    "due_before": (datetime.now(UTC) + timedelta(days=30)).isoformat()}),
                ("newest, 100 per page", lambda: {"limit": 100}),
            ]
            print(f"\n{args.requests} pages per kind, {args.calls} calls, one client on loopback (ms per page)")
            print(f"{'kind':<28} {'items':>5} {'p50':>7} {'p95':>7} {'max':>7}  target p95 < {TARGET_MS:.0f}")
            worst = 0.0
            for name, params in kinds:
                times, items = measure(client, args.requests, params)
                p95 = statistics.quantiles(times, n=20)[18]
                worst = max(worst, p95)
                verdict = "ok" if p95 < TARGET_MS else "OVER"
                median = statistics.median(times)
                print(f"{name:<28} {items:>5} {median:>7.1f} {p95:>7.1f} {max(times):>7.1f}  {verdict}")
            within = "within" if worst < TARGET_MS else "over"
            print(f"\nworst p95: {worst:.1f} ms ({within} the {TARGET_MS:.0f} ms target)")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
