"""The scheduler inside the real server, under hostile calls: one user's poison calls cannot hold back
another user's, and a heavy check never stalls the event loop (measured by /healthz, generous bounds)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from calledit.config import Settings
from calledit.domain.call import CallStatus
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server
from tests.unit.scheduler.fakes import new_call

# Each aborted the whole scheduler pass and kept its lease, so it was claimed again first, forever.
POISON = [
    "(9**330)**1 is 5",  # OverflowError in the arithmetic tool
    "There are 52 Mondays in 0000",  # ValueError in the calendar findings
    "(1/10**300)**1000 is 5",  # ValueError: a 300,000-digit int turned into text
    "(10**399+1)/2 is 5",  # OverflowError formatting the result
    "1+1 is " + "1" * 300,  # NotArithmetic for the claimed number, outside any handler
    "There are 52 Mondays in 0000 and (9**330)**1 is 5",
]


def immediate(statement: str, due: datetime, **extra: Any) -> Any:
    return new_call(statement, "immediate", due, verifiable_category="agent_verifiable", **extra)


async def healthz_stalls(server: LiveServer, until: Any, seconds: float) -> float:
    """The slowest /healthz answer while `until()` is false (at most `seconds`)."""
    slowest = 0.0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as client:
        while not until() and time.monotonic() < deadline:
            start = time.monotonic()
            assert (await client.get("/healthz")).status_code == 200
            slowest = max(slowest, time.monotonic() - start)
            await asyncio.sleep(0.02)
    return slowest


async def test_poison_calls_cannot_hold_another_users_calls_back(
    settings: Settings, scripted_provider: Provider
) -> None:
    # 10 such calls held another user's 3 calls pending for 45 s: each pass claimed one, crashed, and the
    # expired leases put them first in line again
    live = settings.model_copy(update={"scheduler": True, "verify_poll_seconds": 0.5, "verify_lease_seconds": 5})
    app = create_app(live, provider=scripted_provider)
    with run_server(app) as server:
        store = app.state.calledit.store
        early = datetime.now(UTC) - timedelta(hours=1)
        poison = [store.add("mallory", immediate(POISON[n % len(POISON)], early + timedelta(seconds=n))).id
                  for n in range(12)]
        mine = [store.add("alice", immediate(text, datetime.now(UTC))).id
                for text in ("2 + 2 is 4", "17 times 23 is 391", "2026-03-01 is a Sunday")]

        def alices_done() -> bool:
            return all(store.get("alice", call_id).status is CallStatus.VERIFIED for call_id in mine)

        start = time.monotonic()
        await healthz_stalls(server, alices_done, seconds=20)
        took = time.monotonic() - start
        assert alices_done(), "alice's calls are still pending behind mallory's"
        assert took < 5  # promptly: under a second here; before, never within one lease

        def mallorys_done() -> bool:  # her calls took turns with alice's: some may still be in line
            return all(store.get("mallory", call_id).verdict is not None for call_id in poison)

        await healthz_stalls(server, mallorys_done, seconds=20)
        for call_id in poison:  # each poison call got an outcome of its own and let go of its lease
            call = store.get("mallory", call_id)
            assert call is not None and call.verdict is not None, call.prediction_statement if call else call_id
            schedule = store.schedule("mallory", call_id)
            assert schedule is not None and schedule.lease_worker is None
        refuted = store.get("mallory", poison[0])
        assert refuted is not None and refuted.verdict is not None
        assert refuted.verdict.verdict.value == "refuted"  # settled exactly: (9**330)**1 is not 5


async def test_a_heavy_check_does_not_stall_the_event_loop(settings: Settings, scripted_provider: Provider) -> None:
    # a statement of "1 " * 2000 froze /healthz for 5.9 s: the pre-pass ran on the event loop
    live = settings.model_copy(update={"scheduler": True, "verify_poll_seconds": 0.05})
    app = create_app(live, provider=scripted_provider)
    with run_server(app) as server:
        store = app.state.calledit.store
        now = datetime.now(UTC)
        heavy = [store.add("alice", immediate((text * 2000)[:4000], now, raw_prompt=(text * 1000)[:2000])).id
                 for text in ("1 ", "(1", "2+", "9 ", "1 is 1")]

        def checked() -> bool:
            return all(store.get("alice", call_id).verdict is not None for call_id in heavy)

        slowest = await healthz_stalls(server, checked, seconds=60)
        assert checked()
        assert slowest < 1.0  # generous: tens of milliseconds here
