"""Pushing an event to a user's open sockets from outside a WebSocket invocation (REST, emulator)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from calledit.aws import push, rest
from calledit.aws.config import AwsSettings
from calledit.aws.connections import MemoryConnections
from calledit.aws.management import ClientGone, ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.domain.call import Verdict, VerdictOutcome
from calledit.domain.events import VerdictEvent


class Api(ManagementApi):
    """The management API's answers: a gone socket, a broken one, the rest delivered."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []

    def post(self, connection_id: str, data: str) -> None:
        if connection_id.startswith("gone"):
            raise ClientGone(connection_id)
        if connection_id.startswith("broken"):
            raise ConnectionError("reset by peer")
        self.posted.append((connection_id, json.loads(data)))


class Clients(ManagementClients):
    def __init__(self, api: Api, endpoint: str | None = "https://x.execute-api.eu-west-1.amazonaws.com/prod") -> None:
        super().__init__(endpoint)
        self.api = api

    def for_endpoint(self, endpoint: str) -> ManagementApi:
        return self.api


def verdict() -> VerdictEvent:
    return VerdictEvent(call_id="c-1", verdict=Verdict(verdict=VerdictOutcome.CONFIRMED, confidence=1.0,
                                                       reasoning="resolved by hand", verified_at=datetime.now(UTC)))


async def test_the_owners_sockets_get_it_a_gone_one_is_forgotten_a_broken_one_skipped() -> None:
    connections, api = MemoryConnections(), Api()
    for connection_id, user in [("a1", "alice"), ("gone-1", "alice"), ("broken-1", "alice"), ("a2", "alice"),
                                ("b1", "bob")]:
        connections.open(connection_id, user)
    assert await push.ConnectionPush(connections, Clients(api)).notify("alice", verdict()) == 2
    assert sorted(cid for cid, _ in api.posted) == ["a1", "a2"]
    assert all(body["type"] == "verdict" and body["call_id"] == "c-1" for _, body in api.posted)
    assert connections.get("gone-1") is None
    assert connections.get("broken-1") is not None  # not known to be gone: kept
    assert connections.get("b1") is not None


class SlowApi(Api):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def post(self, connection_id: str, data: str) -> None:
        time.sleep(self.delay)
        super().post(connection_id, data)


async def test_a_users_sockets_get_the_event_together_not_one_after_another() -> None:
    connections, api = MemoryConnections(), SlowApi(0.2)  # 200 ms per post
    for connection_id in ["a1", "a2", "a3", "a4", "gone-1"]:
        connections.open(connection_id, "alice")
    started = time.monotonic()
    assert await push.ConnectionPush(connections, Clients(api)).notify("alice", verdict()) == 4
    assert time.monotonic() - started < 0.7, "one post after another takes a second"
    assert sorted(cid for cid, _ in api.posted) == ["a1", "a2", "a3", "a4"]
    assert connections.get("gone-1") is None


async def test_without_an_endpoint_nothing_is_pushed() -> None:
    connections, api = MemoryConnections(), Api()
    connections.open("a1", "alice")
    assert await push.ConnectionPush(connections, Clients(api, None)).notify("alice", verdict()) == 0
    assert api.posted == []


def test_the_rest_function_pushes_only_with_a_table_and_an_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(model="scripted", db=str(tmp_path / "calls.db"), data_dir=tmp_path / "data")
    assert push.from_settings(AwsSettings(connections_table="t")) is None
    assert push.from_settings(AwsSettings(management_endpoint="https://x/prod")) is None
    plain = rest.build_handler(settings).app.state.calledit
    assert plain.remote_notify is None
    monkeypatch.setenv("CALLEDIT_CONNECTIONS_TABLE", "calledit-connections")
    monkeypatch.setenv("CALLEDIT_MANAGEMENT_ENDPOINT", "https://x.execute-api.eu-west-1.amazonaws.com/prod")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    wired = rest.build_handler(settings).app.state.calledit
    assert isinstance(getattr(wired.remote_notify, "__self__", None), push.ConnectionPush)
