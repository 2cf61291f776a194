"""Idle and slow clients cannot hold connections: through the real server (the options `calledit serve`
uses), sockets that send nothing, headers sent a byte at a time, and keep-alive connections left idle are
all closed within a bound, while a WebSocket may stay quiet as long as it likes.

Before: no header timeout at all (uvicorn's keep-alive timer stops at the first byte): 50 idle and 50
slow-header connections were still open after 72 s."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server

HEADER_TIMEOUT = 0.5
KEEP_ALIVE = 1
BOUND = 3.0  # closed well within this, with two cores shared; the old server never closed them
AT_ONCE = 20
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    short = settings.model_copy(update={"header_timeout_seconds": HEADER_TIMEOUT, "keep_alive_seconds": KEEP_ALIVE})
    with run_server(create_app(short, provider=scripted_provider)) as live:
        yield live


async def closed_after(reader: asyncio.StreamReader, trickle: asyncio.StreamWriter | None = None) -> float:
    """Seconds until the server closes the connection; with `trickle`, send a header byte every 0.1 s."""
    started = time.monotonic()
    sent = 0
    while True:
        if trickle is not None:
            header = b"X-Slow: " + b"a" * 10_000
            trickle.write(header[sent : sent + 1])
            sent += 1
        try:
            data = await asyncio.wait_for(reader.read(65536), 0.1)
        except TimeoutError:
            if time.monotonic() - started > BOUND:
                return float("inf")
            continue
        except ConnectionResetError:
            return time.monotonic() - started
        if not data:
            return time.monotonic() - started


async def idle(port: int) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await closed_after(reader)
    finally:
        writer.close()


async def slow_headers(port: int) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        return await closed_after(reader, trickle=writer)
    finally:
        writer.close()


async def slow_second_request(port: int) -> tuple[bytes, float]:
    """A full request and its answer, then the next request's headers a byte at a time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(REQUEST)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.lower().startswith(b"content-length")))
    await reader.readexactly(length)
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    try:
        return head.split(b"\r\n")[0], await closed_after(reader, trickle=writer)
    finally:
        writer.close()


def test_idle_and_slow_header_connections_are_closed(server: LiveServer) -> None:
    async def crowd() -> list[float]:
        return await asyncio.gather(*(idle(server.port) for _ in range(AT_ONCE)),
                                    *(slow_headers(server.port) for _ in range(AT_ONCE)))

    waits = asyncio.run(crowd())
    assert all(HEADER_TIMEOUT * 0.8 <= wait < BOUND for wait in waits), sorted(waits)


def test_a_slow_second_request_on_a_kept_alive_connection_is_closed(server: LiveServer) -> None:
    status, wait = asyncio.run(slow_second_request(server.port))
    assert status == b"HTTP/1.1 200 OK"
    assert wait < BOUND


def test_an_idle_keep_alive_connection_is_closed(server: LiveServer) -> None:
    async def idle_after_a_request() -> float:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(REQUEST)
        await reader.readuntil(b"\r\n\r\n")
        try:
            return await closed_after(reader)
        finally:
            writer.close()

    assert asyncio.run(idle_after_a_request()) < BOUND


def test_a_quiet_websocket_is_not_a_slow_client(server: LiveServer) -> None:
    async def quiet() -> dict[str, str]:
        async with connect(server.ws) as ws:
            await asyncio.sleep(HEADER_TIMEOUT + KEEP_ALIVE + 0.5)  # past both deadlines
            await ws.send(json.dumps({"action": "ping"}))
            answer: dict[str, str] = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return answer

    assert asyncio.run(quiet()) == {"type": "pong"}
