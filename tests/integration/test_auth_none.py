"""CALLEDIT_AUTH=none: one local user, loopback only. The guards that make that safe."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calledit.auth.service import build_authenticator
from calledit.cli.main import app as cli
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from tests.fixtures.server import LiveServer
from tests.fixtures.wsclient import next_event


def test_config_says_none(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.http}/api/auth/config").json() == {"mode": "none"}
    me = httpx.get(f"{live_server.http}/api/auth/me").json()
    assert me == {"id": "local", "username": "local", "mode": "none", "expires_at": None}


def test_tokens_are_ignored_not_required(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.http}/api/calls").status_code == 200
    assert httpx.get(f"{live_server.http}/api/calls", headers={"Authorization": "Bearer junk"}).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_serve_refuses_to_bind_beyond_loopback_without_auth(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("CALLEDIT_AUTH", "none")
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--model", "scripted"])
    assert result.exit_code == 1
    assert "Refusing to bind" in result.output
    assert "CALLEDIT_AUTH=local" in result.output


def test_oidc_without_an_issuer_says_what_to_set(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="CALLEDIT_OIDC_ISSUER"):
        build_authenticator(settings.model_copy(update={"auth": "oidc"}))


def test_local_accounts_are_not_offered_on_dynamodb(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="CALLEDIT_AUTH=oidc"):
        build_authenticator(settings.model_copy(update={"auth": "local", "db": "dynamodb://calls"}))


def test_dns_rebinding_is_refused(live_server: LiveServer) -> None:
    """A page on evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example."""
    response = httpx.get(f"{live_server.http}/api/calls", headers={"Host": "evil.example:8000"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert httpx.get(f"{live_server.http}/api/calls", headers={"Host": host}).status_code == 200, host


async def test_ws_from_a_foreign_page_is_refused(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(live_server.ws, origin="https://evil.example"):  # type: ignore[arg-type]
            pass
    assert caught.value.response.status_code == 403
    assert json.loads(caught.value.response.body or b"{}")["code"] == "forbidden"


async def test_ws_from_the_app_own_page_and_from_tools_is_accepted(live_server: LiveServer) -> None:
    own = f"http://127.0.0.1:{live_server.port}"
    async with connect(live_server.ws, origin=own) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"action": "ping"}))
        assert await next_event(ws) == {"type": "pong"}
    async with connect(live_server.ws) as ws:  # no Origin: wscat, the CLI
        await ws.send(json.dumps({"action": "ping"}))
        assert await next_event(ws) == {"type": "pong"}


async def test_ws_with_a_bearer_subprotocol_is_accepted_even_without_auth(live_server: LiveServer) -> None:
    async with connect(live_server.ws, subprotocols=["bearer", "anything"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "bearer"
