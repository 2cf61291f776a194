"""Handler paths and the status codes API Gateway gets, with fakes at the network edge only
(the @connections client and, for outages, the connections table)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from calledit.agents.session import CallSession
from calledit.agents.setup import creation_agent
from calledit.aws import handlers
from calledit.aws.config import AwsSettings
from calledit.aws.connections import MemoryConnections
from calledit.aws.events import connect_event, message_event, request_context
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import ClientGone, ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel


class Socket:
    """The @connections endpoint as a handler sees it: frames posted, or GoneException once closed."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.gone = False

    def post(self, connection_id: str, data: str) -> None:
        if self.gone:
            raise ClientGone(connection_id)
        self.frames.append(json.loads(data))


class Clients(ManagementClients):
    def __init__(self, socket: Socket) -> None:
        super().__init__()
        self.socket = socket

    def for_event(self, request_context: dict[str, Any]) -> ManagementApi:
        return self.socket  # type: ignore[return-value]  # the same post() the handlers use


class BrokenTable(MemoryConnections):
    def start_run(self, connection_id: str, run_id: str, lease_s: float) -> bool:
        raise RuntimeError("DynamoDB is unreachable")


def runtime(tmp_path: Path, socket: Socket, connections: MemoryConnections | None = None,
            **settings: Any) -> LambdaRuntime:
    config = Settings(model="scripted", db=str(tmp_path / "c.db"), data_dir=tmp_path, cache_dir=tmp_path,
                      **settings)
    provider = Provider(name="scripted (test double)", model=ScriptedModel(rate=0), concurrency=2)
    return LambdaRuntime(config, AwsSettings(), connections=connections or MemoryConnections(),
                         management=Clients(socket), session=CallSession(creation_agent(config, provider)))


def context(route: str = "$default", event_type: str = "MESSAGE", **extra: Any) -> dict[str, Any]:
    return request_context(connection_id="c1", route=route, event_type=event_type,
                           domain_name="x.execute-api.eu-west-1.amazonaws.com", stage="prod", **extra)


async def test_connect_records_the_authorizers_user(tmp_path: Path) -> None:
    rt = runtime(tmp_path, Socket(), auth="oidc", oidc_issuer="https://issuer.example")
    event = connect_event(context("$connect", "CONNECT", authorizer={"principalId": "sub-1", "user_id": "sub-1"}),
                          {}, {"token": ["t"]})
    assert (await rt.connect(event))["statusCode"] == 200
    info = rt.connections.get("c1")
    assert info is not None and info.user_id == "sub-1"


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"Sec-WebSocket-Protocol": "bearer, a.b.c"}, True),
        ({"sec-websocket-protocol": "bearer,a.b.c"}, True),
        ({}, False),
        ({"Sec-WebSocket-Protocol": "chat"}, False),
    ],
)
async def test_connect_names_the_bearer_subprotocol_when_the_client_offered_it(
    tmp_path: Path, headers: dict[str, str], named: bool
) -> None:
    rt = runtime(tmp_path, Socket(), auth="oidc", oidc_issuer="https://issuer.example")
    event = connect_event(context("$connect", "CONNECT", authorizer={"principalId": "sub-1", "user_id": "sub-1"}),
                          headers, {})
    answer = await rt.connect(event)
    assert answer["statusCode"] == 200
    if named:  # browsers drop a handshake that selects none of the protocols they offered
        assert answer["headers"] == {"Sec-WebSocket-Protocol": "bearer"}
    else:
        assert "headers" not in answer


async def test_connect_without_a_principal_is_refused_when_auth_is_on(tmp_path: Path) -> None:
    rt = runtime(tmp_path, Socket(), auth="oidc", oidc_issuer="https://issuer.example")
    assert (await rt.connect(connect_event(context("$connect", "CONNECT"), {}, {})))["statusCode"] == 401
    assert rt.connections.get("c1") is None


