"""The Lambda path end to end: a real client, the gateway emulator, the handlers, real boto3 posting to
@connections, connections and calls in DynamoDB Local. The protocol must read exactly as on /ws."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from calledit.aws import handlers
from calledit.aws.config import AwsSettings
from calledit.aws.connections import DynamoConnections
from calledit.aws.emulator import create_emulator_app
from calledit.aws.events import message_event, request_context
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import boto_client
from calledit.config import Settings
from calledit.domain.call import CallContent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from tests.fixtures.auth import AUDIENCE, local_authenticator, oidc_issuer, sign_up
from tests.fixtures.dynamodb import DynamoLocal
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until


@dataclass
class LambdaStack:
    server: LiveServer
    app: FastAPI
    connections: DynamoConnections
    model: ScriptedModel
    responses: list[tuple[str, dict[str, Any]]]  # (route, handler answer), in completion order

    @property
    def runtime(self) -> LambdaRuntime:
        runtime: LambdaRuntime = self.app.state.gateway.runtime
        return runtime

    def answers(self, route: str) -> list[int]:
        return [int(answer["statusCode"]) for key, answer in self.responses if key == route]

    async def settled(self, route: str, count: int) -> list[int]:
        """The answers of `route` once `count` invocations have returned (a client can outrun them)."""
        for _ in range(500):
            if len(self.answers(route)) >= count:
                break
            await asyncio.sleep(0.02)
        return self.answers(route)


def stack_settings(tmp_path: Path, dynamodb: DynamoLocal) -> tuple[Settings, AwsSettings]:
    settings = Settings(
        model="scripted",
        db=f"dynamodb://{dynamodb.table_name('calls')}?endpoint={dynamodb.endpoint}",
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
    )
    aws = AwsSettings(
        connections_table=dynamodb.table_name("connections"),
        dynamodb_endpoint=dynamodb.endpoint,
        cancel_poll_s=0.05,
    )
    return settings, aws


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel(rate=0)


@pytest.fixture
def stack(tmp_path: Path, dynamodb_local: DynamoLocal, model: ScriptedModel) -> Iterator[LambdaStack]:
    settings, aws = stack_settings(tmp_path, dynamodb_local)
    provider = Provider(name="scripted (test double)", model=model, concurrency=4)
    app = create_emulator_app(settings, aws=aws, provider=provider)
    runtime: LambdaRuntime = app.state.gateway.runtime
    responses: list[tuple[str, dict[str, Any]]] = []
    for route in ("connect", "disconnect", "message"):
        original = getattr(runtime, route)

        async def recorded(event: dict[str, Any], _original: Any = original, _route: str = route) -> Any:
            answer = await _original(event)
            responses.append((_route, answer))
            return answer

        setattr(runtime, route, recorded)  # a spy on the invocations' answers; the handlers run for real
    assert isinstance(runtime.connections, DynamoConnections)
    with run_server(app) as server:
        yield LambdaStack(server, app, runtime.connections, model, responses)


def slow(model: ScriptedModel, chunks_per_second: float = 40) -> None:
    model.update_config(rate=chunks_per_second)


async def connection_id_of(stack: LambdaStack) -> str:
    for _ in range(50):
        ids = stack.connections.for_user("local")
        if ids:
            return ids[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("the $connect handler recorded no connection")


async def test_a_run_streams_the_same_protocol_with_far_fewer_messages(stack: LambdaStack) -> None:
    async with connect(stack.server.ws) as ws:
        await makecall(ws, "Bitcoin hits $100k by the end of 2026", "Europe/Paris")
        events = await until(ws, finished)
    types = [e["type"] for e in events]
    assert events[0] == {"type": "status", "status": "processing", "message": "Working on your prediction"}
    assert types[-2:] == ["complete", "status"] and events[-1]["status"] == "complete"
    assert set(types[1:-2]) <= {"text", "call", "tool"} and "text" in types and "call" in types
    streamed = "".join(e["content"] for e in events if e["type"] == "text")
    assert json.loads(streamed)["verification_mode"] == events[-2]["content"]["verification_mode"]
    content = CallContent.model_validate(events[-2]["content"])
    assert content.raw_prompt == "Bitcoin hits $100k by the end of 2026" and content.timezone == "Europe/Paris"
    chunks = -(-len(streamed) // 12)  # the scripted model streams 12-character chunks
    assert len(events) < chunks / 3, "text deltas and call partials are coalesced"
    partials = [list(e["call"]) for e in events if e["type"] == "call"]
    assert all(later[: len(earlier)] == earlier for earlier, later in itertools.pairwise(partials))
    assert await stack.settled("message", 1) == [200]


async def test_connections_are_recorded_on_connect_and_forgotten_on_disconnect(stack: LambdaStack) -> None:
    async with connect(stack.server.ws) as ws:
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}
        connection_id = await connection_id_of(stack)
        info = stack.connections.get(connection_id)
        assert info is not None and info.user_id == "local"
    for _ in range(100):
        if stack.connections.get(connection_id) is None:
            break
        await asyncio.sleep(0.02)
    assert stack.connections.get(connection_id) is None
    assert await stack.settled("connect", 1) == [200]
    assert await stack.settled("disconnect", 1) == [200]


BAD_FRAMES = [
    "not json",
    "[1, 2]",
    '{"prompt": "x"}',
    '{"action": "predict"}',
    '{"action": "makecall"}',
    '{"action": "makecall", "prompt": ""}',
    '{"action": "makecall", "prompt": "   "}',
    json.dumps({"action": "makecall", "prompt": "x" * 2001}),
    '{"action": "makecall", "prompt": "Rain", "timezone": "Mars/Olympus"}',
    '{"action": "makecall", "prompt": "Rain", "timezone": 5}',
    '{"action": "cancel"}',
    json.dumps({"action": "ping", "pad": "x" * 40000}),
    b"\x00\x01binary",
]


async def test_bad_frames_get_exactly_the_errors_the_asgi_server_sends(
    stack: LambdaStack, tmp_path: Path, scripted_provider: Provider
) -> None:
    plain = Settings(model="scripted", db=str(tmp_path / "plain.db"), data_dir=tmp_path / "d2",
                     cache_dir=tmp_path / "c2")
    with run_server(create_app(plain, provider=scripted_provider)) as asgi:
        for frame in BAD_FRAMES:
            answers = []
            for url in (asgi.ws, stack.server.ws):
                async with connect(url, max_size=None) as ws:
                    await ws.send(frame)
                    answers.append(await next_event(ws))
                    await ws.send('{"action": "ping"}')  # the socket stays usable
                    assert await next_event(ws) == {"type": "pong"}
            assert answers[0]["type"] == "error", frame
            assert answers[1] == answers[0], frame
    # invalid makecalls that pass the frame check are refused by the session inside a run (200)
    assert set(stack.answers("message")) <= {200, 400}
    assert stack.answers("message").count(400) >= 8


async def test_a_second_makecall_while_one_runs_is_busy(stack: LambdaStack) -> None:
    slow(stack.model)
    async with connect(stack.server.ws) as ws:
        await makecall(ws, "It rains in Paris tomorrow")
        assert (await next_event(ws))["status"] == "processing"
        await makecall(ws, "It snows in Oslo tomorrow")
        events = await until(ws, finished)
        busy = [e for e in events if e["type"] == "error"]
        assert busy and busy[0]["code"] == "busy"
        rest = await until(ws, finished)
        assert rest[-1] == {"type": "status", "status": "complete", "message": "Your call is ready"}
        await makecall(ws, "It snows in Oslo tomorrow")  # the lease was given back
        again = await until(ws, finished)
        assert again[-1]["type"] == "status" and again[-1]["status"] == "complete"


async def test_cancel_stops_the_run_and_frees_the_connection(stack: LambdaStack) -> None:
    slow(stack.model, 20)
    async with connect(stack.server.ws) as ws:
        await makecall(ws, "The Lakers win tonight")
        await until(ws, lambda e: e["type"] == "text")
        await ws.send('{"action": "cancel"}')
        events = await until(ws, finished)
        assert events[-1] == {"type": "error", "code": "cancelled", "message": "Cancelled: the prediction was stopped."}
        assert "complete" not in [e["type"] for e in events]
        with pytest.raises(TimeoutError):
            await next_event(ws, timeout=0.5)  # nothing follows the cancel
        slow(stack.model, 0)
        await makecall(ws, "The Lakers win tonight")
        again = await until(ws, finished)
        assert again[-1]["status"] == "complete"
    assert 200 in stack.answers("message")


async def test_a_gone_client_stops_the_run(stack: LambdaStack) -> None:
    slow(stack.model, 20)
    async with connect(stack.server.ws) as ws:
        await makecall(ws, "It rains in Paris tomorrow")
        await until(ws, lambda e: e["type"] == "text")
        connection_id = await connection_id_of(stack)
        asked = len(stack.model.requests)
    # the socket is closed mid-run: the next post gets GoneException and the handler stops the model
    for _ in range(200):
        if 410 in stack.answers("message"):
            break
        await asyncio.sleep(0.02)
    assert stack.answers("message") == [410]
    info = stack.connections.get(connection_id)
    assert info is None or info.run_id is None
    assert len(stack.model.requests) == asked  # no repair round or retry was started for nobody


async def test_the_management_api_speaks_boto3(stack: LambdaStack) -> None:
    client = boto_client("apigatewaymanagementapi", f"{stack.server.http}/prod")
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="nobody", Data=b"{}")
    async with connect(stack.server.ws, user_agent_header="calledit-test") as ws:
        connection_id = await connection_id_of(stack)
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b'{"type": "pong"}')
        assert await next_event(ws) == {"type": "pong"}
        info = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1" and info["Identity"]["UserAgent"] == "calledit-test"
        await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
        with pytest.raises(Exception):  # noqa: B017  (the server closed the socket)
            await next_event(ws, timeout=5)
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"{}")


async def test_the_module_entry_points_run_from_the_environment(
    stack: LambdaStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """handlers.default(event, context), as Lambda calls it: config from env, real boto3, a fresh loop."""
    monkeypatch.setenv("CALLEDIT_CONNECTIONS_TABLE", stack.connections.table)
    monkeypatch.setenv("CALLEDIT_DYNAMODB_ENDPOINT", stack.runtime.aws.dynamodb_endpoint or "")
    monkeypatch.setenv("CALLEDIT_MANAGEMENT_ENDPOINT", f"{stack.server.http}/prod")
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    handlers.reset()
    try:
        async with connect(stack.server.ws) as ws:
            connection_id = await connection_id_of(stack)
            context = request_context(connection_id=connection_id, route="$default", event_type="MESSAGE",
                                      domain_name="example.execute-api.us-east-1.amazonaws.com", stage="prod")
            answer = await asyncio.to_thread(handlers.default, message_event(context, '{"action": "ping"}', None), None)
            assert answer["statusCode"] == 200
            assert await next_event(ws) == {"type": "pong"}
            event = message_event({**context, "routeKey": "makecall"},
                                  json.dumps({"action": "makecall", "prompt": "It rains tomorrow"}), None)
            result: dict[str, Any] = {}
            thread = threading.Thread(target=lambda: result.update(handlers.makecall(event, None)))
            thread.start()
            events = await until(ws, finished)
            thread.join(timeout=20)
            assert result["statusCode"] == 200
            assert events[-2]["type"] == "complete" and events[-2]["content"]["model"].startswith("scripted")
    finally:
        handlers.reset()


async def test_rest_calls_go_to_dynamodb_through_the_emulator(stack: LambdaStack) -> None:
    async with connect(stack.server.ws) as ws:
        await makecall(ws, "It rains in Paris tomorrow")
        events = await until(ws, finished)
    content = events[-2]["content"]
    async with httpx.AsyncClient(base_url=stack.server.http) as http:
        created = await http.post("/api/calls", json={**content, "confidence": 0.7})
        assert created.status_code == 201, created.text
        listed = (await http.get("/api/calls")).json()
        assert [c["id"] for c in listed["items"]] == [created.json()["id"]]
        assert (await http.get("/healthz")).json()["status"] == "ok"
    table = stack.app.state.calledit.store.table
    assert table.startswith("calls-")


async def test_the_ui_is_served_and_its_socket_path_works(stack: LambdaStack) -> None:
    async with httpx.AsyncClient(base_url=stack.server.http) as http:
        assert (await http.get("/")).status_code == 200
    ws: ClientConnection
    async with connect(f"ws://127.0.0.1:{stack.server.port}/prod") as ws:  # the stage path, as on AWS
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}


# --- $connect authorization, as the stack does it ---------------------------------------------------


def auth_stack(tmp_path: Path, dynamodb: DynamoLocal, **overrides: Any) -> tuple[FastAPI, DynamoConnections]:
    settings, aws = stack_settings(tmp_path, dynamodb)
    authenticator = overrides.pop("authenticator", None)
    settings = settings.model_copy(update=overrides)
    provider = Provider(name="scripted (test double)", model=ScriptedModel(rate=0), concurrency=4)
    app = create_emulator_app(settings, aws=aws, provider=provider, auth=authenticator)
    connections = app.state.gateway.runtime.connections
    assert isinstance(connections, DynamoConnections)
    return app, connections


async def refused_with(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    return refused.value.response.status_code


async def test_with_cognito_style_auth_the_authorizer_checks_the_token(
    tmp_path: Path, dynamodb_local: DynamoLocal
) -> None:
    with oidc_issuer() as issuer:
        app, connections = auth_stack(tmp_path, dynamodb_local, auth="oidc", oidc_issuer=issuer.url,
                                      oidc_audience=AUDIENCE)
        with run_server(app) as server:
            assert await refused_with(server.ws) == 401  # no token
            assert await refused_with(f"{server.ws}?token=not.a.jwt") == 401
            assert await refused_with(f"{server.ws}?token={issuer.token(aud='another-app')}") == 401
            async with connect(f"{server.ws}?token={issuer.token(sub='alice-sub')}") as ws:
                await ws.send('{"action": "ping"}')
                assert await next_event(ws) == {"type": "pong"}
                (connection_id,) = connections.for_user("alice-sub")  # the $connect handler recorded the user
                info = connections.get(connection_id)
                assert info is not None and info.user_id == "alice-sub"


async def test_with_cognito_style_auth_the_token_may_come_as_the_bearer_subprotocol(
    tmp_path: Path, dynamodb_local: DynamoLocal
) -> None:
    with oidc_issuer() as issuer:
        app, connections = auth_stack(tmp_path, dynamodb_local, auth="oidc", oidc_issuer=issuer.url,
                                      oidc_audience=AUDIENCE)
        with run_server(app) as server:
            bad = ["bearer", issuer.token(aud="another-app")]
            with pytest.raises(InvalidStatus) as refused:
                async with connect(server.ws, subprotocols=bad):  # type: ignore[arg-type]
                    pass
            assert refused.value.response.status_code == 401
            good = ["bearer", issuer.token(sub="bob-sub")]
            async with connect(server.ws, subprotocols=good) as ws:  # type: ignore[arg-type]
                assert ws.subprotocol == "bearer"  # the $connect answer named it; a browser needs that
                await makecall(ws, "It rains in Paris tomorrow")
                events = await until(ws, finished)
                assert events[-1]["status"] == "complete"
                assert len(connections.for_user("bob-sub")) == 1
            async with connect(f"{server.ws}?token={issuer.token(sub='bob-sub')}") as ws:
                assert ws.subprotocol is None  # nothing offered, nothing named


async def test_with_local_accounts_the_apps_tokens_stand_in_for_cognito(
    tmp_path: Path, dynamodb_local: DynamoLocal
) -> None:
    app, connections = auth_stack(tmp_path, dynamodb_local, auth="local",
                                  authenticator=local_authenticator(tmp_path / "users.db"))
    with run_server(app) as server:
        assert await refused_with(server.ws) == 401
        account = await asyncio.to_thread(sign_up, server.http, "alice")
        async with connect(f"{server.ws}?token={account.access_token}") as ws:
            await makecall(ws, "It rains in Paris tomorrow")
            events = await until(ws, finished)
            assert events[-1]["status"] == "complete"
            assert len(connections.for_user(account.id)) == 1  # recorded under the account's id


# --- a verdict set by hand through REST reaches the owner's open sockets ----------------------------


async def test_a_verdict_set_by_hand_reaches_the_owners_sockets_only(
    tmp_path: Path, dynamodb_local: DynamoLocal
) -> None:
    app, connections = auth_stack(tmp_path, dynamodb_local, auth="local",
                                  authenticator=local_authenticator(tmp_path / "users.db"))
    with run_server(app) as server:
        alice = await asyncio.to_thread(sign_up, server.http, "alice")
        bob = await asyncio.to_thread(sign_up, server.http, "bob")
        async with (connect(f"{server.ws}?token={alice.access_token}") as mine,
                    connect(f"{server.ws}?token={bob.access_token}") as theirs):
            await makecall(mine, "It rains in Paris tomorrow")
            content = (await until(mine, finished))[-2]["content"]
            await asyncio.to_thread(connections.open, "gone-socket", alice.id)  # a socket that never said bye
            async with httpx.AsyncClient(base_url=server.http, headers=alice.headers) as http:
                created = await http.post("/api/calls", json={**content, "confidence": 0.7})
                assert created.status_code == 201, created.text
                call_id = created.json()["id"]
                resolved = await http.post(f"/api/calls/{call_id}/resolve", json={"resolution": "confirmed"})
                assert resolved.status_code == 200, resolved.text  # the gone socket did not fail it
                verdict = resolved.json()["verdict"]
                assert await next_event(mine) == {"type": "verdict", "call_id": call_id, "verdict": verdict}
                undone = await http.post(f"/api/calls/{call_id}/undo")
                assert undone.status_code == 200, undone.text
                if undone.json()["verdict"] is not None:
                    assert (await next_event(mine))["type"] == "verdict"
            await theirs.send('{"action": "ping"}')
            assert await next_event(theirs) == {"type": "pong"}  # no verdict came before it
            assert connections.get("gone-socket") is None  # GoneException: the record is closed
            assert len(connections.for_user(alice.id)) == 1
