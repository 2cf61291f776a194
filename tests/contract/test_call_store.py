"""One contract for every storage adapter: SQLite on a temp file, DynamoDB on DynamoDB Local.

Whatever CALLEDIT_DB names, a call is only ever seen by its owner, lists come newest first with a
cursor that neither skips nor repeats, and bad input is a BadRequest, never a crash.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calledit.domain.call import Call, CallCreate, CallStatus, Evidence, Verdict, VerdictOutcome
from calledit.domain.errors import BadRequest
from calledit.providers.scripted import plausible_call
from calledit.storage.base import MAX_PAGE, CallStore
from calledit.storage.dynamodb import DynamoCallStore
from calledit.storage.sqlite import SqliteCallStore
from tests.fixtures.dynamodb import DynamoLocal

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def a_call(prompt: str = "The Lakers win tonight", confidence: float | None = 0.6) -> CallCreate:
    return CallCreate(
        **plausible_call(prompt, NOW),
        raw_prompt=prompt,
        timezone="America/Los_Angeles",
        model="scripted (test double)",
        confidence=confidence,
    )


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallStore]:
    if request.param == "sqlite":
        made: CallStore = SqliteCallStore(tmp_path / "calls.db")
    else:
        local: DynamoLocal = request.getfixturevalue("dynamodb_local")
        made = DynamoCallStore.from_url(f"dynamodb://{local.table_name()}?endpoint={local.endpoint}")
    yield made
    made.close()


def test_the_adapter_implements_the_port(store: CallStore) -> None:
    assert isinstance(store, CallStore)


def test_add_then_get_returns_the_same_call(store: CallStore) -> None:
    added = store.add("alice", a_call("Bitcoin hits $100k by the end of the year — ünïcödé 🚀"))
    assert added.id and added.status is CallStatus.PENDING and added.verdict is None
    assert added.created_at == added.updated_at
    assert store.get("alice", added.id) == added


def test_confidence_is_optional(store: CallStore) -> None:
    added = store.add("alice", a_call(confidence=None))
    fetched = store.get("alice", added.id)
    assert fetched is not None and fetched.confidence is None


def test_a_call_is_invisible_to_other_owners(store: CallStore) -> None:
    added = store.add("alice", a_call())
    assert store.get("bob", added.id) is None
    assert store.list("bob").items == []
    assert store.delete("bob", added.id) is False
    assert store.get("alice", added.id) == added
    with pytest.raises(KeyError):
        store.save("bob", added)


def test_get_of_an_unknown_id_is_none(store: CallStore) -> None:
    assert store.get("alice", "no-such-id") is None


def test_list_is_newest_first(store: CallStore) -> None:
    ids = [store.add("alice", a_call(f"Prediction number {n}")).id for n in range(5)]
    store.add("bob", a_call("Bob's own"))
    page = store.list("alice")
    assert [c.id for c in page.items] == ids[::-1]
    assert page.next_cursor is None


def test_pages_cover_everything_once_in_order(store: CallStore) -> None:
    ids = [store.add("alice", a_call(f"Prediction number {n}")).id for n in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = store.list("alice", limit=3, cursor=cursor)
        seen += [c.id for c in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids[::-1]
    assert pages == 3


def test_an_exactly_full_page_has_no_next_cursor(store: CallStore) -> None:
    for n in range(3):
        store.add("alice", a_call(f"Prediction number {n}"))
    page = store.list("alice", limit=3)
    assert len(page.items) == 3 and page.next_cursor is None


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE + 1])
def test_a_limit_out_of_range_is_a_bad_request(store: CallStore, limit: int) -> None:
    with pytest.raises(BadRequest, match="limit must be between"):
        store.list("alice", limit=limit)


@pytest.mark.parametrize("cursor", [
    "garbage", "W10=", "bm90IGpzb24=",
    base64.urlsafe_b64encode(b"[" * 3000).decode(),  # was a RecursionError
    base64.urlsafe_b64encode(b'["\\ud800", "x"]').decode(),  # a lone surrogate: was a UnicodeEncodeError
    "\ud800",
])
def test_a_forged_cursor_is_a_bad_request(store: CallStore, cursor: str) -> None:
    with pytest.raises(BadRequest, match="Invalid cursor"):
        store.list("alice", cursor=cursor)


def test_delete_removes_the_call_once(store: CallStore) -> None:
    added = store.add("alice", a_call())
    assert store.delete("alice", added.id) is True
    assert store.get("alice", added.id) is None
    assert store.delete("alice", added.id) is False
    assert store.list("alice").items == []


def test_save_replaces_the_call_and_bumps_updated_at(store: CallStore) -> None:
    added = store.add("alice", a_call())
    verdict = Verdict(
        verdict=VerdictOutcome.CONFIRMED,
        confidence=0.9,
        evidence=[Evidence(source="NBA.com", finding="Lakers 112-104", criterion="The Lakers win")],
        reasoning="The final score shows a Lakers win.",
        verified_at=NOW,
    )
    saved = store.save("alice", added.model_copy(update={"verdict": verdict, "status": CallStatus.VERIFIED}))
    assert saved.updated_at > added.updated_at
    fetched = store.get("alice", added.id)
    assert fetched == saved
    assert fetched is not None and fetched.verdict == verdict and fetched.status is CallStatus.VERIFIED
    assert fetched.created_at == added.created_at
    assert [c.id for c in store.list("alice").items] == [added.id]  # still listed once, in place


def test_save_of_a_call_that_was_never_added_raises_key_error(store: CallStore) -> None:
    ghost = Call(**a_call().model_dump(), id="ghost", created_at=NOW, updated_at=NOW)
    with pytest.raises(KeyError):
        store.save("alice", ghost)
    assert store.get("alice", "ghost") is None
