"""The outbox, the bell and notification settings in the DynamoDB calls table (AWS).

- `#outbox` partition: an event per `ev#<event id>` (written in the call write's own transaction by the
  adapter's hook) and a delivery per `dl#<event id>#<channel>`. Both wait in the table's sparse `due` index
  under queues of their own (`notify-events`, `notify-send`), keyed by when they are due, as calls wait for
  their checks; a delivery is leased with a conditional update, so two scanners never send the same one,
  and made with `attribute_not_exists`, so an event is never delivered twice on one channel.
- `#inbox#<owner>`: the bell, one item per event, newest first.
- `#notify#<owner>`: the user's channels (`channel#email`, `channel#webhook`, with their health) and their
  choices (`prefs`).
- `#digest`: one item per user who turned the weekly digest on (id = the user), kept by `choose`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from calledit.domain.notifications import Channel, InAppNotification, NotificationKind
from calledit.notify.outbox import (
    MAX_ERROR_CHARS,
    Delivery,
    Expansion,
    OutboxEvent,
    due_event,
    stamp,
    verdict_event,
)
from calledit.notify.preferences import (
    EVENTS,
    OFF_BY_DEFAULT,
    ChannelHealth,
    EmailChannel,
    EventChoices,
    NotificationSettings,
    WebhookChannel,
)
from calledit.storage.hooks import CallWrite

OUTBOX = "#outbox"
EVENTS_QUEUE = "notify-events"
SEND_QUEUE = "notify-send"
LAST = "~"
DIGESTS = "#digest"  # the partition listing who turned the weekly digest on


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DynamoOutbox:
    """The `Outbox` port and the adapter's write hook that fills it."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client
        # botocore builds a client's exception classes on first use, racily: two threads at once can each get
        # their own ConditionalCheckFailedException, and one raised is then not the one caught (two
        # dispatchers over one outbox failed so, rarely). Build them here, once, before any thread.
        _ = client.exceptions
        self.preferences = DynamoPreferences(table, client)

    def _key(self, name: str) -> dict[str, Any]:
        return {"owner": _s(OUTBOX), "id": _s(name)}

    def _event_item(self, event: OutboxEvent) -> dict[str, Any]:
        return {
            **self._key(f"ev#{event.id}"), "event_id": _s(event.id), "event_owner": _s(event.owner),
            "kind": _s(event.kind.value), "payload": _s(json.dumps(event.payload)),
            "created_at": _s(stamp(event.created_at)), "available_at": _s(stamp(event.available_at)),
            **({"call_id": _s(event.call_id)} if event.call_id else {}),
            "queue": _s(EVENTS_QUEUE), "next_check": _s(f"{stamp(event.available_at)}#{event.id}"),
        }

    # --- the hook ---------------------------------------------------------------------------------------

    def transact_items(self, write: CallWrite) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        return [{"Put": {"TableName": self.table, "Item": self._event_item(event)}}
                for event in (verdict_event(write, now), due_event(write, now)) if event is not None]

    def on_delete(self, owner: str, call_id: str) -> None:
        """Its events stay: the dispatcher drops those of a deleted call."""

    # --- the port ---------------------------------------------------------------------------------------

    def enqueue(self, event: OutboxEvent) -> bool:
        try:
            self.client.put_item(TableName=self.table, Item=self._event_item(event),
                                 ConditionExpression="attribute_not_exists(id)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def exists(self, event_id: str) -> bool:
        return self._get(f"ev#{event_id}") is not None

    def _due(self, queue: str, now: datetime, limit: int) -> list[dict[str, Any]]:
        page = self.client.query(
            TableName=self.table, IndexName="due", Limit=limit,
            KeyConditionExpression="#queue = :queue AND next_check <= :now",
            ExpressionAttributeNames={"#queue": "queue"},
            ExpressionAttributeValues={":queue": _s(queue), ":now": _s(f"{stamp(now)}#{LAST}")},
        )
        items: list[dict[str, Any]] = page.get("Items", [])
        return items

    def _get(self, name: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(TableName=self.table, Key=self._key(name),
                                                           ConsistentRead=True).get("Item")
        return item

    def waiting(self, now: datetime, limit: int = 50) -> list[OutboxEvent]:
        events = []
        for row in self._due(EVENTS_QUEUE, now, limit):
            item = self._get(row["id"]["S"])
            if item is not None and "queue" in item:  # the index lags the table: still waiting?
                events.append(_event(item))
        return events

    def expand(self, event: OutboxEvent, expansion: Expansion, now: datetime) -> None:
        key = self._key(f"ev#{event.id}")
        if expansion.wait_until is not None:
            self.client.update_item(
                TableName=self.table, Key=key, UpdateExpression="SET next_check = :next, available_at = :at",
                ExpressionAttributeValues={":next": _s(f"{stamp(expansion.wait_until)}#{event.id}"),
                                           ":at": _s(stamp(expansion.wait_until))},
            )
            return
        for channel in expansion.channels:  # each delivery once: a second expansion makes none
            with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
                self.client.put_item(TableName=self.table, ConditionExpression="attribute_not_exists(id)", Item={
                    **self._key(f"dl#{event.id}#{channel.value}"), "event_id": _s(event.id),
                    "channel": _s(channel.value), "event_owner": _s(event.owner), "status": _s("pending"),
                    "attempts": {"N": "0"}, "queue": _s(SEND_QUEUE),
                    "next_check": _s(f"{stamp(now)}#{event.id}#{channel.value}"),
                })
        self.client.update_item(TableName=self.table, Key=key, UpdateExpression="SET expanded_at = :now REMOVE #queue",
                                ExpressionAttributeNames={"#queue": "queue"},
                                ExpressionAttributeValues={":now": _s(stamp(now))})

    def claim(self, now: datetime, worker: str, lease_seconds: float, limit: int = 20) -> list[Delivery]:
        at, until = stamp(now), stamp(now + timedelta(seconds=lease_seconds))
        claimed = []
        for row in self._due(SEND_QUEUE, now, limit):
            try:
                item = self.client.update_item(
                    TableName=self.table, Key={"owner": row["owner"], "id": row["id"]},
                    UpdateExpression="SET lease_worker = :worker, lease_until = :until",
                    ConditionExpression="#status = :pending"
                                        " AND (attribute_not_exists(lease_until) OR lease_until <= :at)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":worker": _s(worker), ":until": _s(until), ":at": _s(at),
                                               ":pending": _s("pending")},
                    ReturnValues="ALL_NEW",
                )["Attributes"]
            except self.client.exceptions.ConditionalCheckFailedException:
                continue  # another scanner holds it, or it was sent meanwhile
            event = self._get(f"ev#{item['event_id']['S']}")
            if event is None:
                continue
            channel = Channel(item["channel"]["S"])
            config = self.preferences.config(item["event_owner"]["S"], channel)
            claimed.append(Delivery(_event(event), channel, int(item["attempts"]["N"]),
                                    config.get("address"), config.get("secret"), config.get("format")))
        return claimed

    def _finish(self, delivery: Delivery, worker: str, update: str, values: dict[str, Any]) -> bool:
        names = {"#status": "status", **({"#queue": "queue"} if "#queue" in update else {})}
        try:
            self.client.update_item(
                TableName=self.table, Key=self._key(f"dl#{delivery.event.id}#{delivery.channel.value}"),
                UpdateExpression=update, ConditionExpression="lease_worker = :worker AND #status = :pending",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":worker": _s(worker), ":pending": _s("pending"), **values},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def sent(self, delivery: Delivery, worker: str, now: datetime) -> bool:
        return self._finish(delivery, worker, "SET #status = :sent, sent_at = :now ADD attempts :one"
                            " REMOVE lease_worker, lease_until, #queue, next_check, last_error",
                            {":sent": _s("sent"), ":now": _s(stamp(now)), ":one": {"N": "1"}})

    def failed(self, delivery: Delivery, worker: str, error: str, retry_at: datetime | None) -> bool:
        values: dict[str, Any] = {":error": _s(error[:MAX_ERROR_CHARS]), ":one": {"N": "1"}}
        if retry_at is None:
            values[":failed"] = _s("failed")
            update = ("SET #status = :failed, last_error = :error ADD attempts :one"
                      " REMOVE lease_worker, lease_until, #queue, next_check")
        else:
            values[":next"] = _s(f"{stamp(retry_at)}#{delivery.event.id}#{delivery.channel.value}")
            update = "SET last_error = :error, next_check = :next ADD attempts :one REMOVE lease_worker, lease_until"
        return self._finish(delivery, worker, update, values)

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        page = self.client.query(
            TableName=self.table, ConsistentRead=True,
            KeyConditionExpression="#owner = :owner AND begins_with(id, :prefix)",
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues={":owner": _s(OUTBOX), ":prefix": _s(f"dl#{event_id}#")},
        )
        return [{"channel": i["channel"]["S"], "status": i["status"]["S"], "attempts": int(i["attempts"]["N"]),
                 "last_error": i.get("last_error", {}).get("S"), "sent_at": i.get("sent_at", {}).get("S")}
                for i in page.get("Items", [])]


def _event(item: dict[str, Any]) -> OutboxEvent:
    return OutboxEvent(
        id=item["event_id"]["S"], owner=item["event_owner"]["S"], kind=NotificationKind(item["kind"]["S"]),
        call_id=item.get("call_id", {}).get("S"), payload=json.loads(item["payload"]["S"]),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        available_at=datetime.fromisoformat(item["available_at"]["S"]),
    )


class DynamoInbox:
    """The bell: `#inbox#<owner>`, id `<created at>#<event id>` (newest first); a retried delivery adds nothing."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _items(self, owner: str, limit: int | None = None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while limit is None or len(rows) < limit:
            page = self.client.query(
                TableName=self.table, ConsistentRead=True, ScanIndexForward=False,
                KeyConditionExpression="#owner = :owner", ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": _s(f"#inbox#{owner}")},
                **({"Limit": limit - len(rows)} if limit else {}), **({"ExclusiveStartKey": start} if start else {}),
            )
            rows.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return rows

    def add(self, owner: str, notification: InAppNotification) -> bool:
        try:
            self.client.put_item(TableName=self.table, ConditionExpression="attribute_not_exists(id)", Item={
                "owner": _s(f"#inbox#{owner}"), "id": _s(f"{stamp(notification.created_at)}#{notification.id}"),
                "notification_id": _s(notification.id), "kind": _s(notification.kind.value),
                "title": _s(notification.title), "body": _s(notification.body),
                "created_at": _s(stamp(notification.created_at)),
                **({"call_id": _s(notification.call_id)} if notification.call_id else {}),
            })
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def items(self, owner: str, limit: int = 50, unread_only: bool = False) -> list[InAppNotification]:
        rows = self._items(owner, None if unread_only else limit)
        found = [
            InAppNotification(id=r["notification_id"]["S"], kind=NotificationKind(r["kind"]["S"]),
                              call_id=r.get("call_id", {}).get("S"), title=r["title"]["S"], body=r["body"]["S"],
                              created_at=datetime.fromisoformat(r["created_at"]["S"]),
                              read_at=datetime.fromisoformat(r["read_at"]["S"]) if "read_at" in r else None)
            for r in rows if not (unread_only and "read_at" in r)
        ]
        return found[:limit]

    def unread(self, owner: str) -> int:
        return sum(1 for row in self._items(owner) if "read_at" not in row)

    def mark_read(self, owner: str, ids: Collection[str] | None, now: datetime) -> int:
        wanted = None if ids is None else set(ids)
        marked = 0
        for row in self._items(owner):
            if "read_at" in row or (wanted is not None and row["notification_id"]["S"] not in wanted):
                continue
            self.client.update_item(TableName=self.table, Key={"owner": row["owner"], "id": row["id"]},
                                    UpdateExpression="SET read_at = :now",
                                    ExpressionAttributeValues={":now": _s(stamp(now))})
            marked += 1
        return marked


class DynamoPreferences:
    """Channels and choices: `#notify#<owner>`."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def _key(self, owner: str, name: str) -> dict[str, Any]:
        return {"owner": _s(f"#notify#{owner}"), "id": _s(name)}

    def _channel(self, owner: str, channel: Channel) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=self._key(owner, f"channel#{channel.value}"), ConsistentRead=True
        ).get("Item")
        return item

    def config(self, owner: str, channel: Channel) -> dict[str, str | None]:
        item = self._channel(owner, channel)
        if item is None:
            return {}
        return {"address": item["address"]["S"], "secret": item.get("secret", {}).get("S"),
                "format": item.get("format", {}).get("S")}

    def _choices(self, owner: str) -> dict[NotificationKind, dict[Channel, bool]]:
        chosen = {kind: {channel: kind not in OFF_BY_DEFAULT for channel in Channel} for kind in EVENTS}
        item = self.client.get_item(TableName=self.table, Key=self._key(owner, "prefs"),
                                    ConsistentRead=True).get("Item")
        for name, switches in (item or {}).get("choices", {}).get("M", {}).items():
            if name in {k.value for k in EVENTS}:
                for channel, on in switches["M"].items():
                    chosen[NotificationKind(name)][Channel(channel)] = bool(on["BOOL"])
        return chosen

    def settings(self, owner: str, email_available: bool) -> NotificationSettings:
        email, webhook = self._channel(owner, Channel.EMAIL), self._channel(owner, Channel.WEBHOOK)
        return NotificationSettings(
            email=EmailChannel(address=email["address"]["S"], health=_health(email)) if email else None,
            webhook=WebhookChannel(url=webhook["address"]["S"], format=webhook.get("format", {}).get("S", "json"),
                                   health=_health(webhook)) if webhook else None,
            events=self._choices(owner), email_available=email_available,
        )

    def set_channel(self, owner: str, channel: Channel, address: str, secret: str | None = None,
                    format: str | None = None) -> None:
        item = {**self._key(owner, f"channel#{channel.value}"), "address": _s(address), "failures": {"N": "0"}}
        if secret:
            item["secret"] = _s(secret)
        if format:
            item["format"] = _s(format)
        self.client.put_item(TableName=self.table, Item=item)

    def remove_channel(self, owner: str, channel: Channel) -> bool:
        gone = self.client.delete_item(TableName=self.table, Key=self._key(owner, f"channel#{channel.value}"),
                                       ReturnValues="ALL_OLD")
        return "Attributes" in gone

    def choose(self, owner: str, choices: EventChoices) -> None:
        chosen = self._choices(owner)
        for kind, switches in choices.model_dump().items():
            for channel, on in switches.items():
                chosen[NotificationKind(kind)][Channel(channel)] = bool(on)
        document = {kind.value: {"M": {channel.value: {"BOOL": on} for channel, on in switches.items()}}
                    for kind, switches in chosen.items()}
        self.client.put_item(TableName=self.table, Item={**self._key(owner, "prefs"), "choices": {"M": document}})
        # Who gets a digest, listed without a scan: one item per subscriber in `#digest` (notify/digest.py).
        subscriber = {"owner": _s(DIGESTS), "id": _s(owner)}
        if any(chosen[NotificationKind.DIGEST].values()):
            self.client.put_item(TableName=self.table, Item=subscriber)
        else:
            self.client.delete_item(TableName=self.table, Key=subscriber)

    def digest_subscribers(self) -> list[str]:
        owners: list[str] = []
        start: dict[str, Any] | None = None
        while True:
            page = self.client.query(
                TableName=self.table, ConsistentRead=True, KeyConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"}, ExpressionAttributeValues={":owner": _s(DIGESTS)},
                **({"ExclusiveStartKey": start} if start else {}),
            )
            owners.extend(item["id"]["S"] for item in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return owners

    def channels_for(self, owner: str, kind: NotificationKind) -> list[Channel]:
        chosen = {c: True for c in Channel} if kind is NotificationKind.TEST else self._choices(owner).get(kind, {})
        found: list[Channel] = []
        for channel in Channel:
            if not chosen.get(channel):
                continue
            if channel is Channel.INAPP:
                found.append(channel)
                continue
            item = self._channel(owner, channel)
            if item is not None and "dead_since" not in item:
                found.append(channel)
        return found

    def record(self, owner: str, channel: Channel, error: str | None, now: datetime, dead_after: int) -> None:
        if channel is Channel.INAPP:
            return
        key = self._key(owner, f"channel#{channel.value}")
        try:
            if error is None:
                self.client.update_item(TableName=self.table, Key=key, ConditionExpression="attribute_exists(id)",
                                        UpdateExpression="SET failures = :zero, last_success_at = :now",
                                        ExpressionAttributeValues={":zero": {"N": "0"}, ":now": _s(now.isoformat())})
                return
            self.client.update_item(TableName=self.table, Key=key, ConditionExpression="attribute_exists(id)",
                                    UpdateExpression="SET last_error = :error, last_failure_at = :now"
                                                     " ADD failures :one",
                                    ExpressionAttributeValues={":error": _s(error[:500]), ":now": _s(now.isoformat()),
                                                               ":one": {"N": "1"}})
            self.client.update_item(TableName=self.table, Key=key, UpdateExpression="SET dead_since = :now",
                                    ConditionExpression="failures >= :dead AND attribute_not_exists(dead_since)",
                                    ExpressionAttributeValues={":dead": {"N": str(dead_after)},
                                                               ":now": _s(now.isoformat())})
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # the channel was removed meanwhile, or is not dead (yet, or already)


def _health(item: dict[str, Any]) -> ChannelHealth:
    def at(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    failures = int(item.get("failures", {}).get("N", "0"))
    status: Literal["ok", "failing", "dead", "unused"] = (
        "dead" if "dead_since" in item else "failing" if failures else "ok" if "last_success_at" in item else "unused")
    return ChannelHealth(status=status, failures=failures, last_error=item.get("last_error", {}).get("S"),
                         last_failure_at=at("last_failure_at"), last_success_at=at("last_success_at"),
                         dead_since=at("dead_since"))
