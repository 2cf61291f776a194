"""Public track records: whether a user shows their shared calls and their record at `/u/{username}`, and under
which name. Off until the owner turns it on; turning it off answers 404 from the next request (docs/sharing.md).

The page shows only calls the owner shared (proof/shares.py), so a profile row holds no call data: just the
owner, the name in the address and the switch. Names are unique without regard to case.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from calledit.storage.base import CallStore

MAX_USERNAME = 64


class NameTaken(Exception):
    """Another user's public record has this name."""


@dataclass(frozen=True)
class PublicProfile:
    owner: str
    username: str
    enabled: bool


class PublicProfiles(Protocol):
    def of_owner(self, owner: str) -> PublicProfile | None: ...

    def by_username(self, username: str) -> PublicProfile | None:
        """The profile under this name (any case), on or off."""
        ...

    def save(self, owner: str, username: str, enabled: bool) -> PublicProfile:
        """Turn the owner's record on or off under `username`; NameTaken when another user has that name."""
        ...


def _stamp() -> str:
    return datetime.now(UTC).isoformat()


class SqliteProfiles:
    """In the store's own SQLite database (migration 0008)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.connect = connect

    def _one(self, sql: str, args: tuple[str, ...]) -> PublicProfile | None:
        row = self.connect().execute(sql, args).fetchone()
        return PublicProfile(row["owner"], row["username"], bool(row["enabled"])) if row else None

    def of_owner(self, owner: str) -> PublicProfile | None:
        return self._one("SELECT * FROM public_profiles WHERE owner = ?", (owner,))

    def by_username(self, username: str) -> PublicProfile | None:
        if not 0 < len(username) <= MAX_USERNAME:
            return None
        return self._one("SELECT * FROM public_profiles WHERE username = ?", (username,))

    def save(self, owner: str, username: str, enabled: bool) -> PublicProfile:
        try:
            self.connect().execute(
                "INSERT INTO public_profiles (owner, username, enabled, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (owner) DO UPDATE SET username = excluded.username, enabled = excluded.enabled,"
                " updated_at = excluded.updated_at",
                (owner, username, int(enabled), _stamp()),
            )
        except sqlite3.IntegrityError:
            raise NameTaken(username) from None
        return PublicProfile(owner, username, enabled)


class DynamoProfiles:
    """In the DynamoDB calls table, partition `#profile`: `owner#<owner>` (the switch and the name) and
    `name#<lower-case name>` (who holds the name), written together; the name item is claimed with a
    condition, so two users never share one."""

    PARTITION = "#profile"

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _key(self, name: str) -> dict[str, Any]:
        return {"owner": {"S": self.PARTITION}, "id": {"S": name}}

    def _get(self, name: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(TableName=self.table, Key=self._key(name),
                                                           ConsistentRead=True).get("Item")
        return item

    def of_owner(self, owner: str) -> PublicProfile | None:
        item = self._get(f"owner#{owner}")
        if item is None:
            return None
        return PublicProfile(owner, item["username"]["S"], bool(item["enabled"]["BOOL"]))

    def by_username(self, username: str) -> PublicProfile | None:
        if not 0 < len(username) <= MAX_USERNAME:
            return None
        name = self._get(f"name#{username.lower()}")
        return self.of_owner(name["profile_owner"]["S"]) if name else None

    def save(self, owner: str, username: str, enabled: bool) -> PublicProfile:
        current = self.of_owner(owner)
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": {
                **self._key(f"owner#{owner}"), "username": {"S": username}, "enabled": {"BOOL": enabled},
                "updated_at": {"S": _stamp()}}}},
            {"Put": {"TableName": self.table, "Item": {**self._key(f"name#{username.lower()}"),
                                                       "profile_owner": {"S": owner}},
                     "ConditionExpression": "attribute_not_exists(id) OR profile_owner = :me",
                     "ExpressionAttributeValues": {":me": {"S": owner}}}},
        ]
        if current is not None and current.username.lower() != username.lower():  # a new name frees the old
            items.append({"Delete": {"TableName": self.table, "Key": self._key(f"name#{current.username.lower()}")}})
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException:
            raise NameTaken(username) from None
        return PublicProfile(owner, username, enabled)


def profiles_of(store: CallStore) -> PublicProfiles | None:
    """The profiles kept beside `store`'s calls; None for an adapter without them."""
    from calledit.storage.sqlite import SqliteCallStore

    if isinstance(store, SqliteCallStore):
        return SqliteProfiles(store.connection)
    from calledit.storage.dynamodb import DynamoCallStore

    if isinstance(store, DynamoCallStore):
        return DynamoProfiles(store.table, store.client)
    return None
