"""Personal API tokens over the real server (CALLEDIT_AUTH=local): made once, hashed at rest, listed without
the secret, usable on REST and /ws for their owner only, gone with a delete or with the account."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calledit.auth.api_tokens import ApiTokens
from calledit.auth.errors import AuthError
from calledit.auth.local import LocalAuth
from calledit.auth.oidc import OidcVerifier
from calledit.auth.service import Authenticator
from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import plausible_call
from calledit.server import create_app
from calledit.storage.sqlite import SqliteCallStore
from tests.fixtures.auth import Account, bearer, local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, until

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    local = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})
    auth = local_authenticator(Path(str(local.db)))
    with run_server(create_app(local, provider=scripted_provider, auth=auth)) as running:
        yield running


def content(prompt: str) -> dict[str, Any]:
    return {**plausible_call(prompt, NOW), "raw_prompt": prompt, "timezone": "UTC", "model": "scripted"}


def make_token(server: LiveServer, account: Account, name: str = "laptop", **extra: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.http}/api/tokens", json={"name": name, **extra}, headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_token_is_shown_once_kept_as_a_hash_and_listed_without_its_secret(
    server: LiveServer, settings: Settings
) -> None:
    alice = sign_up(server.http, "alice")
    made = make_token(server, alice, expires_in_days=30)
    token = made["token"]
    assert token.startswith("cit_") and len(token) >= 40 and made["hint"] == token[:8]
    assert datetime.fromisoformat(made["expires_at"]) > datetime.now(UTC) + timedelta(days=29)
    listed = httpx.get(f"{server.http}/api/tokens", headers=alice.headers).json()["items"]
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    with sqlite3.connect(str(settings.db)) as db:
        rows = db.execute("SELECT * FROM api_tokens").fetchall()
    stored = " ".join(str(cell) for row in rows for cell in row)
    assert token not in stored and token[8:] not in stored  # never the secret
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_token_acts_as_its_owner_on_rest_and_only_as_its_owner(server: LiveServer) -> None:
    alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
    token = make_token(server, alice)["token"]
    with httpx.Client(base_url=f"{server.http}/api", headers=bearer(token)) as as_alice:
        call = as_alice.post("/calls", json=content("It rains in Paris tomorrow")).json()
        assert as_alice.get("/calls").json()["items"][0]["id"] == call["id"]
        assert as_alice.get("/auth/me").json()["id"] == alice.id
        assert as_alice.get("/export").status_code == 200
        refused = as_alice.post("/tokens", json={"name": "another"})
        assert refused.status_code == 403 and "sign in" in refused.json()["message"]
        assert as_alice.post("/auth/logout").status_code == 401
    assert httpx.get(f"{server.http}/api/calls/{call['id']}", headers=bob.headers).status_code == 404
    bobs_tokens = httpx.get(f"{server.http}/api/tokens", headers=bob.headers).json()["items"]
    assert bobs_tokens == []
    alices = httpx.get(f"{server.http}/api/tokens", headers=alice.headers).json()["items"]
    assert httpx.delete(f"{server.http}/api/tokens/{alices[0]['id']}", headers=bob.headers).status_code == 404
    assert alices[0]["last_used_at"] is not None


async def test_a_token_opens_the_websocket_with_query_token(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    token = make_token(server, alice)["token"]
    async with connect(f"{server.ws}?token={token}") as ws:
        await makecall(ws, "It rains in Lima tomorrow")
        events = await until(ws, finished)
        assert events[-1] == {"type": "status", "status": "complete", "message": "Your call is ready"}
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{server.ws}?token=cit_{'x' * 43}"):
            pass
    assert refused.value.response.status_code == 401


def test_a_deleted_or_expired_token_stops_working_at_once(server: LiveServer, settings: Settings) -> None:
    alice = sign_up(server.http, "alice")
    made = make_token(server, alice)
    assert httpx.get(f"{server.http}/api/calls", headers=bearer(made["token"])).status_code == 200
    assert httpx.delete(f"{server.http}/api/tokens/{made['id']}", headers=alice.headers).status_code == 204
    gone = httpx.get(f"{server.http}/api/calls", headers=bearer(made["token"]))
    assert gone.status_code == 401 and "POST /api/tokens" in gone.json()["message"]
    assert httpx.delete(f"{server.http}/api/tokens/{made['id']}", headers=alice.headers).status_code == 404
    store = SqliteCallStore(str(settings.db))
    past = ApiTokens(store, clock=lambda: datetime.now(UTC) - timedelta(days=2))
    _, expired = past.create(alice.id, "old", expires_in_days=1)
    store.close()
    answer = httpx.get(f"{server.http}/api/calls", headers=bearer(expired))
    assert answer.status_code == 401 and "expired" in answer.json()["message"]


def test_deleting_the_account_removes_its_tokens(server: LiveServer, settings: Settings) -> None:
    alice = sign_up(server.http, "alice")
    token = make_token(server, alice)["token"]
    auth = local_authenticator(Path(str(settings.db)))
    assert isinstance(auth.local, LocalAuth)
    assert auth.local.delete_user("alice") is not None
    auth.close()
    assert httpx.get(f"{server.http}/api/calls", headers=bearer(token)).status_code == 401
    with sqlite3.connect(str(settings.db)) as db:
        assert db.execute("SELECT COUNT(*) FROM api_tokens").fetchone() == (0,)


def test_token_bodies_are_checked(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    for body in ({"name": ""}, {"name": "x", "expires_in_days": 0}, {"name": "x", "expires_in_days": 4000},
                 {"name": "x", "scope": "admin"}):
        response = httpx.post(f"{server.http}/api/tokens", json=body, headers=alice.headers)
        assert response.status_code == 422 and response.json()["code"] == "bad_request", body
    assert httpx.get(f"{server.http}/api/tokens").status_code == 401  # signed out: nothing to see


async def test_with_oidc_a_token_names_the_subject_it_was_made_for(tmp_path: Path) -> None:
    """Accounts at an identity provider: the token still acts as the subject that made it (no JWKS fetch)."""
    store = SqliteCallStore(tmp_path / "calls.db")
    auth = Authenticator("oidc", oidc=OidcVerifier("http://127.0.0.1:9/never-fetched", "client"))
    auth.accept_api_tokens(store)
    assert auth.api_tokens is not None
    _, token = auth.api_tokens.create("cognito-sub-123", "script")
    principal = await auth.authenticate(token)
    assert principal.user_id == "cognito-sub-123" and principal.claims["auth"] == "api_token"
    with pytest.raises(AuthError, match="Unknown or deleted API token"):
        await auth.authenticate("cit_" + "y" * 43)
    store.close()
