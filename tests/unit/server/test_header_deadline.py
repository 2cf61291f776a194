"""The header deadline: only connections still waiting for a request's headers are closed; a request
being served, however long it takes, is not. A tiny ASGI app on a real uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from calledit.config import Settings
from calledit.server.uvicorn_protocols import HeaderDeadlineProtocol, http_protocol, server_options
from tests.fixtures.server import free_port

DEADLINE = 0.3


async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await asyncio.sleep(float(scope["query_string"].decode() or 0))  # longer than the deadline, on request
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def port() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(slow_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            http=http_protocol(DEADLINE), timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def ask(sock: socket.socket, delay: float) -> bytes:
    sock.sendall(f"GET /?{delay} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    answer = b""
    while not answer.endswith(b"ok"):
        chunk = sock.recv(4096)
        assert chunk, "closed before the answer"
        answer += chunk
    return answer


def test_a_request_served_longer_than_the_deadline_is_not_cut(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        assert ask(sock, DEADLINE * 3).startswith(b"HTTP/1.1 200")
        assert ask(sock, 0).startswith(b"HTTP/1.1 200")  # kept alive, the deadline armed afresh


def test_the_deadline_runs_again_after_each_response(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        ask(sock, 0)
        started = time.monotonic()
        assert sock.recv(1) == b""  # keep-alive is 30 s here: it is the header deadline that closes it
        assert DEADLINE * 0.8 <= time.monotonic() - started < DEADLINE + 2


def test_server_options_carry_the_settings() -> None:
    options = server_options(Settings(header_timeout_seconds=2.5, keep_alive_seconds=7))
    assert issubclass(options["http"], HeaderDeadlineProtocol) and options["http"].header_timeout == 2.5
    assert options["timeout_keep_alive"] == 7
    assert options["ws"] is not None and options["ws_per_message_deflate"] is False
