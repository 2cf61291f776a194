"""Hostile input never makes a 500, and every error answer is JSON {code, message} with the security
headers: forged cursors, dates at the edge of the calendar, framework errors (404, 405, bad JSON), a bug
in a route (500 with a request id, no traceback), and deeply nested WebSocket frames (the socket stays
open). Through a real server on loopback."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.domain.call import CallPage
from calledit.domain.outcomes import CallViewPage
from calledit.domain.queries import CallQuery
from calledit.providers.base import Provider
from calledit.providers.scripted import plausible_call
from calledit.server import create_app
from calledit.server.limits import Limits
from calledit.storage.sqlite import SqliteCallStore
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import next_event

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy", "x-request-id")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def content(**extra: Any) -> dict[str, Any]:
    prompt = "It rains in Paris tomorrow"
    return {**plausible_call(prompt, NOW), "raw_prompt": prompt, "timezone": "Europe/Paris",
            "model": "scripted (test double)", **extra}


def assert_error_body(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["message"], body
    assert "detail" not in body
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    return body


def raw_get(server: LiveServer, target: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 GET with the request target exactly as given (no client-side encoding)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize(
    "cursor",
    [
        b64(b"[" * 3000),  # RecursionError in json.loads
        b64(b'["\\ud800", "x"]'),  # a lone surrogate: UnicodeEncodeError in the SQLite driver
        b64(b'["2026-01-01T00:00:00.000000+00:00", "\\udfff"]'),
        b64(b'[["2026-01-01T00:00:00.000000+00:00"], "x"]'),
        b64(b'["not a time", "x"]'),
        b64(b'{"a": 1}'),
        "A" * 10_000,
    ],
)
def test_a_forged_cursor_is_a_400(live_server: LiveServer, cursor: str) -> None:
    response = httpx.get(f"{live_server.http}/api/calls", params={"cursor": cursor})
    assert "cursor" in assert_error_body(response, 400, "bad_request")["message"]


@pytest.mark.parametrize("target", [b"/api/calls?cursor=%ED%A0%80", b"/api/calls?cursor=%FF%FE",
                                    b"/api/calls?cursor=%C3%A9"])
def test_a_cursor_that_is_not_text_is_a_400(live_server: LiveServer, target: bytes) -> None:
    status, body = raw_get(live_server, target)
    assert status == 400 and json.loads(body)["code"] == "bad_request"


def test_a_real_cursor_still_pages(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.http) as client:
        for _ in range(3):
            assert client.post("/api/calls", json=content()).status_code == 201
        first = client.get("/api/calls", params={"limit": 2}).json()
        second = client.get("/api/calls", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None


@pytest.mark.parametrize(
    ("date", "mode"),
    [
        ("0001-01-01T00:00:00+14:00", "at_date"),  # 0000-12-31 in UTC: OverflowError
        ("9999-12-31T23:59:59-14:00", "at_date"),  # 10000-01-01 in UTC
        ("0001-01-01T00:00:00+14:00", "immediate"),
        ("9999-12-31T23:59:59-14:00", "before_date"),
        ("9999-12-31T00:00:00+00:00", "recurring"),
        ("0001-01-01T00:00:00+00:00", "recurring"),
    ],
)
def test_a_verification_date_at_the_calendars_edge_is_a_422(live_server: LiveServer, date: str, mode: str) -> None:
    call = content(verification_date=date, verification_mode=mode,
                   recurring_interval="daily" if mode == "recurring" else None)
    with httpx.Client(base_url=live_server.http) as client:
        response = client.post("/api/calls", json=call)
        body = assert_error_body(response, 422, "bad_request")
        assert "verification_date" in body["message"] and "1000-01-01" in body["message"]
        assert client.get("/api/calls").json()["items"] == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/no/such/page", None, 404, "not_found"),
        ("GET", "/api/nothing-here", None, 404, "not_found"),
        ("DELETE", "/healthz", None, 405, "method_not_allowed"),
        ("POST", "/api/calls", b"{not json", 422, "bad_request"),
        ("POST", "/api/calls", b"[" * 5000, 400, "bad_request"),
        ("POST", "/api/calls", b'{"raw_prompt": "\\ud800"}', 422, "bad_request"),
        ("GET", "/api/calls?limit=0", None, 422, "bad_request"),
    ],
)
def test_framework_errors_answer_code_and_message(
    live_server: LiveServer, method: str, path: str, body: bytes | None, status: int, code: str
) -> None:
    response = httpx.request(method, f"{live_server.http}{path}", content=body,
                             headers={"content-type": "application/json"} if body else {})
    assert_error_body(response, status, code)


class BrokenStore(SqliteCallStore):
    """A real store with a bug in `list` and `find` (what GET /api/calls reads), to see what a 500 looks like."""

    def list(self, owner: str, limit: int = 20, cursor: str | None = None) -> CallPage:
        raise RuntimeError("secret internals /srv/calledit/storage.py line 42")

    def find(self, owner: str, query: CallQuery, now: datetime) -> CallViewPage:
        raise RuntimeError("secret internals /srv/calledit/storage.py line 42")


@pytest.fixture
def broken_server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    app = create_app(settings, provider=scripted_provider, store=BrokenStore(settings.sqlite_path()))
    with run_server(app) as live:
        yield live


def test_a_bug_is_a_json_500_with_a_request_id_and_no_traceback(
    broken_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = httpx.get(f"{broken_server.http}/api/calls", headers={"X-Request-ID": "req-500-test"})
    body = assert_error_body(response, 500, "internal")
    assert body["request_id"] == "req-500-test" == response.headers["x-request-id"]
    assert "req-500-test" in body["message"]
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.headers["cache-control"] == "no-store"
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and logged[0].exc_info is not None  # once, for the operator, with the traceback
    assert "req-500-test" in logged[0].getMessage()
    assert httpx.get(f"{broken_server.http}/healthz").status_code == 200


async def test_a_deeply_nested_frame_is_a_bad_request_and_the_socket_stays_open(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with connect(live_server.ws) as ws:
        for frame in ["[" * 1000, "[" * 1000 + "]" * 1000, '{"action": ' * 500,
                      '{"action": "makecall", "prompt": "\\ud800 rain", "timezone": "UTC"}']:
            await ws.send(frame)
            event = await next_event(ws)
            assert event["type"] == "error" and event["code"] == "bad_request", event
        await ws.send(json.dumps({"action": "ping"}))
        assert await next_event(ws) == {"type": "pong"}
    await asyncio.sleep(0.05)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []


class BrokenLimits(Limits):
    """Real limits with a bug in one check, to see what a frame that fails unexpectedly does."""

    def start_stream(self, user: str) -> None:
        raise RuntimeError("secret internals")


async def test_a_bug_answering_a_frame_is_internal_and_the_socket_stays_open(
    settings: Settings, scripted_provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, provider=scripted_provider, limits=BrokenLimits.from_settings(settings))
    with run_server(app) as server:
        async with connect(server.ws) as ws:
            await ws.send(json.dumps({"action": "makecall", "prompt": "Rain tomorrow", "timezone": "UTC"}))
            event = await next_event(ws)
            assert event["type"] == "error" and event["code"] == "internal" and "secret" not in event["message"]
            await ws.send(json.dumps({"action": "ping"}))
            assert await next_event(ws) == {"type": "pong"}
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and logged[0].exc_info is not None
