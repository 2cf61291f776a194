"""Public track records and the shares they list, on both adapters (SQLite, DynamoDB Local): names unique in
any case, a new name frees the old one, the switch kept, and each owner's shares listed apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.proof.profiles import NameTaken, PublicProfile, PublicProfiles, profiles_of
from calledit.proof.shares import Shares
from calledit.storage.base import CallStore
from calledit.storage.dynamodb import DynamoCallStore
from calledit.storage.sqlite import SqliteCallStore
from calledit.wiring import instrument
from tests.fixtures.dynamodb import DynamoLocal
from tests.unit.scheduler.fakes import new_call

KEY = SecretStr("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.dynamodb)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallStore]:
    made: CallStore
    if request.param == "sqlite":
        made = SqliteCallStore(tmp_path / "calls.db")
    else:
        local: DynamoLocal = request.getfixturevalue("dynamodb_local")
        made = DynamoCallStore.from_url(f"dynamodb://{local.table_name()}?endpoint={local.endpoint}")
    instrument(made, Settings(data_dir=tmp_path / "data", log_signing_key=KEY))
    yield made
    made.close()


def profiles(store: CallStore) -> PublicProfiles:
    found = profiles_of(store)
    assert found is not None
    return found


def test_a_profile_is_off_until_saved_and_found_by_its_name_in_any_case(store: CallStore) -> None:
    kept = profiles(store)
    assert kept.of_owner("dana") is None and kept.by_username("dana") is None
    assert kept.save("dana", "Dana", True) == PublicProfile("dana", "Dana", True)
    assert kept.by_username("dana") == PublicProfile("dana", "Dana", True)
    assert kept.by_username("DANA") == PublicProfile("dana", "Dana", True)
    kept.save("dana", "Dana", False)
    assert kept.of_owner("dana") == PublicProfile("dana", "Dana", False)
    assert kept.by_username("dana") == PublicProfile("dana", "Dana", False)  # off: the page decides (404)
    assert kept.by_username("") is None and kept.by_username("x" * 65) is None


def test_a_name_belongs_to_one_owner_and_a_new_name_frees_the_old(store: CallStore) -> None:
    kept = profiles(store)
    kept.save("dana", "dana", True)
    with pytest.raises(NameTaken):
        kept.save("erin", "DANA", True)
    assert kept.of_owner("erin") is None and kept.by_username("dana") == PublicProfile("dana", "dana", True)
    kept.save("dana", "dana-k", True)
    assert kept.by_username("dana") is None and kept.by_username("dana-k") == PublicProfile("dana", "dana-k", True)
    assert kept.save("erin", "dana", True) == PublicProfile("erin", "dana", True)


def test_each_owners_shares_are_listed_apart_newest_first(store: CallStore) -> None:
    from calledit.wiring import services_of

    shares: Shares | None = services_of(store).shares
    assert shares is not None
    due = datetime.now(UTC) + timedelta(days=3)
    first, second = (store.add("dana", new_call(f"Dana {n}", "at_date", due)) for n in (1, 2))
    other = store.add("erin", new_call("Erin's", "at_date", due))
    for owner, call in (("dana", first), ("dana", second), ("erin", other)):
        assert shares.share(owner, call.id, show_confidence=False) is not None
    listed = shares.shared_by("dana")
    assert [s.call_id for s in listed] == [second.id, first.id] and {s.owner for s in listed} == {"dana"}
    assert shares.unshare("dana", second.id)
    assert [s.call_id for s in shares.shared_by("dana")] == [first.id]
    assert [s.call_id for s in shares.shared_by("erin")] == [other.id]
    assert shares.shared_by("nobody") == []
