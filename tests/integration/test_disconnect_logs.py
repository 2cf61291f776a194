"""Clients that vanish mid-stream are routine: they leave INFO lines, never an ERROR or a traceback.

The regression: Strands' inner generators, left open when a run was closed from outside, were finalized
by the garbage collector in another context, where OpenTelemetry could not detach their spans: about half
of the abrupt disconnects logged "Failed to detach context" with a traceback at ERROR level.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until

ROUNDS, AT_ONCE = 12, 3  # 36 abrupt disconnects; before the fix, about half logged an ERROR


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    # Fast chunks, so a disconnect often lands while the server is between two sends of one run.
    provider = Provider(name="scripted (test double)", model=ScriptedModel(rate=1000), concurrency=AT_ONCE)
    with run_server(create_app(settings, provider=provider)) as live:
        yield live


@pytest.fixture
def every_record(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of every logger, uvicorn's too (its own config stops them reaching the root logger)."""
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        uvicorn_log.removeHandler(caplog.handler)


async def vanish_mid_stream(url: str, after_texts: int) -> None:
    ws: ClientConnection = await connect(url)
    await makecall(ws, "It will rain in Paris tomorrow", "Europe/Paris")
    seen = 0
    while seen < after_texts:
        event = await next_event(ws)
        seen += event["type"] == "text"
    ws.transport.abort()  # no close frame: the TCP connection just goes away


async def disconnect_many(url: str) -> None:
    for round_ in range(ROUNDS):
        await asyncio.gather(*(vanish_mid_stream(url, 1 + (round_ + i) % 4) for i in range(AT_ONCE)))


async def one_full_run(url: str) -> list[dict[str, object]]:
    async with connect(url) as ws:
        await makecall(ws, "The Celtics win tonight", "America/New_York")
        return await until(ws, finished)


def test_abrupt_disconnects_mid_stream_log_no_errors(server: LiveServer,
                                                       every_record: pytest.LogCaptureFixture) -> None:
    asyncio.run(asyncio.wait_for(disconnect_many(server.ws), 60))
    events = asyncio.run(asyncio.wait_for(one_full_run(server.ws), 30))  # and the server keeps serving
    gc.collect()  # anything left for the collector would be finalized (and log) now
    assert httpx.get(f"{server.http}/healthz", timeout=5).json()["status"] == "ok"

    assert [e["type"] for e in events][-2:] == ["complete", "status"]
    loud = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in every_record.records
            if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []
    assert not any("Failed to detach context" in r.getMessage() for r in every_record.records)
    disconnected = [r for r in every_record.records if r.getMessage().endswith("| disconnected")]
    assert len(disconnected) >= ROUNDS * AT_ONCE and all(r.levelno == logging.INFO for r in disconnected)
