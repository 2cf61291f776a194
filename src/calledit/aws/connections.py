"""Connection bookkeeping: one item per open WebSocket, written on $connect, deleted on $disconnect.

Each message is its own Lambda invocation, so the protocol's per-connection rules (one run at a time,
`cancel` stops it) live here instead of in memory: a run takes a lease on its connection with a
conditional write (a second makecall gets `busy`), `cancel` marks the leased run, and the running
invocation polls for that mark. Items expire through the table's TTL if a $disconnect never comes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from calledit.aws.config import AwsSettings

BY_USER = "by_user"

# The table's layout, for create_table (emulator, tests) and the SAM template's ConnectionsTable.
CONNECTIONS_TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "connection_id", "AttributeType": "S"},
        {"AttributeName": "user_id", "AttributeType": "S"},
    ],
    "KeySchema": [{"AttributeName": "connection_id", "KeyType": "HASH"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": BY_USER,
            "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class ConnectionInfo:
    connection_id: str
    user_id: str
    connected_at: float
    run_id: str | None = None
    run_until: float = 0.0
    cancel_run: str | None = None


class ConnectionStore(Protocol):
    def open(self, connection_id: str, user_id: str) -> None:
        """Record a new connection and who it belongs to."""
        ...

    def close(self, connection_id: str) -> None: ...

    def get(self, connection_id: str) -> ConnectionInfo | None: ...

    def start_run(self, connection_id: str, run_id: str, lease_s: float) -> bool:
        """Take the connection for one run; False when another run holds a live lease (busy)."""
        ...

    def finish_run(self, connection_id: str, run_id: str) -> None:
        """Give the lease back (only if `run_id` still holds it)."""
        ...

    def request_cancel(self, connection_id: str) -> bool:
        """Mark the running run as cancelled; False when nothing is running."""
        ...

    def cancel_requested(self, connection_id: str, run_id: str) -> bool: ...

    def for_user(self, user_id: str) -> list[str]:
        """Open connection ids of a user (to push verdicts)."""
        ...


class MemoryConnections:
    """In-process connections, for the emulator when no DynamoDB is configured. Same rules as the table."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._items: dict[str, ConnectionInfo] = {}
        self._lock = threading.Lock()

    def open(self, connection_id: str, user_id: str) -> None:
        with self._lock:
            self._items[connection_id] = ConnectionInfo(connection_id, user_id, self._clock())

    def close(self, connection_id: str) -> None:
        with self._lock:
            self._items.pop(connection_id, None)

    def get(self, connection_id: str) -> ConnectionInfo | None:
        with self._lock:
            return self._items.get(connection_id)

    def start_run(self, connection_id: str, run_id: str, lease_s: float) -> bool:
        now = self._clock()
        with self._lock:
            info = self._items.get(connection_id) or ConnectionInfo(connection_id, "", now)
            if info.run_id is not None and info.run_until > now:
                return False
            self._items[connection_id] = replace(info, run_id=run_id, run_until=now + lease_s, cancel_run=None)
            return True

    def finish_run(self, connection_id: str, run_id: str) -> None:
        with self._lock:
            info = self._items.get(connection_id)
            if info is not None and info.run_id == run_id:
                self._items[connection_id] = replace(info, run_id=None, run_until=0.0, cancel_run=None)

    def request_cancel(self, connection_id: str) -> bool:
        now = self._clock()
        with self._lock:
            info = self._items.get(connection_id)
            if info is None or info.run_id is None or info.run_until <= now:
                return False
            self._items[connection_id] = replace(info, cancel_run=info.run_id)
            return True

    def cancel_requested(self, connection_id: str, run_id: str) -> bool:
        with self._lock:
            info = self._items.get(connection_id)
            return info is not None and info.cancel_run == run_id

    def for_user(self, user_id: str) -> list[str]:
        with self._lock:
            return [cid for cid, info in self._items.items() if info.user_id == user_id]


