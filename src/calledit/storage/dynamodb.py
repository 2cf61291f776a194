"""DynamoDB adapter: `CALLEDIT_DB=dynamodb://TABLE?endpoint=URL&region=REGION`.

One table, partitioned by owner, so no operation can reach another user's data:

- a call is one item, sort key `id`. Reading, replacing and deleting it are single-key operations. It
  carries its JSON document beside the attributes the indexes sort on, as in SQLite (no float-to-Decimal
  round trips), and its verification schedule: `next_check`, `attempts`, `lease_worker`, `lease_until`.
- its history entries sit beside it, sort key `<call id>#h#<recorded at>#<change id>` (ids are hex, so
  they never collide with a call id), read in order with one Query.
- an imported call's key has a marker item `#i#<import key>` (written with the call in one transaction,
  conditional on its absence): importing the same file twice adds nothing.
- personal API tokens: `#t#<token id>` in the owner's partition, and a lookup item keyed by the token's
  hash in the `#api-token#` partition (no user id starts with `#`).

Search and filters (`find`) read the owner's calls in the index order and keep the ones
`calledit.domain.queries.matches` accepts, page by page until the page is full: a documented
scan-and-filter over the owner's partition. DynamoDB bills a FilterExpression's reads the same, so
filtering here costs no more and gives exactly the rules SQLite follows.

Indexes: `by_created` (LSI, owner + `<created_at>#<id>`) lists newest first; `by_verification_date` (LSI,
owner + `<verification_date>#<id>`) finds calls waiting for their owner; both LSIs, so both can be read
strongly consistent. `due` (sparse GSI: only calls with a next check carry `queue`) orders every owner's
due checks by time; claiming one is a conditional write on the call item, so two workers never hold the
same call even though the GSI itself is eventually consistent.

The layout is `CALLS_TABLE`; deploy/aws/template.yaml declares the same (a test holds them equal).
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from calledit.domain.call import Call, CallChange, CallCreate, CallPage, CallStatus
from calledit.domain.errors import ConfigurationError
from calledit.domain.outcomes import CallView, CallViewPage, view
from calledit.domain.queries import CallQuery, Sort, matches
from calledit.domain.timestamps import parse_stamp, stamp, utc_now
from calledit.storage.base import (
    ApiToken,
    CheckSchedule,
    Claim,
    StoredCall,
    check_limit,
    decode_cursor,
    decode_sort_cursor,
    encode_cursor,
    encode_sort_cursor,
    import_key_of,
    native_id,
    new_call,
)
from calledit.storage.hooks import CallWrite, DynamoWriteHook

log = logging.getLogger(__name__)

BY_CREATED = "by_created"
BY_VERIFICATION_DATE = "by_verification_date"
DUE = "due"
QUEUE = "due"  # the one partition of the `due` index (shard it by id if checks ever outgrow ~1,000 writes/s)
HISTORY = "#h#"
IMPORTED = "#i#"
TOKEN = "#t#"
TOKENS_BY_HASH = "#api-token#"  # the partition of the token lookup items
FIND_PAGE = 200  # calls read per Query while filtering
TRANSACT_ROOM = 23  # history entries written with an imported call (a transaction holds 25 items)
TRANSACT_ITEMS = 25
HOOK_ATTEMPTS = 12  # a write whose log append lost the race to another writer is retried this often
LAST = "~"  # sorts after every hex id: "<stamp>#~" bounds all keys at that stamp


def _keys(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "KeyType": kind} for name, kind in pairs]


# What the table looks like, for create_table and for the SAM template's CallsTable.
CALLS_TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"}
        for name in ("owner", "id", "created", "vdate", "queue", "next_check")
    ],
    "KeySchema": _keys(("owner", "HASH"), ("id", "RANGE")),
    "LocalSecondaryIndexes": [
        {
            "IndexName": BY_CREATED,
            "KeySchema": _keys(("owner", "HASH"), ("created", "RANGE")),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["doc"]},
        },
        {
            "IndexName": BY_VERIFICATION_DATE,
            "KeySchema": _keys(("owner", "HASH"), ("vdate", "RANGE")),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["doc", "status", "next_check"]},
        },
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": DUE,
            "KeySchema": _keys(("queue", "HASH"), ("next_check", "RANGE")),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["lease_until"]},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def created_key(created_at: str, call_id: str) -> str:
    return f"{created_at}#{call_id}"


def _parse(key: str | None) -> datetime | None:
    """The time a sort key (`<stamp>#...`) or a stamp holds."""
    return parse_stamp(key.split("#", 1)[0]) if key else None


def _token_attributes(token: ApiToken) -> dict[str, Any]:
    record = {
        "token_id": {"S": token.id}, "token_owner": {"S": token.owner}, "name": {"S": token.name},
        "hint": {"S": token.hint}, "made_at": {"S": stamp(token.created_at)},  # never `created`: an index key
    }
    if token.expires_at is not None:
        record["expires"] = {"S": stamp(token.expires_at)}
    return record


def _token_of(item: dict[str, Any]) -> ApiToken:
    return ApiToken(
        id=item["token_id"]["S"],
        owner=item["token_owner"]["S"],
        name=item["name"]["S"],
        hint=item["hint"]["S"],
        created_at=datetime.fromisoformat(item["made_at"]["S"]),
        expires_at=_parse(item.get("expires", {}).get("S")),
        last_used_at=_parse(item.get("last_used", {}).get("S")),
    )


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
        _ = client.exceptions  # built once, before any thread (notify/dynamo.py says why)
        self.hooks: builtins.list[DynamoWriteHook] = []  # their items ride in each call write's transaction

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
        try:
            self.client.create_table(TableName=self.table, **CALLS_TABLE)
        except self.client.exceptions.ResourceInUseException:
            return False
        self.client.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1})
        log.info("table=<%s> | created the calls table", self.table)
        return True

    # --- the port ---------------------------------------------------------------------------------

    def add(self, owner: str, call: CallCreate) -> Call:
        from calledit.domain.policy import first_check_at

        stored = new_call(call)
        first = first_check_at(stored, stored.created_at)
        item = {**self._item(owner, stored), "attempts": {"N": "0"}}
        if first is not None:
            item.update(queue={"S": QUEUE}, next_check={"S": created_key(stamp(first), stored.id)})
        if self.hooks:  # the call and what its hooks write land together
            put = {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(id)"}
            self._transact([{"Put": put}], CallWrite(owner, stored, None, added=True, next_check_at=first))
        else:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(id)")
        return stored

    def _transact(self, writes: builtins.list[dict[str, Any]], write: CallWrite,
                  tail: builtins.list[dict[str, Any]] | None = None) -> int:
        """`writes`, the hooks' items for `write` and as much of `tail` as fits, in one transaction; retried
        when a hook's item lost a race (another writer appended first). Returns how many of `tail` went in."""
        tail = tail or []
        for attempt in range(HOOK_ATTEMPTS):
            extra = [item for hook in self.hooks for item in hook.transact_items(write)]
            room = max(TRANSACT_ITEMS - len(writes) - len(extra), 0)
            try:
                self.client.transact_write_items(TransactItems=[*writes, *extra, *tail[:room]])
                return min(room, len(tail))
            except self.client.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                ours = reasons[: len(writes)]
                raced = any(code in ("ConditionalCheckFailed", "TransactionConflict")
                            for code in reasons[len(writes): len(writes) + len(extra)])
                if "ConditionalCheckFailed" in ours or not raced or attempt == HOOK_ATTEMPTS - 1:
                    raise
            time.sleep(random.uniform(0, min(0.01 * 2**attempt, 0.5)))  # jittered: racers spread out
        raise AssertionError("unreachable")

    def get(self, owner: str, call_id: str) -> Call | None:
        if "#" in call_id:  # history, import markers and tokens share the partition; call ids are hex
            return None
        found = self.client.get_item(
            TableName=self.table, Key=self._key(owner, call_id), ConsistentRead=True, ProjectionExpression="doc"
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
        rows = self._query(
            limit + 1,  # one more than asked tells whether there is a next page
            IndexName=BY_CREATED,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        items = [Call.model_validate_json(row["doc"]["S"]) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor(stamp(last.created_at), last.id)
        return CallPage(items=items, next_cursor=next_cursor)

    def delete(self, owner: str, call_id: str) -> bool:
        if "#" in call_id:
            return False
        gone = self.client.delete_item(TableName=self.table, Key=self._key(owner, call_id), ReturnValues="ALL_OLD")
        if "Attributes" not in gone:
            return False
        if "import_key" in gone["Attributes"]:  # it may be imported again
            marker = f"{IMPORTED}{gone['Attributes']['import_key']['S']}"
            self.client.delete_item(TableName=self.table, Key=self._key(owner, marker))
        for entry in self._history_items(owner, call_id, keys_only=True):  # the history goes with the call
            self.client.delete_item(TableName=self.table, Key={"owner": entry["owner"], "id": entry["id"]})
        for hook in self.hooks:
            hook.on_delete(owner, call_id)
        return True

    def save(self, owner: str, call: Call) -> Call:
        stored = call.model_copy(update={"updated_at": utc_now()})
        try:
            self.client.update_item(**self._update_call(owner, stored), ConditionExpression="attribute_exists(id)")
        except self.client.exceptions.ConditionalCheckFailedException:
            raise KeyError(call.id) from None
        return stored

    def close(self) -> None:
        self.client.close()

    # --- verification -----------------------------------------------------------------------------

    def claim_due(
        self,
        now: datetime,
        worker: str,
        lease_seconds: float,
        limit: int = 10,
        *,
        per_owner: int | None = None,
        skip_owners: Collection[str] = (),
    ) -> builtins.list[Claim]:
        at, until = stamp(now), stamp(now + timedelta(seconds=lease_seconds))
        claims: builtins.list[Claim] = []
        taken: Counter[str] = Counter()  # claims per owner: the index is one queue for every owner
        skipped = set(skip_owners)
        start: dict[str, Any] | None = None
        while len(claims) < limit:
            query: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": DUE,
                "KeyConditionExpression": "#queue = :queue AND next_check <= :now",
                "FilterExpression": "attribute_not_exists(lease_until) OR lease_until <= :at",
                "ExpressionAttributeNames": {"#queue": "queue"},
                "ExpressionAttributeValues": {
                    ":queue": {"S": QUEUE}, ":now": {"S": f"{at}#{LAST}"}, ":at": {"S": at}
                },
                # Larger pages when owners are passed over: one owner's backlog may stand before the rest.
                "Limit": max(limit, 25) if not skipped and per_owner is None else 500,
            }
            if start:
                query["ExclusiveStartKey"] = start
            page = self.client.query(**query)
            for row in page.get("Items", []):
                owner = row["owner"]["S"]
                if owner in skipped or (per_owner is not None and taken[owner] >= per_owner):
                    continue
                claim = self._claim(row, at, until, worker)
                if claim is not None:
                    claims.append(claim)
                    taken[owner] += 1
                    if len(claims) == limit:
                        break
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return claims

    def _claim(self, row: dict[str, Any], at: str, until: str, worker: str) -> Claim | None:
        """Lease one candidate the index showed, if it is still due at the same time and still free."""
        try:
            item = self.client.update_item(
                TableName=self.table,
                Key={"owner": row["owner"], "id": row["id"]},
                UpdateExpression="SET lease_worker = :worker, lease_until = :until",
                ConditionExpression="next_check = :seen AND (attribute_not_exists(lease_until) OR lease_until <= :at)",
                ExpressionAttributeValues={
                    ":worker": {"S": worker}, ":until": {"S": until}, ":seen": row["next_check"], ":at": {"S": at}
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self.client.exceptions.ConditionalCheckFailedException:
            return None  # claimed by someone else, rescheduled or deleted since the index was written
        due = _parse(item["next_check"]["S"])
        assert due is not None
        call = Call.model_validate_json(item["doc"]["S"])
        return Claim(item["owner"]["S"], call, due, int(item.get("attempts", {}).get("N", "0")))

    def record(
        self,
        owner: str,
        call: Call,
        change: CallChange | None,
        *,
        next_check_at: datetime | None,
        attempts: int = 0,
        worker: str | None = None,
    ) -> Call | None:
        stored = call.model_copy(update={"updated_at": utc_now()})
        update = self._update_call(owner, stored)
        update["UpdateExpression"] += ", attempts = :attempts"
        update["ExpressionAttributeValues"][":attempts"] = {"N": str(attempts)}
        if next_check_at is None:
            update["UpdateExpression"] += " REMOVE lease_worker, lease_until, #queue, next_check"
        else:
            update["UpdateExpression"] += ", #queue = :queue, next_check = :next REMOVE lease_worker, lease_until"
            update["ExpressionAttributeValues"].update(
                {":queue": {"S": QUEUE}, ":next": {"S": created_key(stamp(next_check_at), call.id)}}
            )
        update["ExpressionAttributeNames"]["#queue"] = "queue"
        if worker is None:
            update["ConditionExpression"] = "attribute_exists(id)"
        else:  # a claimed check lands only while its worker still holds the lease
            update["ConditionExpression"] = "attribute_exists(id) AND lease_worker = :worker"
            update["ExpressionAttributeValues"][":worker"] = {"S": worker}
        writes: builtins.list[dict[str, Any]] = [{"Update": update}]
        if change is not None:
            writes.append({"Put": self._history_item(owner, call.id, change, utc_now())})
        try:
            self._transact(writes, CallWrite(owner, stored, change, next_check_at=next_check_at))
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                if worker is not None:
                    return None
                raise KeyError(call.id) from None
            raise
        return stored

    def history(self, owner: str, call_id: str) -> builtins.list[CallChange]:
        return [CallChange.model_validate_json(row["change"]["S"]) for row in self._history_items(owner, call_id)]

    def schedule(self, owner: str, call_id: str) -> CheckSchedule | None:
        if "#" in call_id:
            return None
        item = self.client.get_item(
            TableName=self.table,
            Key=self._key(owner, call_id),
            ConsistentRead=True,
            ProjectionExpression="next_check, attempts, lease_worker, lease_until",
        ).get("Item")
        if item is None:
            return None
        return CheckSchedule(
            next_check_at=_parse(item.get("next_check", {}).get("S")),
            attempts=int(item.get("attempts", {}).get("N", "0")),
            lease_worker=item.get("lease_worker", {}).get("S"),
            lease_until=_parse(item.get("lease_until", {}).get("S")),
        )

    def awaiting_owner(self, owner: str, now: datetime, limit: int = 100) -> builtins.list[Call]:
        rows = self._query(
            limit,
            IndexName=BY_VERIFICATION_DATE,
            KeyConditionExpression="#owner = :owner AND vdate <= :now",
            FilterExpression="#status IN (:pending, :inconclusive) AND attribute_not_exists(next_check)",
            ExpressionAttributeNames={"#owner": "owner", "#status": "status"},
            ExpressionAttributeValues={
                ":owner": {"S": owner},
                ":now": {"S": f"{stamp(now)}#{LAST}"},
                ":pending": {"S": CallStatus.PENDING.value},
                ":inconclusive": {"S": CallStatus.INCONCLUSIVE.value},
            },
            ConsistentRead=True,
        )
        return [Call.model_validate_json(row["doc"]["S"]) for row in rows[:limit]]

    # --- the tracker ------------------------------------------------------------------------------

    def find(self, owner: str, query: CallQuery, now: datetime) -> CallViewPage:
        check_limit(query.limit)
        index, key = (BY_VERIFICATION_DATE, "vdate") if query.sort is Sort.DUE else (BY_CREATED, "created")
        forward = query.sort is not Sort.NEWEST
        condition = "#owner = :owner"
        values: dict[str, Any] = {":owner": {"S": owner}}
        if query.cursor:
            after_key, after_id = decode_sort_cursor(query.cursor, query.sort)
            condition += f" AND {key} {'>' if forward else '<'} :after"
            values[":after"] = {"S": created_key(after_key, after_id)}
        found: builtins.list[CallView] = []
        start: dict[str, Any] | None = None
        more = False
        while not more:
            page = self.client.query(
                TableName=self.table,
                IndexName=index,
                KeyConditionExpression=condition,
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=values,
                ProjectionExpression="doc, next_check",  # next_check is fetched from the table for by_created
                ScanIndexForward=forward,
                ConsistentRead=True,
                Limit=FIND_PAGE if query.filtered else query.limit + 1,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            for item in page.get("Items", []):
                call = Call.model_validate_json(item["doc"]["S"])
                next_check = _parse(item.get("next_check", {}).get("S"))
                if not matches(call, next_check, query, now):
                    continue
                if len(found) == query.limit:
                    more = True
                    break
                found.append(view(call, next_check, now))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        next_cursor = None
        if more:
            last = found[-1]
            position = last.verification_date if query.sort is Sort.DUE else last.created_at
            next_cursor = encode_sort_cursor(query.sort, stamp(position), last.id)
        return CallViewPage(items=found, next_cursor=next_cursor)

    def import_call(
        self, owner: str, call: Call, history: builtins.list[CallChange], import_key: str,
        next_check_at: datetime | None,
    ) -> bool:
        native = native_id(import_key)
        if native is not None and "#" not in native and self.get(owner, native) is not None:
            return False  # the owner's own call, exported and imported back
        item = {**self._item(owner, call), "attempts": {"N": "0"}, "import_key": {"S": import_key}}
        if next_check_at is not None:
            item.update(queue={"S": QUEUE}, next_check={"S": created_key(stamp(next_check_at), call.id)})
        writes: builtins.list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": {**self._key(owner, f"{IMPORTED}{import_key}"),
                                                        "call_id": {"S": call.id}},
                     "ConditionExpression": "attribute_not_exists(id)"}},
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(id)"}},
        ]
        entries = [self._history_item(owner, call.id, entry) for entry in history]
        try:
            written = self._transact(writes, CallWrite(owner, call, None, added=True, next_check_at=next_check_at,
                                                       imported=True), [{"Put": e} for e in entries[:TRANSACT_ROOM]])
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        for entry in entries[written:]:  # a long history: the rest after the call (rare)
            self.client.put_item(**entry)
        return True

    def export_calls(self, owner: str) -> Iterator[StoredCall]:
        start: dict[str, Any] | None = None
        while True:
            page = self.client.query(
                TableName=self.table,
                IndexName=BY_CREATED,
                KeyConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
                ProjectionExpression="id, doc, next_check, import_key",
                ScanIndexForward=False,
                ConsistentRead=True,
                Limit=100,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            for item in page.get("Items", []):
                call_id = item["id"]["S"]
                yield StoredCall(
                    Call.model_validate_json(item["doc"]["S"]),
                    self.history(owner, call_id),
                    import_key_of(call_id, item.get("import_key", {}).get("S")),
                    _parse(item.get("next_check", {}).get("S")),
                )
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    # --- personal API tokens --------------------------------------------------------------------------

    def add_token(self, owner: str, name: str, token_hash: str, hint: str, expires_at: datetime | None) -> ApiToken:
        token = ApiToken(uuid.uuid4().hex, owner, name, hint, utc_now(), expires_at, None)
        record = _token_attributes(token)
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": {**self._key(owner, f"{TOKEN}{token.id}"), **record,
                                                        "token_hash": {"S": token_hash}},
                     "ConditionExpression": "attribute_not_exists(id)"}},
            {"Put": {"TableName": self.table, "Item": {**self._key(TOKENS_BY_HASH, token_hash), **record},
                     "ConditionExpression": "attribute_not_exists(id)"}},
        ])
        return token

    def tokens(self, owner: str) -> builtins.list[ApiToken]:
        rows = self._query(
            1000,
            KeyConditionExpression="#owner = :owner AND begins_with(id, :prefix)",
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}, ":prefix": {"S": TOKEN}},
            ConsistentRead=True,
        )
        return sorted((_token_of(row) for row in rows), key=lambda token: (token.created_at, token.id))

    def delete_token(self, owner: str, token_id: str) -> bool:
        gone = self.client.delete_item(
            TableName=self.table, Key=self._key(owner, f"{TOKEN}{token_id}"), ReturnValues="ALL_OLD"
        ).get("Attributes")
        if not gone:
            return False
        self.client.delete_item(TableName=self.table, Key=self._key(TOKENS_BY_HASH, gone["token_hash"]["S"]))
        return True

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        found = self.client.get_item(
            TableName=self.table, Key=self._key(TOKENS_BY_HASH, token_hash), ConsistentRead=True
        ).get("Item")
        return _token_of(found) if found else None

    def token_used(self, token: ApiToken, token_hash: str, at: datetime) -> None:
        for key in (self._key(token.owner, f"{TOKEN}{token.id}"), self._key(TOKENS_BY_HASH, token_hash)):
            with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):  # revoked meanwhile
                self.client.update_item(
                    TableName=self.table, Key=key, UpdateExpression="SET last_used = :at",
                    ConditionExpression="attribute_exists(id)", ExpressionAttributeValues={":at": {"S": stamp(at)}},
                )

    # --- items ------------------------------------------------------------------------------------

    def _query(self, wanted: int, **query: Any) -> builtins.list[dict[str, Any]]:
        """Up to `wanted` items, following pages (a page stops at 1 MB, or early under a filter)."""
        rows: builtins.list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while len(rows) < wanted:
            page = self.client.query(
                TableName=self.table,
                Limit=wanted - len(rows),
                **query,
                **({"ExclusiveStartKey": start} if start else {}),
            )
            rows.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return rows

    def _history_items(self, owner: str, call_id: str, keys_only: bool = False) -> builtins.list[dict[str, Any]]:
        rows: builtins.list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page = self.client.query(
                TableName=self.table,
                KeyConditionExpression="#owner = :owner AND begins_with(id, :prefix)",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}, ":prefix": {"S": f"{call_id}{HISTORY}"}},
                ConsistentRead=True,
                **({"ProjectionExpression": "#owner, id"} if keys_only else {}),
                **({"ExclusiveStartKey": start} if start else {}),
            )
            rows.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return rows

    def _history_item(self, owner: str, call_id: str, change: CallChange, at: datetime | None = None) -> dict[str, Any]:
        """A Put of one history entry, keyed so a Query reads the call's entries in the order recorded."""
        entry = f"{call_id}{HISTORY}{stamp(at or change.at)}#{change.id}"
        return {
            "TableName": self.table,
            "Item": {"owner": {"S": owner}, "id": {"S": entry}, "change": {"S": change.model_dump_json()}},
            "ConditionExpression": "attribute_not_exists(id)",
        }

    @staticmethod
    def _key(owner: str, call_id: str) -> dict[str, Any]:
        return {"owner": {"S": owner}, "id": {"S": call_id}}

    @staticmethod
    def _item(owner: str, call: Call) -> dict[str, Any]:
        return {
            "owner": {"S": owner},
            "id": {"S": call.id},
            "created": {"S": created_key(stamp(call.created_at), call.id)},
            "vdate": {"S": created_key(stamp(call.verification_date), call.id)},
            "status": {"S": call.status.value},
            "verification_mode": {"S": call.verification_mode.value},
            "updated_at": {"S": stamp(call.updated_at)},
            "doc": {"S": call.model_dump_json()},
        }

    def _update_call(self, owner: str, call: Call) -> dict[str, Any]:
        """An UpdateItem of the call's own attributes that leaves its schedule and lease alone."""
        return {
            "TableName": self.table,
            "Key": self._key(owner, call.id),
            "UpdateExpression": "SET doc = :doc, #status = :status, verification_mode = :mode, vdate = :vdate,"
            " updated_at = :updated",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":doc": {"S": call.model_dump_json()},
                ":status": {"S": call.status.value},
                ":mode": {"S": call.verification_mode.value},
                ":vdate": {"S": created_key(stamp(call.verification_date), call.id)},
                ":updated": {"S": stamp(call.updated_at)},
            },
        }
