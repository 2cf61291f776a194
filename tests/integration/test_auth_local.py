"""CALLEDIT_AUTH=local end to end: accounts, tokens, and the auth matrix on REST and the WebSocket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from calledit.auth.local import AUDIENCE
from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.auth import SECRET, Account, bearer, local_authenticator, sign_up, tampered, unsigned
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until


@pytest.fixture
def local_settings(settings: Settings) -> Settings:
    # Many sign-ins from 127.0.0.1 here; the sign-in limit itself is tested in test_limits.py.
    return settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})


@pytest.fixture
def server(local_settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    auth = local_authenticator(Path(str(local_settings.db)))
    with run_server(create_app(local_settings, provider=scripted_provider, auth=auth)) as running:
        yield running


@pytest.fixture
def alice(server: LiveServer) -> Account:
    return sign_up(server.http, "alice")


def forged(alice: Account) -> dict[str, str]:
    """Every kind of bad credential, by name."""
    claims = jwt.decode(alice.access_token, SECRET, algorithms=["HS256"], audience=AUDIENCE)
    expired = jwt.encode({**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
                         SECRET, algorithm="HS256")
    return {
        "garbage": "not-a-token",
        "expired": expired,
        "tampered": tampered(alice.access_token, sub="someone-else"),
        "alg_none": unsigned(claims),
        "wrong_secret": jwt.encode(claims, b"x" * 48, algorithm="HS256"),
        "wrong_issuer": jwt.encode({**claims, "iss": "elsewhere"}, SECRET, algorithm="HS256"),
        "wrong_audience": jwt.encode({**claims, "aud": "elsewhere"}, SECRET, algorithm="HS256"),
    }


# --- the account API --------------------------------------------------------------------------------


def test_config_tells_the_ui_to_show_sign_in(server: LiveServer) -> None:
    config = httpx.get(f"{server.http}/api/auth/config").json()
    assert config["mode"] == "local"
    assert config["signup"] is True
    assert config["token_url"] == "/api/auth/token"


def test_signup_then_me(server: LiveServer, alice: Account) -> None:
    me = httpx.get(f"{server.http}/api/auth/me", headers=alice.headers)
    assert me.status_code == 200
    assert me.json()["id"] == alice.id
    assert me.json()["username"] == "alice"
    assert me.json()["mode"] == "local"
    assert me.json()["expires_at"] > time.time()


def test_password_grant_and_refresh_rotation(server: LiveServer, alice: Account) -> None:
    signed_in = httpx.post(f"{server.http}/api/auth/token",
                           json={"grant_type": "password", "username": "alice",
                                 "password": "correct horse battery"})
    assert signed_in.status_code == 200
    assert signed_in.json()["token_type"] == "bearer"
    assert signed_in.headers["cache-control"] == "no-store"
    refresh = signed_in.json()["refresh_token"]
    rotated = httpx.post(f"{server.http}/api/auth/token", json={"grant_type": "refresh_token",
                                                                 "refresh_token": refresh})
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != refresh
    replay = httpx.post(f"{server.http}/api/auth/token", json={"grant_type": "refresh_token",
                                                                "refresh_token": refresh})
    assert replay.status_code == 401
    assert "already used" in replay.json()["message"]
    # The replay ended the session: the rotated tokens are dead too.
    after = httpx.get(f"{server.http}/api/calls", headers=bearer(rotated.json()["access_token"]))
    assert after.status_code == 401


def test_wrong_password_is_401_with_the_same_message_as_an_unknown_user(server: LiveServer, alice: Account) -> None:
    wrong = httpx.post(f"{server.http}/api/auth/token", json={"username": "alice", "password": "nope-nope-nope"})
    unknown = httpx.post(f"{server.http}/api/auth/token", json={"username": "zed", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"code": "unauthorized", "message": "Wrong username or password."}
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_signup_errors_are_precise(server: LiveServer, alice: Account) -> None:
    taken = httpx.post(f"{server.http}/api/auth/signup", json={"username": "ALICE", "password": "whatever-123"})
    assert taken.status_code == 400
    assert "taken" in taken.json()["message"]
    short = httpx.post(f"{server.http}/api/auth/signup", json={"username": "bob", "password": "short"})
    assert short.status_code == 400
    assert "8-256" in short.json()["message"]
    missing = httpx.post(f"{server.http}/api/auth/signup", json={"username": "bob"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "bad_request"


def test_logout_ends_the_session(server: LiveServer, alice: Account) -> None:
    out = httpx.post(f"{server.http}/api/auth/logout", headers=alice.headers)
    assert out.status_code == 204
    assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).status_code == 401
    refresh = httpx.post(f"{server.http}/api/auth/token",
                         json={"grant_type": "refresh_token", "refresh_token": alice.refresh_token})
    assert refresh.status_code == 401


def test_logout_everywhere_and_by_refresh_token(server: LiveServer, alice: Account) -> None:
    second = httpx.post(f"{server.http}/api/auth/token",
                        json={"username": "alice", "password": "correct horse battery"}).json()
    by_refresh = httpx.post(f"{server.http}/api/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert by_refresh.status_code == 204
    assert httpx.get(f"{server.http}/api/calls", headers=bearer(second["access_token"])).status_code == 401
    assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).status_code == 200
    everywhere = httpx.post(f"{server.http}/api/auth/logout", headers=alice.headers, json={"everywhere": True})
    assert everywhere.status_code == 204
    assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).status_code == 401


def test_closed_signup(local_settings: Settings, scripted_provider: Provider) -> None:
    closed = local_settings.model_copy(update={"signup": False})
    app = create_app(closed, provider=scripted_provider, auth=local_authenticator(Path(str(closed.db))))
    with run_server(app) as server:
        response = httpx.post(f"{server.http}/api/auth/signup", json={"username": "bob", "password": "x" * 12})
        assert response.status_code == 403
        assert "closed" in response.json()["message"]
        assert httpx.get(f"{server.http}/api/auth/config").json()["signup"] is False


# --- the REST auth matrix ---------------------------------------------------------------------------

PROTECTED = [
    ("GET", "/api/calls"),
    ("POST", "/api/calls"),
    ("GET", "/api/calls/0123456789abcdef"),
    ("DELETE", "/api/calls/0123456789abcdef"),
    ("GET", "/api/auth/me"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_rest_without_a_token_is_401(server: LiveServer, method: str, path: str) -> None:
    response = httpx.request(method, f"{server.http}{path}", json={})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "Sign in" in response.json()["message"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("kind", ["garbage", "expired", "tampered", "alg_none", "wrong_secret", "wrong_issuer",
                                  "wrong_audience"])
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_rest_with_a_bad_token_is_401(server: LiveServer, alice: Account, kind: str, method: str, path: str) -> None:
    token = forged(alice)[kind]
    response = httpx.request(method, f"{server.http}{path}", headers=bearer(token), json={})
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    assert token not in response.text


def test_rest_with_a_non_bearer_scheme_is_401(server: LiveServer, alice: Account) -> None:
    response = httpx.get(f"{server.http}/api/calls", headers={"Authorization": f"Basic {alice.access_token}"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


def test_rest_with_a_good_token(server: LiveServer, alice: Account) -> None:
    assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).json() == {"items": [],
                                                                                   "next_cursor": None}


def test_public_paths_need_no_token(server: LiveServer) -> None:
    for path in ("/healthz", "/api/auth/config", "/metrics", "/openapi.json"):
        assert httpx.get(f"{server.http}{path}").status_code == 200, path


# --- the WebSocket auth matrix ------------------------------------------------------------------------


async def refused_upgrade(url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, **kwargs):
            pass
    response = caught.value.response
    return response.status_code, json.loads(response.body or b"{}")


async def test_ws_without_a_token_is_refused_with_401_before_the_upgrade(server: LiveServer) -> None:
    status, body = await refused_upgrade(server.ws)
    assert status == 401
    assert body["code"] == "unauthorized"


@pytest.mark.parametrize("kind", ["garbage", "expired", "tampered", "alg_none", "wrong_secret", "wrong_audience"])
async def test_ws_with_a_bad_token_is_refused_with_401(server: LiveServer, alice: Account, kind: str) -> None:
    token = forged(alice)[kind]
    assert (await refused_upgrade(f"{server.ws}?token={token}"))[0] == 401
    assert (await refused_upgrade(server.ws, subprotocols=["bearer", token]))[0] == 401  # type: ignore[list-item]


async def test_ws_token_in_the_query_string(server: LiveServer, alice: Account) -> None:
    async with connect(f"{server.ws}?token={alice.access_token}") as ws:
        assert ws.subprotocol is None
        await makecall(ws, "It rains in Lima tomorrow")
        events = await until(ws, finished)
    assert events[-1] == {"type": "status", "status": "complete", "message": "Your call is ready"}


async def test_ws_token_as_the_bearer_subprotocol(server: LiveServer, alice: Account) -> None:
    async with connect(server.ws, subprotocols=["bearer", alice.access_token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "bearer"
        await ws.send(json.dumps({"action": "ping"}))
        assert await next_event(ws) == {"type": "pong"}


async def test_ws_signed_out_token_is_refused(server: LiveServer, alice: Account) -> None:
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{server.http}/api/auth/logout", headers=alice.headers)).status_code == 204
    assert (await refused_upgrade(f"{server.ws}?token={alice.access_token}"))[0] == 401


async def test_ws_session_ends_when_the_token_expires(local_settings: Settings, scripted_provider: Provider) -> None:
    auth = local_authenticator(Path(str(local_settings.db)), access_ttl=timedelta(seconds=2))
    with run_server(create_app(local_settings, provider=scripted_provider, auth=auth)) as server:
        account = sign_up(server.http, "brief")
        async with connect(f"{server.ws}?token={account.access_token}") as ws:
            await ws.send(json.dumps({"action": "ping"}))
            assert await next_event(ws) == {"type": "pong"}
            event = await next_event(ws, timeout=5)
            assert event["type"] == "error"
            assert event["code"] == "unauthorized"
            assert "expired" in event["message"]
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
