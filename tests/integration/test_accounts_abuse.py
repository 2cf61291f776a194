"""Hostile use of local accounts, through the real server: password guessing spread over addresses,
forged X-Forwarded-For, guessable passwords, and the tokens of a deleted account."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calledit.cli.main import app as cli
from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import plausible_call
from calledit.server import create_app
from calledit.server.proxies import uvicorn_proxy_options
from tests.fixtures.auth import Account, bearer, local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server

PASSWORD = "correct horse battery"


@contextmanager
def accounts_server(settings: Settings, provider: Provider, **changes: Any) -> Iterator[LiveServer]:
    tuned = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000, **changes})
    with run_server(create_app(tuned, provider=provider, auth=local_authenticator(Path(str(tuned.db))))) as server:
        yield server


def sign_in(server: LiveServer, username: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return httpx.post(f"{server.http}/api/auth/token", headers=headers,
                      json={"grant_type": "password", "username": username, "password": password})


def refresh(server: LiveServer, account: Account) -> httpx.Response:
    return httpx.post(f"{server.http}/api/auth/token",
                      json={"grant_type": "refresh_token", "refresh_token": account.refresh_token})


def log_call(server: LiveServer, account: Account, prompt: str) -> httpx.Response:
    body = {**plausible_call(prompt, datetime(2026, 11, 21, 15, tzinfo=UTC)), "raw_prompt": prompt,
            "timezone": "Europe/Paris", "model": "scripted (test double)"}
    return httpx.post(f"{server.http}/api/calls", headers=account.headers, json=body)


async def upgrade_status(url: str) -> int:
    try:
        async with connect(url):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    assert response.json()["message"]


# --- per-account throttling ---------------------------------------------------------------------------


def test_wrong_passwords_from_many_addresses_lock_the_account(settings: Settings,
                                                              scripted_provider: Provider) -> None:
    # 127.0.0.1 is a trusted proxy here, so every attempt really does come from another address.
    with accounts_server(settings, scripted_provider, trusted_proxies=["127.0.0.1"],
                         auth_failures_per_account=3, auth_failure_window_seconds=600) as server:
        sign_up(server.http, "alice")
        sign_up(server.http, "bob")
        guesses = [sign_in(server, "alice", f"guess-{n}-xyz", f"198.51.100.{n}").status_code for n in range(3)]
        assert guesses == [401, 401, 401]
        for username, password in (("alice", PASSWORD), ("ALICE", PASSWORD), ("alice", "guess-3-xyz")):
            locked = sign_in(server, username, password, "203.0.113.77")
            assert locked.status_code == 429, "right or wrong, the answer is the same while locked"
            assert locked.json()["code"] == "rate_limited"
            assert "wrong passwords for this account" in locked.json()["message"]
            assert 1 <= int(locked.headers["retry-after"]) <= 200  # one try back every 600 s / 3
        assert sign_in(server, "bob", PASSWORD, "203.0.113.77").status_code == 200, "other accounts are not locked"


def test_a_right_password_clears_the_count(settings: Settings, scripted_provider: Provider) -> None:
    with accounts_server(settings, scripted_provider, auth_failures_per_account=3) as server:
        sign_up(server.http, "alice")
        statuses = [sign_in(server, "alice", password).status_code
                    for password in ("nope-nope-1", "nope-nope-2", PASSWORD, "nope-nope-3", "nope-nope-4", PASSWORD)]
        assert statuses == [401, 401, 200, 401, 401, 200]


def test_unknown_usernames_lock_like_real_ones(settings: Settings, scripted_provider: Provider) -> None:
    """Otherwise a 429 would tell an attacker which usernames exist."""
    with accounts_server(settings, scripted_provider, auth_failures_per_account=2) as server:
        sign_up(server.http, "alice")
        real = [sign_in(server, "alice", f"nope-nope-{n}").status_code for n in range(3)]
        unknown = [sign_in(server, "nobody-here", f"nope-nope-{n}").status_code for n in range(3)]
        assert real == unknown == [401, 401, 429]


# --- forwarded headers --------------------------------------------------------------------------------


def test_a_rotated_forwarded_for_does_not_escape_the_per_ip_limit(settings: Settings,
                                                                  scripted_provider: Provider) -> None:
    with accounts_server(settings, scripted_provider, auth_per_minute_ip=10) as server:  # a burst of 5
        statuses = [sign_in(server, f"user{n}", "guess-guess", f"10.9.8.{n}").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(settings: Settings,
                                                             scripted_provider: Provider) -> None:
    with accounts_server(settings, scripted_provider, auth_per_minute_ip=10,
                         trusted_proxies=["127.0.0.0/8"]) as server:
        spread = [sign_in(server, f"user{n}", "guess-guess", f"10.9.8.{n}").status_code for n in range(7)]
        one_client = [sign_in(server, f"other{n}", "guess-guess", "10.9.9.9").status_code for n in range(6)]
    assert spread == [401] * 7, "each forwarded client has its own bucket"
    assert one_client == [401] * 5 + [429]


def test_trusted_proxies_setting() -> None:
    assert Settings(trusted_proxies="10.0.0.0/8, 127.0.0.1").trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    assert Settings().trusted_proxies == []
    with pytest.raises(ValidationError, match=r"CALLEDIT_TRUSTED_PROXIES: 'proxy\.internal' is not an IP"):
        Settings(trusted_proxies="proxy.internal")
    assert uvicorn_proxy_options([]) == {"proxy_headers": False}, "uvicorn's own default trusts 127.0.0.1"
    assert uvicorn_proxy_options(["10.0.0.5"]) == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5"]}


# --- guessable passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "password", "words"), [
    ("alice", "Password123", "most common"),
    ("alice", "sunshine", "most common"),
    ("mallory", "MALLORY-rocks", "must not contain the username"),
])
def test_signup_refuses_guessable_passwords(settings: Settings, scripted_provider: Provider,
                                            username: str, password: str, words: str) -> None:
    with accounts_server(settings, scripted_provider) as server:
        response = httpx.post(f"{server.http}/api/auth/signup", json={"username": username, "password": password})
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"
        assert words in response.json()["message"]
        assert sign_in(server, username, password).status_code == 401, "no account was made"


def test_user_add_refuses_a_common_password(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(settings.db))
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli, ["user", "add", "alice", "--password", "iloveyou123"])
    assert result.exit_code == 1
    assert "most common" in result.output and "Traceback" not in result.output


# --- deleted accounts ---------------------------------------------------------------------------------


def test_tokens_of_a_user_row_deleted_by_hand_are_401_not_500(settings: Settings,
                                                              scripted_provider: Provider) -> None:
    with accounts_server(settings, scripted_provider) as server:
        alice = sign_up(server.http, "alice")
        with sqlite3.connect(str(settings.db)) as conn:  # the sqlite3 shell: foreign keys off, no cascade
            conn.execute("DELETE FROM users WHERE username = 'alice'")
        conn.close()
        assert_unauthorized(httpx.get(f"{server.http}/api/calls", headers=alice.headers))
        assert_unauthorized(refresh(server, alice))


def test_user_delete_revokes_the_tokens_and_takes_the_calls(settings: Settings, scripted_provider: Provider,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(settings.db))
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(settings.data_dir))
    with accounts_server(settings, scripted_provider) as server:
        alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
        for prompt in ("It rains in Paris tomorrow", "It snows in Oslo tomorrow"):
            assert log_call(server, alice, prompt).status_code == 201
        assert log_call(server, bob, "Bob's call").status_code == 201

        asked = CliRunner().invoke(cli, ["user", "delete", "alice"], input="n\n")
        assert asked.exit_code == 1 and "Nothing deleted" in asked.output
        assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).status_code == 200

        result = CliRunner().invoke(cli, ["users", "delete", "Alice", "--yes"])
        assert result.exit_code == 0, result.output
        assert "Deleted alice" in result.output and "2 call(s)" in result.output

        assert_unauthorized(httpx.get(f"{server.http}/api/calls", headers=alice.headers))
        assert_unauthorized(httpx.get(f"{server.http}/api/auth/me", headers=alice.headers))
        assert_unauthorized(refresh(server, alice))
        assert asyncio.run(upgrade_status(f"{server.ws}?token={alice.access_token}")) == 401
        with sqlite3.connect(str(settings.db)) as conn:
            left = conn.execute("SELECT COUNT(*) FROM calls WHERE owner = ?", (alice.id,)).fetchone()[0]
        conn.close()
        assert left == 0
        bobs = httpx.get(f"{server.http}/api/calls", headers=bob.headers).json()["items"]
        assert [c["raw_prompt"] for c in bobs] == ["Bob's call"]
        again = sign_up(server.http, "alice")  # the name is free; nothing of the old account comes back
        assert again.id != alice.id
        assert httpx.get(f"{server.http}/api/calls", headers=bearer(again.access_token)).json()["items"] == []

        missing = CliRunner().invoke(cli, ["user", "delete", "nobody", "--yes"])
        assert missing.exit_code == 1 and "No user named 'nobody'" in missing.output
