"""The tracker's half of the storage port, one contract for SQLite and DynamoDB: search, filters, orders and
keyset pages give the same answers on both; imports are idempotent; exports carry everything; API tokens
are kept by hash and scoped to their owner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calledit.domain.call import (
    Call,
    CallChange,
    CallCreate,
    CallState,
    CallStatus,
    Verdict,
    VerdictOutcome,
    VerifiableCategory,
)
from calledit.domain.errors import BadRequest
from calledit.domain.outcomes import Outcome
from calledit.domain.queries import CallQuery, Sort
from calledit.storage.base import TokenStore, TrackerStore
from calledit.storage.dynamodb import DynamoCallStore
from calledit.storage.sqlite import SqliteCallStore
from tests.fixtures.dynamodb import DynamoLocal

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        made: Any = SqliteCallStore(tmp_path / "calls.db")
    else:
        local: DynamoLocal = request.getfixturevalue("dynamodb_local")
        made = DynamoCallStore.from_url(f"dynamodb://{local.table_name()}?endpoint={local.endpoint}")
    assert isinstance(made, TrackerStore) and isinstance(made, TokenStore)
    yield made
    made.close()


def a_call(statement: str, due: datetime = NOW + timedelta(days=2), **extra: Any) -> CallCreate:
    fields: dict[str, Any] = {
        "raw_prompt": statement, "prediction_statement": statement, "verification_date": due,
        "date_reasoning": "d", "verification_mode": "at_date", "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "c", "verifiability_score": 0.5,
        "verification_method": {"source": ["s"], "criteria": ["It happens"], "steps": ["look"]},
        "timezone": "UTC", "model": "scripted",
    }
    return CallCreate(**(fields | extra))


def ids(page_items: list[Any]) -> list[str]:
    return [call.id for call in page_items]


def find(store: Any, owner: str = "alice", **query: Any) -> list[str]:
    return ids(store.find(owner, CallQuery(**query), NOW).items)


def test_search_finds_word_prefixes_in_statement_prompt_and_tags_ignoring_case_and_accents(store: Any) -> None:
    celtics = store.add("alice", a_call("The Celtics win tonight", tags=["sports"]))
    zurich = store.add("alice", a_call("It snows in Zürich on Friday"))
    prompt_only = store.add("alice", a_call("Rates fall", raw_prompt="the ECB cuts rates in June"))
    tagged = store.add("alice", a_call("GPT-6 ships", tags=["ai safety"]))
    store.add("bob", a_call("The Celtics lose tonight"))  # another owner's: never found
    assert find(store, q="celt") == [celtics.id]
    assert find(store, q="CELTICS tonight") == [celtics.id]
    assert find(store, q="zurich") == [zurich.id]
    assert find(store, q="Zürich") == [zurich.id]
    assert find(store, q="ecb june") == [prompt_only.id]
    assert find(store, q="safety") == [tagged.id]
    assert find(store, q="sports") == [celtics.id]
    assert find(store, q="celtics zurich") == []  # every word must be there
    assert find(store, q="nothing-like-this") == []
    # FTS5 syntax is only words here: quotes, stars and operators cannot break or widen the query
    assert find(store, q='celt" OR "zur*') == []
    assert find(store, q="NEAR(") == []
    assert find(store, q="   ") == ids(store.find("alice", CallQuery(), NOW).items)


def test_search_follows_edits_and_deletes(store: Any) -> None:
    call = store.add("alice", a_call("Bitcoin hits 100k", raw_prompt="crypto goes up"))
    assert find(store, q="bitcoin") == [call.id]
    edited = call.model_copy(update={"prediction_statement": "Ethereum hits 10k", "tags": ["crypto"]})
    store.save("alice", edited)
    assert find(store, q="bitcoin") == []
    assert find(store, q="ethereum") == [call.id]
    assert find(store, tags=("crypto",)) == [call.id]
    store.delete("alice", call.id)
    assert find(store, q="ethereum") == [] and find(store, tags=("crypto",)) == []


def test_tags_filter_needs_every_tag(store: Any) -> None:
    both = store.add("alice", a_call("One", tags=["work", "ai"]))
    work = store.add("alice", a_call("Two", tags=["work"]))
    store.add("alice", a_call("Three"))
    assert find(store, tags=("work",)) == [work.id, both.id]
    assert find(store, tags=("work", "ai")) == [both.id]
    assert find(store, tags=("nope",)) == []


def _verdict(outcome: VerdictOutcome) -> Verdict:
    return Verdict(verdict=outcome, confidence=1.0, reasoning="r", verified_at=NOW)


def _record(store: Any, call: Call, status: CallStatus, verdict: Verdict | None, next_check: datetime | None) -> None:
    settled = call.model_copy(update={"status": status, "verdict": verdict})
    entry = CallChange(id=uuid.uuid4().hex, call_id=call.id, at=NOW, actor="owner", action="resolved",
                       before=CallState(status=call.status), after=CallState(status=status, verdict=verdict))
    store.record("alice", settled, entry, next_check_at=next_check)


def test_status_filters_take_stored_statuses_and_outcomes(store: Any) -> None:
    past = NOW - timedelta(days=1)
    called = store.add("alice", a_call("Called", due=past))
    missed = store.add("alice", a_call("Missed", due=past))
    void = store.add("alice", a_call("Void", due=past))
    yours = store.add("alice", a_call("Human, due", due=past, verifiable_category="human_verifiable_only"))
    later = store.add("alice", a_call("Human, later", verifiable_category="human_verifiable_only"))
    checking = store.add("alice", a_call("Agent, later"))
    gave_up = store.add("alice", a_call("Agent gave up", due=past))
    _record(store, called, CallStatus.VERIFIED, _verdict(VerdictOutcome.CONFIRMED), None)
    _record(store, missed, CallStatus.VERIFIED, _verdict(VerdictOutcome.REFUTED), None)
    _record(store, void, CallStatus.VOID, None, None)
    _record(store, gave_up, CallStatus.INCONCLUSIVE, _verdict(VerdictOutcome.INCONCLUSIVE), None)
    assert find(store, statuses=(Outcome.CALLED_IT,)) == [called.id]
    assert find(store, statuses=(Outcome.MISSED_IT,)) == [missed.id]
    assert find(store, statuses=(Outcome.VOID,)) == [void.id] == find(store, statuses=(CallStatus.VOID,))
    assert find(store, statuses=(Outcome.WAITING_FOR_YOU,)) == [gave_up.id, yours.id]
    assert find(store, statuses=(Outcome.CHECKING,)) == [checking.id, later.id]
    assert find(store, statuses=(CallStatus.VERIFIED,)) == [missed.id, called.id]
    assert find(store, statuses=(CallStatus.INCONCLUSIVE,)) == [gave_up.id]
    assert find(store, statuses=(Outcome.CALLED_IT, Outcome.MISSED_IT)) == [missed.id, called.id]
    # each listed call says where it stands, in the same words
    page = store.find("alice", CallQuery(), NOW)
    outcomes = {call.id: (call.outcome, call.outcome_label) for call in page.items}
    assert outcomes[called.id] == (Outcome.CALLED_IT, "called it")
    assert outcomes[yours.id] == (Outcome.WAITING_FOR_YOU, "waiting for you")
    assert outcomes[checking.id] == (Outcome.CHECKING, "checking")
    waiting = {call.id for call in store.awaiting_owner("alice", NOW)}
    assert waiting == set(find(store, statuses=(Outcome.WAITING_FOR_YOU,)))  # the same as GET /api/due


def test_due_window_category_and_orders(store: Any) -> None:
    soon = store.add("alice", a_call("Soon", due=NOW + timedelta(days=1)))
    later = store.add("alice", a_call("Later", due=NOW + timedelta(days=10)))
    latest = store.add("alice", a_call("Latest", due=NOW + timedelta(days=20), verifiable_category="agent_verifiable"))
    assert find(store) == [latest.id, later.id, soon.id]
    assert find(store, sort=Sort.OLDEST) == [soon.id, later.id, latest.id]
    assert find(store, sort=Sort.DUE) == [soon.id, later.id, latest.id]
    window = {"due_after": NOW + timedelta(days=1), "due_before": NOW + timedelta(days=20)}
    assert find(store, sort=Sort.DUE, **window) == [soon.id, later.id]  # after inclusive, before exclusive
    assert find(store, category=VerifiableCategory.AGENT_VERIFIABLE) == [latest.id]


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_cover_everything_once_in_order_with_filters(store: Any, sort: Sort) -> None:
    made = []
    for n in range(9):
        tags = ["even"] if n % 2 == 0 else []
        made.append(store.add("alice", a_call(f"Prediction {n}", due=NOW + timedelta(days=9 - n), tags=tags)))
    for query in ({}, {"tags": ("even",)}, {"q": "prediction"}):
        everything = find(store, sort=sort, limit=100, **query)
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = store.find("alice", CallQuery(sort=sort, limit=2, cursor=cursor, **query), NOW)
            seen += ids(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == everything and len(set(seen)) == len(seen)
    assert len(find(store, sort=sort, limit=100, tags=("even",))) == 5


def test_a_cursor_of_one_order_is_refused_by_another(store: Any) -> None:
    for n in range(3):
        store.add("alice", a_call(f"Prediction {n}"))
    cursor = store.find("alice", CallQuery(limit=1), NOW).next_cursor
    assert cursor is not None
    with pytest.raises(BadRequest, match="start again from the first page"):
        store.find("alice", CallQuery(limit=1, cursor=cursor, sort=Sort.DUE), NOW)
    with pytest.raises(BadRequest, match="Invalid cursor"):
        store.find("alice", CallQuery(cursor="garbage"), NOW)
    assert store.list("alice", limit=1, cursor=cursor).items  # list's own cursors and newest-first agree


def _imported(statement: str, key_id: str | None = None) -> tuple[Call, list[CallChange]]:
    call = Call(**a_call(statement, confidence=0.7).model_dump(), id=key_id or uuid.uuid4().hex,
                created_at=NOW - timedelta(days=3),
                updated_at=NOW - timedelta(days=2))
    entry = CallChange(id=uuid.uuid4().hex, call_id=call.id, at=NOW - timedelta(days=2), actor="owner",
                       action="confidence", before=CallState(status=CallStatus.PENDING),
                       after=CallState(status=CallStatus.PENDING, confidence=0.7))
    return call, [entry]


def test_import_keeps_the_call_as_given_and_twice_adds_nothing(store: Any) -> None:
    call, history = _imported("Imported once")
    assert store.import_call("alice", call, history, "fatebook:abc", None) is True
    assert store.get("alice", call.id) == call  # timestamps as given, not now
    assert store.history("alice", call.id) == history
    again, again_history = _imported("Imported once")
    assert store.import_call("alice", again, again_history, "fatebook:abc", None) is False
    assert store.get("alice", again.id) is None
    assert store.import_call("bob", again, again_history, "fatebook:abc", None) is True  # keys are per owner
    assert find(store, q="imported") == [call.id]


def test_a_native_key_names_the_owners_own_call(store: Any) -> None:
    own = store.add("alice", a_call("Mine"))
    copy, history = _imported("Mine")
    assert store.import_call("alice", copy, history, f"calledit:{own.id}", None) is False  # exported and back
    assert store.import_call("bob", copy, history, f"calledit:{own.id}", None) is True


def test_export_gives_every_call_newest_first_with_history_key_and_schedule(store: Any) -> None:
    imported, history = _imported("From elsewhere")
    store.import_call("alice", imported, history, "fatebook:xyz", NOW + timedelta(days=5))
    native = store.add("alice", a_call("Logged here"))
    store.add("bob", a_call("Bob's"))
    exported = list(store.export_calls("alice"))
    assert [item.call.id for item in exported] == [native.id, imported.id]
    assert exported[0].import_key == f"calledit:{native.id}" and exported[0].history == []
    assert exported[0].next_check_at == native.verification_date
    assert exported[1].import_key == "fatebook:xyz" and exported[1].history == history
    assert exported[1].next_check_at == NOW + timedelta(days=5)


def test_a_deleted_import_can_be_imported_again(store: Any) -> None:
    call, history = _imported("Gone and back")
    store.import_call("alice", call, history, "fatebook:back", None)
    assert store.delete("alice", call.id)
    assert store.import_call("alice", *_imported("Gone and back"), "fatebook:back", None) is True


def test_tokens_are_kept_by_hash_and_scoped_to_their_owner(store: Any) -> None:
    expires = NOW + timedelta(days=30)
    first = store.add_token("alice", "laptop", "hash-1", "cit_Ab3x", expires)
    second = store.add_token("alice", "ci", "hash-2", "cit_Zz99", None)
    store.add_token("bob", "bob's", "hash-3", "cit_Bob1", None)
    assert [t.id for t in store.tokens("alice")] == [first.id, second.id]
    found = store.token_by_hash("hash-1")
    assert found is not None and (found.owner, found.name, found.hint) == ("alice", "laptop", "cit_Ab3x")
    assert found.expires_at == expires and found.last_used_at is None
    store.token_used(found, "hash-1", NOW)
    assert [t.last_used_at for t in store.tokens("alice")] == [NOW, None]
    assert store.token_by_hash("nope") is None
    assert store.delete_token("bob", first.id) is False  # not bob's
    assert store.delete_token("alice", first.id) is True
    assert store.token_by_hash("hash-1") is None
    assert store.delete_token("alice", first.id) is False
    assert [t.id for t in store.tokens("alice")] == [second.id]
    assert store.find("alice", CallQuery(), NOW).items == [] and store.list("alice").items == []  # not calls
