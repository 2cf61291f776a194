"""The call log over a real SQLite file: every write of a call is an entry, proofs verify offline, and a change
made behind the server's back (a direct SQL update) makes the proof fail."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calledit.config import Settings
from calledit.proof import merkle
from calledit.proof.bundle import CallProof, parse_proof, verify_proof
from calledit.proof.shares import PUBLIC_FIELDS
from calledit.proof.signing import KEY_FILE, LogSigner, verify_head
from calledit.proof.sqlite_log import SqliteCallLog
from calledit.scheduler import resolution
from calledit.storage.sqlite import SqliteCallStore
from calledit.wiring import instrument
from tests.unit.scheduler.fakes import new_call

OWNER = "alice"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "calls.db"), data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[SqliteCallStore]:
    store = SqliteCallStore(settings.sqlite_path())
    yield store
    store.close()


@pytest.fixture
def call_log(store: SqliteCallStore, settings: Settings) -> SqliteCallLog:
    log = instrument(store, settings).log
    assert isinstance(log, SqliteCallLog)
    return log


def later(days: int = 3) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def sql(store: SqliteCallStore, statement: str, *args: object) -> None:
    """A change made behind the server's back, in a connection of its own."""
    with sqlite3.connect(store.path) as conn:
        conn.execute(statement, args)


def test_every_write_is_an_entry_and_the_proof_verifies_offline(
    store: SqliteCallStore, call_log: SqliteCallLog
) -> None:
    call = store.add(OWNER, new_call("It rains in Paris on Friday", "at_date", later()))
    resolution.set_confidence(store, OWNER, call.id, 0.7, now=datetime.now(UTC))
    stored = resolution.resolve(store, OWNER, call.id, "confirmed", now=datetime.now(UTC), note="It poured.")
    other = store.add("bob", new_call("Bob's call", "at_date", later()))

    proof = call_log.prove(OWNER, stored)
    assert proof is not None and [e.index for e in proof.entries] == [0, 1, 2]
    assert proof.head.tree_size == 4  # bob's call is in the same log
    # What travels is JSON: the check runs on the parsed bundle with nothing but the key.
    report = verify_proof(parse_proof(proof.model_dump_json()), call_log.signer.public_key)
    assert report.ok, report.problems
    statement = report.field("prediction_statement")
    assert statement is not None and (statement.since_index, statement.since_n) == (0, 0)
    assert statement.value == "It rains in Paris on Friday"
    verdict = report.field("verdict")
    assert verdict is not None and verdict.since_index == 2 and verdict.value["verdict"] == "confirmed"
    confidence = report.field("confidence")
    assert confidence is not None and confidence.since_index == 1 and confidence.value == 0.7
    assert report.sentences()[0].startswith("This statement was in the log at ")
    assert "entry 0, unchanged since." in report.sentences()[0]
    assert call_log.prove("bob", other) is not None


def test_a_direct_sql_update_of_the_call_makes_its_proof_fail(store: SqliteCallStore, call_log: SqliteCallLog) -> None:
    call = store.add(OWNER, new_call("The Lakers win tonight", "at_date", later()))
    assert call_log.check(OWNER, call).ok
    document = json.loads(sqlite3.connect(store.path).execute("SELECT document FROM calls").fetchone()[0])
    document["prediction_statement"] = "The Celtics win tonight"  # rewritten after the fact
    sql(store, "UPDATE calls SET document = ? WHERE id = ?", json.dumps(document), call.id)

    tampered = store.get(OWNER, call.id)
    assert tampered is not None and tampered.prediction_statement == "The Celtics win tonight"
    report = call_log.check(OWNER, tampered)
    assert not report.ok
    assert any("This statement (prediction_statement) differs from what the log holds" in p for p in report.problems)
    # The shared fields alone fail the same way (what a visitor of the public page checks).
    public = call_log.prove(OWNER, tampered, PUBLIC_FIELDS)
    assert public is not None and not verify_proof(public, call_log.signer.public_key).ok
    assert report.sentences()[0].startswith("NOT PROVED:")


def test_a_hidden_field_changed_by_sql_fails_the_owners_proof(store: SqliteCallStore, call_log: SqliteCallLog) -> None:
    call = store.add(OWNER, new_call("A hidden change", "at_date", later(), confidence=0.2))
    document = json.loads(sqlite3.connect(store.path).execute("SELECT document FROM calls").fetchone()[0])
    document["confidence"] = 0.9  # the owner "always" thought so
    sql(store, "UPDATE calls SET document = ? WHERE id = ?", json.dumps(document), call.id)
    tampered = store.get(OWNER, call.id)
    assert tampered is not None
    report = call_log.check(OWNER, tampered)
    assert not report.ok and any("confidence" in p for p in report.problems)


def test_rewriting_a_log_entry_breaks_the_inclusion_proof(store: SqliteCallStore, call_log: SqliteCallLog) -> None:
    call = store.add(OWNER, new_call("Entry to be forged", "at_date", later()))
    store.add(OWNER, new_call("Another", "at_date", later()))
    sql(store, "UPDATE log_entries SET leaf = replace(leaf, '\"n\":0', '\"n\":0 ') WHERE call_id = ?", call.id)
    report = call_log.check(OWNER, call)
    assert not report.ok and "is not in the signed tree head" in report.problems[0]