class DynamoConnections:
    """The connections table (CONNECTIONS_TABLE) through a low-level DynamoDB client."""

    def __init__(
        self, table: str, client: Any, *, ttl_s: int = 3 * 3600, clock: Callable[[], float] = time.time
    ) -> None:
        self.table = table
        self.client = client
        self.ttl_s = ttl_s
        self._clock = clock

    def create_table(self) -> bool:
        """Create the table (with TTL on expires_at) if it does not exist; True when created."""
        try:
            self.client.create_table(TableName=self.table, **CONNECTIONS_TABLE)
        except self.client.exceptions.ResourceInUseException:
            return False
        self.client.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1})
        self.client.update_time_to_live(
            TableName=self.table, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )
        return True

    def _key(self, connection_id: str) -> dict[str, Any]:
        return {"connection_id": {"S": connection_id}}

    def _expires(self) -> dict[str, str]:
        return {"N": str(int(self._clock()) + self.ttl_s)}

    def open(self, connection_id: str, user_id: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                **self._key(connection_id),
                "user_id": {"S": user_id},
                "connected_at": {"N": repr(self._clock())},
                TTL_ATTRIBUTE: self._expires(),
            },
        )

    def close(self, connection_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(connection_id))

    def get(self, connection_id: str) -> ConnectionInfo | None:
        item = self.client.get_item(TableName=self.table, Key=self._key(connection_id), ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return None
        return ConnectionInfo(
            connection_id=connection_id,
            user_id=item.get("user_id", {}).get("S", ""),
            connected_at=float(item.get("connected_at", {}).get("N", "0")),
            run_id=item.get("run_id", {}).get("S"),
            run_until=float(item.get("run_until", {}).get("N", "0")),
            cancel_run=item.get("cancel_run", {}).get("S"),
        )

    def start_run(self, connection_id: str, run_id: str, lease_s: float) -> bool:
        now = self._clock()
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(connection_id),
                UpdateExpression="SET run_id = :run, run_until = :until, #ttl = if_not_exists(#ttl, :ttl)"
                " REMOVE cancel_run",
                ConditionExpression="attribute_not_exists(run_id) OR run_until < :now",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":run": {"S": run_id},
                    ":until": {"N": repr(now + lease_s)},
                    ":now": {"N": repr(now)},
                    ":ttl": self._expires(),
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def finish_run(self, connection_id: str, run_id: str) -> None:
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.update_item(
                TableName=self.table,
                Key=self._key(connection_id),
                UpdateExpression="REMOVE run_id, run_until, cancel_run",
                ConditionExpression="run_id = :run",  # also false when the connection item is gone
                ExpressionAttributeValues={":run": {"S": run_id}},
            )

    def request_cancel(self, connection_id: str) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(connection_id),
                UpdateExpression="SET cancel_run = run_id",
                ConditionExpression="attribute_exists(run_id) AND run_until > :now",
                ExpressionAttributeValues={":now": {"N": repr(self._clock())}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def cancel_requested(self, connection_id: str, run_id: str) -> bool:
        item = self.client.get_item(
            TableName=self.table,
            Key=self._key(connection_id),
            ConsistentRead=True,
            ProjectionExpression="cancel_run",
        ).get("Item")
        return bool(item) and item.get("cancel_run", {}).get("S") == run_id

    def for_user(self, user_id: str) -> list[str]:
        found: list[str] = []
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_USER,
            "KeyConditionExpression": "user_id = :user",
            "ExpressionAttributeValues": {":user": {"S": user_id}},
        }
        while True:
            page = self.client.query(**query)
            found += [item["connection_id"]["S"] for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def build_connections(aws: AwsSettings) -> ConnectionStore:
    """The connection table from the Lambda settings (in memory without a table name: local and tests)."""
    if not aws.connections_table:
        return MemoryConnections()
    from calledit.aws.management import boto_client

    return DynamoConnections(
        aws.connections_table, boto_client("dynamodb", aws.dynamodb_endpoint), ttl_s=aws.connection_ttl_s
    )
