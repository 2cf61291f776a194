"""Every call belongs to its user: another user's id answers 404 on every path, lists never mix, and
verdict events reach only the owner's connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.domain.call import Verdict, VerdictOutcome
from calledit.domain.events import VerdictEvent
from calledit.providers.base import Provider
from calledit.server import create_app
from calledit.server.state import AppState
from tests.fixtures.auth import Account, Issuer, bearer, local_authenticator, oidc_issuer, sign_up
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until

# Bodies that pass validation on routes that take one, so the ownership check is what answers.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/calls/{call_id}/resolve"): {"resolution": "void"},
    ("PATCH", "/api/calls/{call_id}"): {"confidence": 0.5},
}


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    local = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})
    app = create_app(local, provider=scripted_provider, auth=local_authenticator(Path(str(local.db))))
    with run_server(app) as running:
        yield running


async def made_call(server: LiveServer, account: Account, prompt: str) -> dict[str, Any]:
    """A call made over the WebSocket and logged over REST, as the UI does."""
    async with connect(f"{server.ws}?token={account.access_token}") as ws:
        await makecall(ws, prompt)
        events = await until(ws, finished)
    content = next(e for e in events if e["type"] == "complete")["content"]
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post("/api/calls", headers=account.headers, json={**content, "confidence": 0.7})
    assert response.status_code == 201, response.text
    stored: dict[str, Any] = response.json()
    return stored


def call_routes(server: LiveServer) -> list[tuple[str, str]]:
    """Every documented route that names a call, with each of its methods."""
    paths = server.app.openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() if "{call_id}" in path
            for method in operations]


async def test_another_users_call_is_404_on_every_path(server: LiveServer) -> None:
    alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
    call = await made_call(server, alice, "Bitcoin hits $100k by the end of 2026")
    routes = call_routes(server)
    assert {("GET", "/api/calls/{call_id}"), ("DELETE", "/api/calls/{call_id}")} <= set(routes)
    async with httpx.AsyncClient(base_url=server.http) as client:
        for method, template in routes:
            path = template.replace("{call_id}", call["id"])
            response = await client.request(method, path, headers=bob.headers,
                                            json=BODIES.get((method, template), {}))
            if response.status_code == 422 and (method, template) not in BODIES:
                continue  # refused on its body before any lookup: nothing about the call can leak
            assert response.status_code == 404, (method, template, response.text)
            assert response.json()["code"] == "not_found"
            assert call["prediction_statement"] not in response.text
        # Nothing bob tried changed alice's call.
        mine = await client.get(f"/api/calls/{call['id']}", headers=alice.headers)
    assert mine.status_code == 200
    assert mine.json() == call


async def test_lists_never_mix_users(server: LiveServer) -> None:
    alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
    a = await made_call(server, alice, "It rains in Lima tomorrow")
    b = await made_call(server, bob, "It snows in Oslo tomorrow")
    async with httpx.AsyncClient(base_url=server.http) as client:
        mine = (await client.get("/api/calls", headers=alice.headers)).json()["items"]
        theirs = (await client.get("/api/calls", headers=bob.headers)).json()["items"]
        assert [c["id"] for c in mine] == [a["id"]]
        assert [c["id"] for c in theirs] == [b["id"]]
        for path in ("/api/due", "/api/stats"):
            response = await client.get(path, headers=bob.headers)
            assert a["id"] not in response.text, path


async def test_delete_of_another_users_call_leaves_it(server: LiveServer) -> None:
    alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
    call = await made_call(server, alice, "The Celtics win tonight")
    async with httpx.AsyncClient(base_url=server.http) as client:
        assert (await client.delete(f"/api/calls/{call['id']}", headers=bob.headers)).status_code == 404
        assert (await client.get(f"/api/calls/{call['id']}", headers=alice.headers)).status_code == 200
        assert (await client.delete(f"/api/calls/{call['id']}", headers=alice.headers)).status_code == 204


def add_notify_route(app: FastAPI) -> None:
    """A test-only route that runs AppState.notify on the server's own event loop."""
    state: AppState = app.state.calledit
    verdict = Verdict(verdict=VerdictOutcome.CONFIRMED, confidence=0.9, reasoning="It happened.",
                      verified_at=datetime.now(UTC))

    async def notify(user_id: str) -> dict[str, int]:
        return {"delivered": await state.notify(user_id, VerdictEvent(call_id="c1", verdict=verdict))}

    app.router.routes.insert(0, APIRoute("/test/notify/{user_id}", notify, methods=["POST"]))


async def test_verdicts_reach_only_the_owners_connections(server: LiveServer) -> None:
    add_notify_route(server.app)
    alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
    async with (
        connect(f"{server.ws}?token={alice.access_token}") as tab1,
        connect(f"{server.ws}?token={alice.access_token}") as tab2,
        connect(f"{server.ws}?token={bob.access_token}") as other,
    ):
        for ws in (tab1, tab2, other):  # all three registered before we notify
            await ws.send(json.dumps({"action": "ping"}))
            assert await next_event(ws) == {"type": "pong"}
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{server.http}/test/notify/{alice.id}")
        assert response.json() == {"delivered": 2}
        for ws in (tab1, tab2):
            event = await next_event(ws)
            assert event["type"] == "verdict"
            assert event["call_id"] == "c1"
        await other.send(json.dumps({"action": "ping"}))
        assert await next_event(other) == {"type": "pong"}, "bob got nothing before his pong"
    state: AppState = server.app.state.calledit
    assert await _eventually(lambda: state.connection_count(alice.id) == 0), "closed tabs leave the registry"
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{server.http}/test/notify/{alice.id}")).json() == {"delivered": 0}


async def _eventually(check: Any, timeout: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_oidc_users_are_told_apart_by_subject(settings: Settings, scripted_provider: Provider) -> None:
    issuer: Issuer
    with oidc_issuer() as issuer:
        oidc = settings.model_copy(update={"auth": "oidc", "oidc_issuer": issuer.url, "oidc_audience": None})
        with run_server(create_app(oidc, provider=scripted_provider)) as server:
            ann, ben = bearer(issuer.token(sub="ann")), bearer(issuer.token(sub="ben"))
            async with connect(server.ws, subprotocols=["bearer", issuer.token(sub="ann")]) as ws:  # type: ignore[list-item]
                await makecall(ws, "It rains in Lima tomorrow")
                content = next(e for e in await until(ws, finished) if e["type"] == "complete")["content"]
            async with httpx.AsyncClient(base_url=server.http) as client:
                call = (await client.post("/api/calls", headers=ann, json=content)).json()
                assert (await client.get(f"/api/calls/{call['id']}", headers=ben)).status_code == 404
                assert (await client.get(f"/api/calls/{call['id']}", headers=ann)).status_code == 200
