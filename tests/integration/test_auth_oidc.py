"""CALLEDIT_AUTH=oidc end to end: a real issuer with a JWKS on loopback, the server configured only by
settings (as `calledit serve` is), and the auth matrix on REST and the WebSocket."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.auth import AUDIENCE, Issuer, bearer, oidc_issuer, tampered, unsigned
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with oidc_issuer() as running:
        yield running


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider, issuer: Issuer) -> Iterator[LiveServer]:
    oidc = settings.model_copy(update={"auth": "oidc", "oidc_issuer": issuer.url, "oidc_audience": AUDIENCE})
    with run_server(create_app(oidc, provider=scripted_provider)) as running:
        yield running


def bad_tokens(issuer: Issuer) -> dict[str, str]:
    return {
        "expired": issuer.token(exp=int(time.time()) - 600),
        "wrong_issuer": issuer.token(iss="https://cognito-idp.eu-west-1.amazonaws.com/other-pool"),
        "wrong_audience": issuer.token(aud="another-app"),
        "tampered": tampered(issuer.token(sub="mallory"), sub="alice"),
        "alg_none": unsigned(issuer.claims()),
        "unknown_kid": issuer.token(kid="not-published"),
        "garbage": "abc.def.ghi",
    }


BAD = ["expired", "wrong_issuer", "wrong_audience", "tampered", "alg_none", "unknown_kid", "garbage"]


def test_config_names_the_issuer(server: LiveServer, issuer: Issuer) -> None:
    assert httpx.get(f"{server.http}/api/auth/config").json() == {
        "mode": "oidc", "issuer": issuer.url, "audience": AUDIENCE,
    }


def test_me_is_the_token_subject(server: LiveServer, issuer: Issuer) -> None:
    me = httpx.get(f"{server.http}/api/auth/me", headers=bearer(issuer.token(sub="cognito-sub-1")))
    assert me.status_code == 200
    assert me.json()["id"] == "cognito-sub-1"
    assert me.json()["username"] == "someone"
    assert me.json()["mode"] == "oidc"


def test_cognito_access_tokens_work(server: LiveServer, issuer: Issuer) -> None:
    token = issuer.token(aud=None, token_use="access", client_id=AUDIENCE)
    assert httpx.get(f"{server.http}/api/calls", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/signup", "/api/auth/token", "/api/auth/logout"])
def test_local_account_routes_do_not_exist(server: LiveServer, path: str) -> None:
    response = httpx.post(f"{server.http}{path}", json={"username": "alice", "password": "x" * 10})
    assert response.status_code == 404
    assert "identity provider" in response.json()["message"]


@pytest.mark.parametrize("kind", BAD)
def test_rest_refuses_bad_tokens(server: LiveServer, issuer: Issuer, kind: str) -> None:
    for method, path in [("GET", "/api/calls"), ("POST", "/api/calls"), ("GET", "/api/calls/abc"),
                         ("DELETE", "/api/calls/abc"), ("GET", "/api/auth/me")]:
        response = httpx.request(method, f"{server.http}{path}", headers=bearer(bad_tokens(issuer)[kind]), json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["code"] == "unauthorized"


def test_rest_without_a_token(server: LiveServer) -> None:
    assert httpx.get(f"{server.http}/api/calls").status_code == 401


@pytest.mark.parametrize("kind", BAD)
async def test_ws_refuses_bad_tokens_before_the_upgrade(server: LiveServer, issuer: Issuer, kind: str) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"{server.ws}?token={bad_tokens(issuer)[kind]}"):
            pass
    assert caught.value.response.status_code == 401
    assert json.loads(caught.value.response.body or b"{}")["code"] == "unauthorized"


async def test_ws_with_a_good_token_runs(server: LiveServer, issuer: Issuer) -> None:
    async with connect(server.ws, subprotocols=["bearer", issuer.token()]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "bearer"
        await makecall(ws, "The Celtics win tonight", "America/New_York")
        events = await until(ws, finished)
    assert events[-2]["type"] == "complete"


async def test_ws_session_ends_when_an_oidc_token_expires(server: LiveServer, issuer: Issuer) -> None:
    # The verifier allows 30 s of clock skew, so a token 28.5 s past exp has about 1.5 s left.
    token = issuer.token(exp=int(time.time()) - 28)
    async with connect(f"{server.ws}?token={token}") as ws:
        event = await next_event(ws, timeout=5)
        assert event["code"] == "unauthorized"