async def test_connect_with_auth_off_is_the_local_user(tmp_path: Path) -> None:
    rt = runtime(tmp_path, Socket())
    assert (await rt.connect(connect_event(context("$connect", "CONNECT"), {}, {})))["statusCode"] == 200
    info = rt.connections.get("c1")
    assert info is not None and info.user_id == "local"
    assert (await rt.disconnect({"requestContext": context("$disconnect", "DISCONNECT")}))["statusCode"] == 200
    assert rt.connections.get("c1") is None


@pytest.mark.parametrize(
    ("data", "code"),
    [(b'{"action": "ping"}', "bad_request"), (b"x" * 40_000, "too_large")],
)
async def test_binary_frames_arrive_base64_and_are_refused_like_on_ws(tmp_path: Path, data: bytes, code: str) -> None:
    socket = Socket()
    answer = await runtime(tmp_path, socket).message(message_event(context(), None, data))
    assert answer["statusCode"] == 400
    assert socket.frames == [{"type": "error", "code": code, "message": socket.frames[0]["message"]}]
    assert message_event(context(), None, data)["body"] == base64.b64encode(data).decode()


async def test_a_run_answers_200_and_ends_with_status_complete(tmp_path: Path) -> None:
    socket = Socket()
    rt = runtime(tmp_path, socket)
    answer = await rt.message(message_event(context("makecall"), '{"action": "makecall", "prompt": "Rain"}', None))
    assert answer["statusCode"] == 200
    assert socket.frames[0]["status"] == "processing" and socket.frames[-1]["status"] == "complete"
    assert rt.last_send_stats is not None and rt.last_send_stats.posts == len(socket.frames)
    info = rt.connections.get("c1")
    assert info is not None and info.run_id is None  # the lease was given back


async def test_a_gone_client_is_410_and_frees_the_connection(tmp_path: Path) -> None:
    socket = Socket()
    socket.gone = True
    rt = runtime(tmp_path, socket)
    rt.connections.open("c1", "local")
    answer = await rt.message(message_event(context("makecall"), '{"action": "makecall", "prompt": "Rain"}', None))
    assert answer["statusCode"] == 410
    info = rt.connections.get("c1")
    assert info is not None and info.run_id is None
    assert (await rt.message(message_event(context(), '{"action": "ping"}', None)))["statusCode"] == 410


async def test_a_fault_of_ours_is_500_after_telling_the_client(tmp_path: Path) -> None:
    socket = Socket()
    rt = runtime(tmp_path, socket, connections=BrokenTable())
    answer = await rt.message(message_event(context("makecall"), '{"action": "makecall", "prompt": "Rain"}', None))
    assert answer["statusCode"] == 500
    assert socket.frames == [
        {"type": "error", "code": "internal", "message": "Something went wrong on our side; please retry."}
    ]


def test_the_entry_points_never_raise_even_when_misconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_FLUSH_MS", "-5")  # invalid: the runtime cannot be built
    handlers.reset()
    try:
        answer = handlers.default({"requestContext": context(), "body": '{"action": "ping"}'}, None)
        assert answer["statusCode"] == 500
    finally:
        handlers.reset()


class FlakyTable(MemoryConnections):
    def cancel_requested(self, connection_id: str, run_id: str) -> bool:
        raise RuntimeError("throttled")


async def test_a_table_hiccup_while_watching_for_cancel_does_not_end_the_run(tmp_path: Path) -> None:
    socket = Socket()
    rt = runtime(tmp_path, socket, connections=FlakyTable())
    rt.aws = AwsSettings(cancel_poll_s=0.01)
    rt.session.agent.provider.model.update_config(rate=200)  # long enough for several polls
    answer = await rt.message(message_event(context("makecall"), '{"action": "makecall", "prompt": "Rain"}', None))
    assert answer["statusCode"] == 200
    assert socket.frames[-2]["type"] == "complete" and socket.frames[-1]["status"] == "complete"
