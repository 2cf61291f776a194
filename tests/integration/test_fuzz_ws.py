"""Fuzz the WebSocket endpoint with hypothesis over a real socket: random bytes, random text, random
JSON, action-shaped junk, huge and binary frames, and random tokens. The server must answer each bad
frame with a protocol error (never `internal`), keep the connection open, and stay healthy."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from calledit.config import Settings
from calledit.domain.events import SERVER_EVENTS
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.auth import local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server

LIMIT = 32 * 1024
PROTOCOL_ERRORS = {"bad_request", "too_large", "rate_limited", "busy", "model_error", "cancelled"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
action_shaped = st.fixed_dictionaries(
    {"action": st.sampled_from(["makecall", "cancel", "ping", "MAKECALL", "", "delete", "verdict"]) | st.text()},
    optional={
        "prompt": st.text(max_size=2500) | st.integers() | st.none() | st.lists(st.integers(), max_size=3),
        "timezone": st.sampled_from(["UTC", "Europe/Paris", "Mars/Olympus", "../../etc/passwd", "", "x" * 80])
        | st.text(max_size=70) | st.integers(),
        "extra": json_values,
    },
)
frames = st.one_of(
    st.binary(max_size=2048),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=2048),
    json_values.map(json.dumps),
    action_shaped.map(json.dumps),
    st.integers(LIMIT + 1, 200_000).map(lambda n: "x" * n),
    st.integers(LIMIT + 1, 200_000).map(lambda n: json.dumps({"action": "makecall", "prompt": "a" * n})),
    st.integers(LIMIT + 1, 100_000).map(lambda n: b"\x00" * n),
)


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    # Generous makecall buckets: the fuzzer sends many valid runs; rate_limited answers would still pass.
    roomy = settings.model_copy(update={"makecall_per_minute": 10_000, "makecall_per_minute_ip": 10_000})
    with run_server(create_app(roomy, provider=scripted_provider)) as running:
        yield running


def answer(ws: ClientConnection) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(ws.recv(timeout=10))
    SERVER_EVENTS.validate_python(event)  # every answer is a well-formed protocol event
    return event


def drain_run(ws: ClientConnection, first: dict[str, Any]) -> None:
    """A frame that happened to be a valid makecall starts a run: read it to its end."""
    event = first
    while not (event["type"] == "error" or (event["type"] == "status" and event["status"] == "complete")):
        event = answer(ws)
    assert event.get("code") != "internal", event


def is_valid_action(frame: str | bytes) -> str | None:
    if isinstance(frame, bytes) or len(frame.encode()) > LIMIT:
        return None
    try:
        payload = json.loads(frame)
    except ValueError:
        return None
    return payload.get("action") if isinstance(payload, dict) else None


def test_every_frame_gets_a_protocol_answer_and_the_server_survives(server: LiveServer) -> None:
    with connect(server.ws, max_size=2**20) as ws:

        @hsettings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(frame=frames)
        def check(frame: str | bytes) -> None:
            ws.send(frame)
            event = answer(ws)
            action = is_valid_action(frame)
            if event["type"] == "pong":
                assert action == "ping"
            elif event["type"] == "status":
                assert action == "makecall"
                drain_run(ws, event)
            else:
                assert event["type"] == "error", event
                assert event["code"] in PROTOCOL_ERRORS, event
                assert event["message"]
                size = len(frame) if isinstance(frame, bytes) else len(frame.encode())
                if size > LIMIT:
                    assert event["code"] == "too_large"
            # The connection stays usable after every frame.
            ws.send('{"action": "ping"}')
            assert answer(ws) == {"type": "pong"}

        check()
    assert httpx.get(f"{server.http}/healthz").status_code == 200


def test_frames_beyond_the_transport_limit_close_that_socket_only(server: LiveServer) -> None:
    try:
        with connect(server.ws, max_size=2**20) as ws:
            ws.send("x" * (2 * 1024 * 1024))  # over uvicorn's ws_max_size (1 MiB): the socket is closed
            ws.recv(timeout=10)
    except ConnectionClosed as closed:
        # 1009 when the close frame arrives first; a reset of the half-sent frame is the same refusal
        assert closed.rcvd is None or closed.rcvd.code == 1009
    except OSError:
        pass
    else:
        pytest.fail("a frame over the transport limit was accepted")
    with connect(server.ws) as ws:
        ws.send('{"action": "ping"}')
        assert answer(ws) == {"type": "pong"}


@pytest.fixture
def local_server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    local = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})
    app = create_app(local, provider=scripted_provider, auth=local_authenticator(Path(str(local.db))))
    with run_server(app) as running:
        yield running


def test_random_tokens_are_refused_with_401_never_500(local_server: LiveServer) -> None:
    good = sign_up(local_server.http, "fuzzer").access_token

    @hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(token=st.text(alphabet=string.printable, max_size=300)
           | st.sampled_from([good[:-1], good + "x", good.replace(".", "", 1), "." * 3, "eyJ" * 20]))
    def check(token: str) -> None:
        with pytest.raises(InvalidStatus) as caught, connect(f"{local_server.ws}?token={quote(token)}"):
            pass
        assert caught.value.response.status_code == 401

    check()
    with connect(f"{local_server.ws}?token={good}") as ws:
        ws.send('{"action": "ping"}')
        assert answer(ws) == {"type": "pong"}