def test_rebuilding_the_log_is_caught_by_a_head_published_before(
    store: SqliteCallStore, call_log: SqliteCallLog, settings: Settings
) -> None:
    """Even the key's holder cannot rewrite history unseen: a head published earlier is no prefix of the new
    tree (the consistency proof fails), which is why heads are published (docs/proof.md)."""
    call = store.add(OWNER, new_call("Bitcoin hits 100k by December", "before_date", later(30)))
    store.add(OWNER, new_call("Filler", "at_date", later()))
    published = call_log.head()

    # The operator edits the first call, then rebuilds every node and re-signs every head with the real key.
    forged = SqliteCallStore(settings.sqlite_path().with_name("forged.db"))
    forged_log = SqliteCallLog(forged.connection, call_log.signer)
    forged.hooks.append(forged_log)
    forged.add(OWNER, new_call("Bitcoin hits 100k by June", "before_date", later(30)))
    forged.add(OWNER, new_call("Filler", "at_date", later()))
    rewritten = forged_log.head()
    forged.close()
    assert verify_head(rewritten, call_log.signer.public_key)  # a valid signature, a different history
    assert rewritten.tree_size == published.tree_size and rewritten.root_hash != published.root_hash
    assert not merkle.verify_consistency(published.tree_size, rewritten.tree_size, bytes.fromhex(published.root_hash),
                                         bytes.fromhex(rewritten.root_hash), [])
    assert call_log.check(OWNER, call).ok  # the honest log still proves the original call

    # The honest log, grown since, stays consistent with what it published.
    store.add(OWNER, new_call("Later call", "at_date", later()))
    grown = call_log.head()
    proof = [bytes.fromhex(h) for h in call_log.consistency(published.tree_size, grown.tree_size)]
    assert merkle.verify_consistency(published.tree_size, grown.tree_size, bytes.fromhex(published.root_hash),
                                     bytes.fromhex(grown.root_hash), proof)


def test_a_reschedule_adds_no_entry_and_each_append_signs_a_head(
    store: SqliteCallStore, call_log: SqliteCallLog
) -> None:
    call = store.add(OWNER, new_call("Reschedule me", "at_date", later()))
    store.record(OWNER, call, None, next_check_at=datetime.now(UTC))  # check now: nothing committed changed
    assert call_log.head().tree_size == 1
    store.save(OWNER, call.model_copy(update={"confidence": 0.4}))  # a save that does change the call
    assert call_log.head().tree_size == 2
    for size in (1, 2):
        head = call_log.head_at(size)
        assert head is not None and verify_head(head, call_log.signer.public_key)
    first, second = call_log.head_at(1), call_log.head_at(2)
    assert first is not None and second is not None and first.timestamp <= second.timestamp


def test_calls_logged_before_the_log_existed_are_backfilled(settings: Settings) -> None:
    plain = SqliteCallStore(settings.sqlite_path())
    old = plain.add(OWNER, new_call("Made before the log", "at_date", later()))
    plain.close()
    store = SqliteCallStore(settings.sqlite_path())
    try:
        log = instrument(store, settings).log
        assert log is not None
        proof = log.prove(OWNER, old)
        assert proof is not None and json.loads(proof.entries[0].leaf)["n"] == 0
        assert verify_proof(proof, log.signer.public_key).ok
        assert sqlite3.connect(store.path).execute("SELECT event FROM log_entries").fetchone()[0] == "backfilled"
    finally:
        store.close()


def test_a_public_proof_reveals_only_the_shared_fields(store: SqliteCallStore, call_log: SqliteCallLog) -> None:
    call = store.add(OWNER, new_call("Shared statement", "at_date", later(), raw_prompt="my secret words",
                                     confidence=0.33))
    proof = call_log.prove(OWNER, call, PUBLIC_FIELDS)
    assert proof is not None
    text = proof.model_dump_json()
    assert "my secret words" not in text and OWNER not in text and "0.33" not in text
    assert set(proof.entries[0].disclosed) == set(PUBLIC_FIELDS)
    # The hidden fields are there as salted hashes only.
    assert {"raw_prompt", "owner", "confidence"} <= set(json.loads(proof.entries[0].leaf)["fields"])


def test_the_key_is_made_on_first_use_once_and_kept_private(settings: Settings) -> None:
    first = LogSigner.from_settings(settings)
    path = settings.data_dir / KEY_FILE
    assert not path.exists()  # nothing signed yet: an OpenAPI export or `calledit list` leaves no key behind
    made = first.public_key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert LogSigner.from_settings(settings).public_key == made
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left over


def test_a_proof_against_another_key_or_a_forged_head_fails(store: SqliteCallStore, call_log: SqliteCallLog) -> None:
    call = store.add(OWNER, new_call("Signed", "at_date", later()))
    proof = call_log.prove(OWNER, call)
    assert proof is not None
    stranger = LogSigner.generate()
    assert "is not the key you trust" in verify_proof(proof, stranger.public_key).problems[0]
    forged = CallProof.model_validate({**proof.model_dump(), "head": stranger.sign(
        proof.head.tree_size, bytes.fromhex(proof.head.root_hash), proof.head.timestamp).model_dump()})
    assert "signature does not verify" in verify_proof(forged).problems[0]
    missing = CallProof.model_validate({**proof.model_dump(), "entries": []})
    assert not verify_proof(missing).ok
