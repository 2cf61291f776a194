"""Connection bookkeeping, one contract for the DynamoDB table (on DynamoDB Local) and the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calledit.aws.connections import ConnectionStore, DynamoConnections, MemoryConnections
from tests.fixtures.dynamodb import DynamoLocal


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "dynamodb"])
def connections(request: pytest.FixtureRequest, clock: Clock) -> Iterator[ConnectionStore]:
    if request.param == "memory":
        yield MemoryConnections(clock=clock)
        return
    local: DynamoLocal = request.getfixturevalue("dynamodb_local")
    table = DynamoConnections(local.table_name("connections"), local.client(), ttl_s=3600, clock=clock)
    assert table.create_table() is True
    assert table.create_table() is False  # idempotent
    yield table


def test_open_get_close(connections: ConnectionStore, clock: Clock) -> None:
    connections.open("c1", "alice")
    info = connections.get("c1")
    assert info is not None and info.user_id == "alice" and info.connected_at == clock.now
    assert info.run_id is None
    connections.close("c1")
    assert connections.get("c1") is None
    connections.close("c1")  # closing twice is harmless


def test_for_user_lists_only_that_users_connections(connections: ConnectionStore) -> None:
    connections.open("c1", "alice")
    connections.open("c2", "alice")
    connections.open("c3", "bob")
    assert sorted(connections.for_user("alice")) == ["c1", "c2"]
    assert connections.for_user("carol") == []


def test_one_run_at_a_time(connections: ConnectionStore) -> None:
    connections.open("c1", "alice")
    assert connections.start_run("c1", "run-1", 300) is True
    assert connections.start_run("c1", "run-2", 300) is False  # busy
    connections.finish_run("c1", "run-2")  # not the holder: changes nothing
    assert connections.start_run("c1", "run-3", 300) is False
    connections.finish_run("c1", "run-1")
    assert connections.start_run("c1", "run-4", 300) is True
    connections.open("c2", "alice")
    assert connections.start_run("c2", "run-5", 300) is True  # other connections are independent


def test_a_lease_expires_so_a_crashed_run_cannot_wedge_the_connection(
    connections: ConnectionStore, clock: Clock
) -> None:
    connections.open("c1", "alice")
    assert connections.start_run("c1", "run-1", 300) is True
    clock.now += 299
    assert connections.start_run("c1", "run-2", 300) is False
    clock.now += 2
    assert connections.start_run("c1", "run-2", 300) is True
    assert connections.request_cancel("c1") is True
    assert connections.cancel_requested("c1", "run-1") is False  # the mark is for run-2


def test_cancel_marks_only_the_running_run(connections: ConnectionStore) -> None:
    connections.open("c1", "alice")
    assert connections.request_cancel("c1") is False  # nothing running
    connections.start_run("c1", "run-1", 300)
    assert connections.cancel_requested("c1", "run-1") is False
    assert connections.request_cancel("c1") is True
    assert connections.cancel_requested("c1", "run-1") is True
    connections.finish_run("c1", "run-1")
    assert connections.request_cancel("c1") is False
    connections.start_run("c1", "run-2", 300)  # a new run starts without the old mark
    assert connections.cancel_requested("c1", "run-2") is False


def test_finishing_after_disconnect_does_not_resurrect_the_connection(connections: ConnectionStore) -> None:
    connections.open("c1", "alice")
    connections.start_run("c1", "run-1", 300)
    connections.close("c1")
    connections.finish_run("c1", "run-1")
    assert connections.get("c1") is None
    assert connections.request_cancel("c1") is False
    assert connections.cancel_requested("c1", "run-1") is False


def test_dynamo_items_carry_a_ttl(dynamodb_local: DynamoLocal, clock: Clock) -> None:
    table = DynamoConnections(dynamodb_local.table_name("connections"), dynamodb_local.client(), ttl_s=3600,
                              clock=clock)
    table.create_table()
    table.open("c1", "alice")
    item = table.client.get_item(TableName=table.table, Key={"connection_id": {"S": "c1"}})["Item"]
    assert int(item["expires_at"]["N"]) == int(clock.now) + 3600
    ttl = table.client.describe_time_to_live(TableName=table.table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
