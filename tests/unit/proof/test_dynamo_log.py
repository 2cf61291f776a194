"""The call log on DynamoDB Local: entries ride in the call write's transaction, proofs verify, a change made
behind the server's back fails its proof, racing writers get dense indexes, and a deleted call's salt goes."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.proof import merkle
from calledit.proof.bundle import parse_proof, verify_proof
from calledit.proof.dynamo_log import PARTITION, DynamoCallLog, calls_key
from calledit.proof.shares import PUBLIC_FIELDS
from calledit.scheduler import resolution
from calledit.storage.dynamodb import DynamoCallStore
from calledit.wiring import instrument
from tests.fixtures.dynamodb import DynamoLocal
from tests.unit.scheduler.fakes import new_call

pytestmark = pytest.mark.dynamodb
OWNER = "alice"
KEY = SecretStr(base64.b64encode(bytes(range(32))).decode())  # every function shares the log's key


@pytest.fixture
def store(dynamodb_local: DynamoLocal) -> Iterator[DynamoCallStore]:
    made = DynamoCallStore.from_url(f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    yield made
    made.close()


@pytest.fixture
def call_log(store: DynamoCallStore, tmp_path: Path) -> DynamoCallLog:
    log = instrument(store, Settings(data_dir=tmp_path / "data", log_signing_key=KEY)).log
    assert isinstance(log, DynamoCallLog)
    return log


def later(days: int = 3) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_writes_are_logged_and_proved(store: DynamoCallStore, call_log: DynamoCallLog) -> None:
    call = store.add(OWNER, new_call("It rains in Paris on Friday", "at_date", later()))
    resolution.set_confidence(store, OWNER, call.id, 0.7, now=datetime.now(UTC))
    resolved = resolution.resolve(store, OWNER, call.id, "confirmed", now=datetime.now(UTC))
    store.record(OWNER, resolved, None, next_check_at=None)  # nothing committed changed: no entry
    store.add("bob", new_call("Bob's", "at_date", later()))
    assert call_log.head().tree_size == 4

    proof = call_log.prove(OWNER, resolved)
    assert proof is not None and [e.index for e in proof.entries] == [0, 1, 2]
    report = verify_proof(parse_proof(proof.model_dump_json()), call_log.signer.public_key)
    assert report.ok, report.problems
    assert report.field("verdict").since_index == 2  # type: ignore[union-attr]
    assert call_log.prove("bob", resolved) is None  # not bob's call
    public = call_log.prove(OWNER, resolved, PUBLIC_FIELDS)
    assert public is not None and OWNER not in public.model_dump_json()

    first = call_log.head_at(1)
    assert first is not None
    path = [bytes.fromhex(h) for h in call_log.consistency(1, 4)]
    assert merkle.verify_consistency(1, 4, bytes.fromhex(first.root_hash), bytes.fromhex(call_log.head().root_hash),
                                     path)


def test_a_change_behind_the_servers_back_fails_the_proof(store: DynamoCallStore, call_log: DynamoCallLog) -> None:
    call = store.add(OWNER, new_call("The Lakers win tonight", "at_date", later()))
    document = call.model_dump(mode="json")
    document["prediction_statement"] = "The Celtics win tonight"
    store.client.update_item(TableName=store.table, Key={"owner": {"S": OWNER}, "id": {"S": call.id}},
                             UpdateExpression="SET doc = :doc",
                             ExpressionAttributeValues={":doc": {"S": json.dumps(document)}})
    tampered = store.get(OWNER, call.id)
    assert tampered is not None and tampered.prediction_statement == "The Celtics win tonight"
    report = call_log.check(OWNER, tampered)
    assert not report.ok and "prediction_statement" in report.problems[0]


def test_racing_writers_get_dense_indexes(store: DynamoCallStore, call_log: DynamoCallLog) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(3):
                store.add(f"user{n}", new_call(f"call {n}.{i}", "at_date", later()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    head = call_log.head()
    assert head.tree_size == 12
    for n in range(4):
        for call in store.list(f"user{n}").items:
            assert call_log.check(f"user{n}", call).ok


def test_deleting_a_call_forgets_its_salt_and_unshares_it(store: DynamoCallStore, tmp_path: Path) -> None:
    services = instrument(store, Settings(data_dir=tmp_path / "data", log_signing_key=KEY))
    assert services.log is not None and services.shares is not None
    call = store.add(OWNER, new_call("Gone soon", "at_date", later()))
    share = services.shares.share(OWNER, call.id, False)
    assert share is not None and services.shares.by_slug(share.slug) is not None
    assert services.shares.share("mallory", call.id, True) is None
    assert store.delete(OWNER, call.id)
    assert services.shares.by_slug(share.slug) is None
    key = {"owner": {"S": PARTITION}, "id": {"S": calls_key(call.id)}}
    gone = store.client.get_item(TableName=store.table, Key=key)
    assert "Item" not in gone
    assert services.log.head().tree_size == 1  # the log never shrinks


def test_an_import_with_a_long_history_is_logged_whole(store: DynamoCallStore, call_log: DynamoCallLog) -> None:
    from calledit.domain.history import change
    from calledit.storage.base import new_call as stored_call

    call = stored_call(new_call("Imported with history", "at_date", later()))
    history = [change(call, call.model_copy(update={"confidence": i / 40}), at=datetime.now(UTC), actor="owner",
                      action="confidence", next_before=None, next_after=None) for i in range(30)]
    assert store.import_call(OWNER, call, history, "fatebook:row-7", None)
    assert len(store.history(OWNER, call.id)) == 30  # every entry, beyond what one transaction holds
    proof = call_log.prove(OWNER, call)
    assert proof is not None and json.loads(proof.entries[0].leaf)["n"] == 0
    assert verify_proof(proof, call_log.signer.public_key).ok
    assert not store.import_call(OWNER, call, history, "fatebook:row-7", None)  # idempotent: nothing new
    assert call_log.head().tree_size == 1


def test_without_a_shared_key_there_is_no_log_rather_than_a_broken_one(store: DynamoCallStore,
                                                                       tmp_path: Path) -> None:
    services = instrument(store, Settings(data_dir=tmp_path / "data"))
    assert services.log is None and services.shares is not None and services.outbox is not None
    store.add(OWNER, new_call("Still logged as a call", "at_date", later()))
    assert store.client.get_item(TableName=store.table, Key={"owner": {"S": PARTITION}, "id": {"S": "tip"}}).get(
        "Item") is None
