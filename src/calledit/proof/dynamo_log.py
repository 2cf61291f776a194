"""The call log in DynamoDB, in the calls table itself, written in the call write's own TransactWriteItems.

Items, all in the partition `owner = "#log"` (no user id starts with "#"):

- `tip`: the log's size and the last head's timestamp. Each append conditions on the size it read, so two
  writers never take the same index: the loser's whole transaction is cancelled and retried.
- `e#<index>`: one per entry: the leaf text and hash, the perfect subtrees its append completed (`nodes`,
  level by level: node (L, j) lives on entry ((j+1) << L) - 1), and the head of size index + 1 signed then.
  Immutable once written, so a proof read at one size is consistent without a snapshot.
- `s#<call id>`: the call's salt (private) and its entries' indexes, in order; deleted with the call.

Three items per append, whatever the log's size (a transaction holds 25, or 100 on AWS today).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from calledit.domain.call import Call
from calledit.proof import merkle
from calledit.proof.bundle import CallProof, ProofReport
from calledit.proof.entries import Previous, StoredEntry, build_proof, next_entry, self_check
from calledit.proof.leaf import new_salt
from calledit.proof.signing import LogSigner, TreeHead
from calledit.storage.hooks import CallWrite

log = logging.getLogger(__name__)

PARTITION = "#log"
TIP = "tip"


def entry_key(index: int) -> str:
    return f"e#{index:012d}"


def calls_key(call_id: str) -> str:
    return f"s#{call_id}"


class _Nodes:
    """Perfect subtree hashes read from the entries that completed them (plus `pending`, not written yet)."""

    def __init__(self, read: Callable[[int], dict[str, Any] | None],
                 pending: dict[tuple[int, int], bytes] | None = None) -> None:
        self.read = read
        self.pending = {} if pending is None else pending
        self.cache: dict[int, list[bytes]] = {}

    def node(self, level: int, index: int) -> bytes:
        if (level, index) in self.pending:
            return self.pending[(level, index)]
        owner = ((index + 1) << level) - 1
        if owner not in self.cache:
            item = self.read(owner)
            if item is None:
                raise LookupError(f"the log has no entry {owner}: its items were changed by hand")
            self.cache[owner] = [bytes(n["B"]) for n in item["nodes"]["L"]]
        nodes = self.cache[owner]
        if level >= len(nodes):
            raise LookupError(f"entry {owner} holds no node at level {level}: its items were changed by hand")
        return nodes[level]


def _head(item: dict[str, Any], index: int) -> TreeHead:
    return TreeHead(tree_size=index + 1, root_hash=bytes(item["root"]["B"]).hex(), timestamp=int(item["ts"]["N"]),
                    key_id=item["key_id"]["S"], signature=item["sig"]["S"])


class DynamoCallLog:
    """The `DynamoWriteHook` that logs every call write, and the reads behind the log's routes."""

    def __init__(self, table: str, client: Any, signer: LogSigner, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.client = client
        self.signer = signer
        self.clock = clock

    def _get(self, key: str, projection: str | None = None) -> dict[str, Any] | None:
        options: dict[str, Any] = {"ProjectionExpression": projection} if projection else {}
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key={"owner": {"S": PARTITION}, "id": {"S": key}}, ConsistentRead=True, **options
        ).get("Item")
        return item

    def _entry(self, index: int) -> dict[str, Any] | None:
        return self._get(entry_key(index))

    # --- writes (in the call's transaction) ---------------------------------------------------------------

    def transact_items(self, write: CallWrite) -> list[dict[str, Any]]:
        tip = self._get(TIP)
        size = int(tip["size"]["N"]) if tip else 0
        last_ts = int(tip["ts"]["N"]) if tip else 0
        mine = self._get(calls_key(write.call.id))
        indexes = [int(i["N"]) for i in mine["idxs"]["L"]] if mine else []
        salt = bytes(mine["salt"]["B"]) if mine else new_salt()
        previous = None
        if indexes:
            latest = self._entry(indexes[-1])
            if latest is None:
                raise LookupError(f"the log has no entry {indexes[-1]}: its items were changed by hand")
            previous = Previous(len(indexes) - 1, latest["leaf"]["S"], bytes(latest["leaf_hash"]["B"]))
        entry = next_entry(write, previous, salt)
        if entry is None:
            return []
        pending: dict[tuple[int, int], bytes] = {}
        nodes = _Nodes(self._entry, pending)

        def keep(level: int, index: int, value: bytes) -> None:
            pending[(level, index)] = value

        completed = merkle.completed_nodes(size, entry.leaf_hash, nodes.node, keep)
        head = self.signer.sign(size + 1, merkle.root(nodes, size + 1), max(int(self.clock() * 1000), last_ts))
        table, partition = self.table, {"S": PARTITION}
        return [
            {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(id)", "Item": {
                "owner": partition, "id": {"S": entry_key(size)}, "call": {"S": entry.call_id},
                "version": {"N": str(entry.version)}, "event": {"S": entry.event}, "leaf": {"S": entry.text},
                "leaf_hash": {"B": entry.leaf_hash}, "nodes": {"L": [{"B": value} for _, _, value in completed]},
                "root": {"B": bytes.fromhex(head.root_hash)}, "ts": {"N": str(head.timestamp)},
                "key_id": {"S": head.key_id}, "sig": {"S": head.signature},
            }}},
            {"Update": {
                "TableName": table, "Key": {"owner": partition, "id": {"S": TIP}},
                "UpdateExpression": "SET #size = :next, ts = :ts",
                "ConditionExpression": "attribute_not_exists(id)" if tip is None else "#size = :size",
                "ExpressionAttributeNames": {"#size": "size"},
                "ExpressionAttributeValues": {":next": {"N": str(size + 1)}, ":ts": {"N": str(head.timestamp)},
                                              **({} if tip is None else {":size": {"N": str(size)}})},
            }},
            {"Update": {
                "TableName": table, "Key": {"owner": partition, "id": {"S": calls_key(entry.call_id)}},
                "UpdateExpression": "SET salt = if_not_exists(salt, :salt), call_owner = :owner,"
                                    " idxs = list_append(if_not_exists(idxs, :none), :index)",
                "ConditionExpression": "attribute_not_exists(id)" if mine is None else "size(idxs) = :count",
                "ExpressionAttributeValues": {
                    ":salt": {"B": salt}, ":owner": {"S": write.owner}, ":none": {"L": []},
                    ":index": {"L": [{"N": str(size)}]},
                    **({} if mine is None else {":count": {"N": str(len(indexes))}}),
                },
            }},
        ]

    def on_delete(self, owner: str, call_id: str) -> None:
        """Forget the call's salt: its entries stay in the log but can never be opened again."""
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):  # never logged, or not theirs
            self.client.delete_item(
                TableName=self.table, Key={"owner": {"S": PARTITION}, "id": {"S": calls_key(call_id)}},
                ConditionExpression="call_owner = :owner", ExpressionAttributeValues={":owner": {"S": owner}},
            )

    # --- reads ------------------------------------------------------------------------------------------

    def _size(self) -> int:
        tip = self._get(TIP)
        return int(tip["size"]["N"]) if tip else 0

    def head(self) -> TreeHead:
        size = self._size()
        if size == 0:
            return self.signer.sign(0, merkle.EMPTY_ROOT, int(self.clock() * 1000))
        head = self.head_at(size)
        if head is None:
            raise LookupError(f"the log has no entry {size - 1}: its items were changed by hand")
        return head

    def head_at(self, tree_size: int) -> TreeHead | None:
        item = self._entry(tree_size - 1) if tree_size > 0 else None
        return _head(item, tree_size - 1) if item else None

    def consistency(self, first: int, second: int) -> list[str]:
        return [h.hex() for h in merkle.consistency_path(_Nodes(self._entry), first, second)]

    def prove(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> CallProof | None:
        mine = self._get(calls_key(call.id))
        if mine is None or mine.get("call_owner", {}).get("S") != owner:
            return None
        head = self.head()  # read after the call's entries' indexes: every one of them is in it
        entries = []
        for version, value in enumerate(mine["idxs"]["L"]):
            index = int(value["N"])
            item = self._entry(index)
            if item is None:
                raise LookupError(f"the log has no entry {index}: its items were changed by hand")
            entries.append(StoredEntry(index, version, item["leaf"]["S"], _head(item, index)))
        if not entries:
            return None
        return build_proof(owner, call, bytes(mine["salt"]["B"]), head, entries, _Nodes(self._entry),
                           self.signer.public_key_b64, disclose)

    def check(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> ProofReport:
        return self_check(call.id, lambda: self.prove(owner, call, disclose), self.signer.public_key)
