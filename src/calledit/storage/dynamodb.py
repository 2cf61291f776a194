"""DynamoDB adapter: `CALLEDIT_DB=dynamodb://TABLE?endpoint=URL&region=REGION`.

One item per call, keyed by owner (partition) and id (sort), so reading, replacing and deleting a call
are single-key operations that can never touch another user's data. Listing, newest first, goes
through a local secondary index on `created` (`<created_at>#<id>`): an LSI, unlike a GSI, can be read
strongly consistent, so a call is listed as soon as `add` returns. The call is stored as its JSON
document beside the key attributes, as in SQLite: no float-to-Decimal round trips.

The table layout is `CALLS_TABLE`; deploy/aws/template.yaml declares the same (a test holds them equal).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from calledit.domain.call import Call, CallCreate, CallPage
from calledit.domain.errors import ConfigurationError
from calledit.storage.base import check_limit, decode_cursor, encode_cursor, new_call

log = logging.getLogger(__name__)

BY_CREATED = "by_created"

# What the table looks like, for create_table and for the SAM template's CallsTable.
CALLS_TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "owner", "AttributeType": "S"},
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "created", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "id", "KeyType": "RANGE"},
    ],
    "LocalSecondaryIndexes": [
        {
            "IndexName": BY_CREATED,
            "KeySchema": [
                {"AttributeName": "owner", "KeyType": "HASH"},
                {"AttributeName": "created", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["doc"]},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def stamp(value: datetime) -> str:
    """Sortable UTC text (the same form SQLite's index columns and the list cursor use)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def created_key(created_at: str, call_id: str) -> str:
    return f"{created_at}#{call_id}"


def dynamo_client(endpoint: str | None, region: str | None) -> Any:
    """A low-level DynamoDB client. A local endpoint (DynamoDB Local) takes any credentials."""
    import boto3

    session = boto3.Session()
    region = region or session.region_name or ("us-east-1" if endpoint else None)
    if region is None:
        raise ConfigurationError(
            "DynamoDB needs a region: set AWS_REGION, or add ?region=REGION to CALLEDIT_DB."
        )
    options: dict[str, Any] = {"region_name": region}
    if endpoint:
        options["endpoint_url"] = endpoint
        if session.get_credentials() is None:
            options.update(aws_access_key_id="local", aws_secret_access_key="local")
    return session.client("dynamodb", **options)


def parse_dynamodb_url(url: str) -> tuple[str, dict[str, str]]:
    """`dynamodb://TABLE?endpoint=URL&region=R&create=1` -> (table, options), or a ConfigurationError."""
    parts = urlsplit(url)
    table = parts.netloc
    if parts.scheme != "dynamodb" or not table or parts.path not in ("", "/"):
        raise ConfigurationError(
            f"CALLEDIT_DB={url!r} is not a DynamoDB URL: write dynamodb://TABLE, optionally with "
            "?endpoint=http://127.0.0.1:8000 for DynamoDB Local and &region=REGION."
        )
    options: dict[str, str] = {}
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key not in ("endpoint", "region", "create"):
            raise ConfigurationError(
                f"Unknown option {key!r} in CALLEDIT_DB: dynamodb:// takes endpoint, region and create."
            )
        options[key] = values[-1]
    return table, options


class DynamoCallStore:
    """The `CallStore` port over one DynamoDB table (see CALLS_TABLE)."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    @classmethod
    def from_url(cls, url: str) -> DynamoCallStore:
        """Build from CALLEDIT_DB. With a local `endpoint` the table is created if missing (create=0 stops
        that); on AWS the stack creates it and the functions may not."""
        table, options = parse_dynamodb_url(url)
        endpoint = options.get("endpoint") or None
        store = cls(table, dynamo_client(endpoint, options.get("region") or None))
        if options.get("create", "1" if endpoint else "0") not in ("0", "false", "no", ""):
            store.create_table()
        return store

    def create_table(self) -> bool:
        """Create the table if it does not exist; True when it was created."""
        errors = self.client.exceptions
        try:
            self.client.create_table(TableName=self.table, **CALLS_TABLE)
        except errors.ResourceInUseException:
            return False
        self.client.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1})
        log.info("table=<%s> | created the calls table", self.table)
        return True

    # --- the port ---------------------------------------------------------------------------------

    def add(self, owner: str, call: CallCreate) -> Call:
        stored = new_call(call)
        self.client.put_item(
            TableName=self.table,
            Item=self._item(owner, stored),
            ConditionExpression="attribute_not_exists(id)",
        )
        return stored

    def get(self, owner: str, call_id: str) -> Call | None:
        found = self.client.get_item(
            TableName=self.table,
            Key=self._key(owner, call_id),
            ConsistentRead=True,
            ProjectionExpression="doc",
        ).get("Item")
        return Call.model_validate_json(found["doc"]["S"]) if found else None

    def list(self, owner: str, limit: int = 20, cursor: str | None = None) -> CallPage:
        check_limit(limit)
        condition = "#owner = :owner"
        values: dict[str, Any] = {":owner": {"S": owner}}
        if cursor:
            created_at, call_id = decode_cursor(cursor)
            condition += " AND created < :after"
            values[":after"] = {"S": created_key(created_at, call_id)}
        rows: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(rows) <= limit:  # one more than asked tells whether there is a next page
            query: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": BY_CREATED,
                "KeyConditionExpression": condition,
                "ExpressionAttributeNames": {"#owner": "owner"},
                "ExpressionAttributeValues": values,
                "ScanIndexForward": False,
                "ConsistentRead": True,
                "Limit": limit + 1 - len(rows),
            }
            if start:
                query["ExclusiveStartKey"] = start
            page = self.client.query(**query)
            rows.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        items = [Call.model_validate_json(row["doc"]["S"]) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(stamp(last.created_at), last.id)
        return CallPage(items=items, next_cursor=next_cursor)

    def delete(self, owner: str, call_id: str) -> bool:
        gone = self.client.delete_item(TableName=self.table, Key=self._key(owner, call_id), ReturnValues="ALL_OLD")
        return "Attributes" in gone

    def save(self, owner: str, call: Call) -> Call:
        stored = call.model_copy(update={"updated_at": datetime.now(UTC)})
        try:
            self.client.put_item(
                TableName=self.table,
                Item=self._item(owner, stored),
                ConditionExpression="attribute_exists(id)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise KeyError(call.id) from None
        return stored

    def close(self) -> None:
        self.client.close()

    # --- items ------------------------------------------------------------------------------------

    @staticmethod
    def _key(owner: str, call_id: str) -> dict[str, Any]:
        return {"owner": {"S": owner}, "id": {"S": call_id}}

    @staticmethod
    def _item(owner: str, call: Call) -> dict[str, Any]:
        return {
            "owner": {"S": owner},
            "id": {"S": call.id},
            "created": {"S": created_key(stamp(call.created_at), call.id)},
            "status": {"S": call.status.value},
            "verification_mode": {"S": call.verification_mode.value},
            "verification_date": {"S": stamp(call.verification_date)},
            "updated_at": {"S": stamp(call.updated_at)},
            "doc": {"S": call.model_dump_json()},
        }
