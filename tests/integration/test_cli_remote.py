"""`calledit --server URL --token cit_...`: the tracker commands against a running server over REST, signed in
with a personal API token, printing what they print locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from calledit.cli.main import app
from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import plausible_call
from calledit.server import create_app
from tests.fixtures.auth import local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    local = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})
    with run_server(create_app(local, provider=scripted_provider, auth=local_authenticator(Path(str(local.db))))) as s:
        yield s


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's own database is not the server's: whatever it shows came over REST.
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "cli-own.db"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CALLEDIT_SERVER", raising=False)
    monkeypatch.delenv("CALLEDIT_TOKEN", raising=False)


def remote(server: LiveServer, token: str, *args: str) -> str:
    result = runner.invoke(app, ["--server", server.http, "--token", token, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_list_show_search_tag_export_import_and_stats_over_rest(server: LiveServer, tmp_path: Path) -> None:
    alice = sign_up(server.http, "alice")
    token = httpx.post(f"{server.http}/api/tokens", json={"name": "cli"}, headers=alice.headers).json()["token"]
    body: dict[str, Any] = {**plausible_call("The Celtics win tonight", NOW), "raw_prompt": "The Celtics win tonight",
                            "timezone": "America/New_York", "model": "scripted", "confidence": 0.7}
    call = httpx.post(f"{server.http}/api/calls", json=body, headers=alice.headers).json()
    listed = remote(server, token, "list")
    assert "The Celtics win tonight" in listed and "70%" in listed and "checking" in listed
    assert "EST" in listed  # the date on the call's own clock
    assert json.loads(remote(server, token, "list", "--json"))["items"][0]["id"] == call["id"]
    assert "Celtics" in remote(server, token, "show", call["id"][:8])
    assert "Celtics" in remote(server, token, "search", "celt")
    assert "sports" in remote(server, token, "tag", call["id"][:8], "sports")
    remote(server, token, "forecast", call["id"][:8], "85%")
    out = tmp_path / "export.json"
    remote(server, token, "export", "--out", str(out))
    exported = json.loads(out.read_text())
    assert [c["tags"] for c in exported["calls"]] == [["sports"]]
    assert [a["action"] for a in exported["calls"][0]["history"]] == ["tagged", "confidence"]
    assert "skipped 1" in remote(server, token, "import", str(out))
    stats = json.loads(remote(server, token, "stats", "--json"))
    assert stats["total"] == 1 and stats["by_tag"][0]["tag"] == "sports"
    # what the server says went wrong reaches the terminal as one line
    missing = runner.invoke(app, ["--server", server.http, "--token", token, "show", "nope"])
    assert missing.exit_code == 1 and "No call with id" in missing.output
    bad = runner.invoke(app, ["--server", server.http, "--token", "cit_" + "x" * 43, "list"])
    assert bad.exit_code == 1 and "--token cit_" in " ".join(bad.output.split())
