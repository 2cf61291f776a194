"""Local accounts: guessable passwords are refused, and a deleted account's tokens stop working."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calledit.auth.errors import AuthError
from calledit.auth.local import LocalAuth
from calledit.auth.passwords import common_passwords
from calledit.domain.call import CallCreate
from calledit.domain.errors import BadRequest
from calledit.providers.scripted import plausible_call
from calledit.storage.sqlite import SqliteCallStore
from calledit.storage.users import SqliteUserStore
from tests.fixtures.auth import CHEAP_HASHER, SECRET


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "calls.db"


@pytest.fixture
def auth(db: Path) -> LocalAuth:
    return LocalAuth(SqliteUserStore(db), SECRET, hasher=CHEAP_HASHER)


def test_the_common_password_list_ships_with_the_package() -> None:
    listed = common_passwords()
    assert len(listed) > 10_000
    assert {"password", "12345678", "iloveyou", "trustno1", "qwertyuiop"} <= listed
    assert all(len(word) >= 8 and word == word.lower() for word in listed)


@pytest.mark.parametrize("password", ["password", "PassWord1", "iloveyou", " qwertyuiop ", "12345678"])
def test_common_passwords_are_refused_whatever_the_case(auth: LocalAuth, password: str) -> None:
    with pytest.raises(BadRequest) as caught:
        auth.signup("alice", password)
    assert "most common" in caught.value.message and "choose another" in caught.value.message
    assert auth.users.user_by_name("alice") is None


@pytest.mark.parametrize("password", ["Alice.Smith", "ALICE.SMITH", "my alice.smith pass", "htims.ecila-2026"])
def test_the_username_in_the_password_is_refused(auth: LocalAuth, password: str) -> None:
    with pytest.raises(BadRequest, match="must not contain the username"):
        auth.add_user("alice.smith", password)


def test_an_uncommon_password_is_accepted(auth: LocalAuth) -> None:
    assert auth.signup("alice", "correct horse battery").user.username == "alice"


def _call(prompt: str) -> CallCreate:
    return CallCreate(**plausible_call(prompt, datetime(2026, 11, 21, 9, tzinfo=UTC)), raw_prompt=prompt,
                      timezone="UTC", model="scripted (test double)")


def test_deleting_an_account_ends_its_tokens_and_takes_its_calls(auth: LocalAuth, db: Path) -> None:
    alice = auth.signup("alice", "correct horse battery")
    bob = auth.signup("bob", "another password")
    calls = SqliteCallStore(db)
    kept = calls.add(bob.user.id, _call("Bob's call"))
    for prompt in ("one", "two"):
        calls.add(alice.user.id, _call(prompt))

    deleted = auth.delete_user("ALICE")  # usernames ignore case
    assert deleted is not None and deleted[0].id == alice.user.id and deleted[1] == 2
    with pytest.raises(AuthError, match="sign in again"):
        auth.verify(alice.access_token)
    with pytest.raises(AuthError, match="sign in again"):  # its refresh tokens went with it
        auth.refresh(alice.refresh_token)
    assert calls.list(alice.user.id).items == []
    assert [c.id for c in calls.list(bob.user.id).items] == [kept.id]
    assert auth.verify(bob.access_token).user_id == bob.user.id
    assert auth.delete_user("alice") is None
    assert auth.signup("alice", "correct horse battery").user.id != alice.user.id, "the name is free again"
    calls.close()


def test_a_user_row_removed_behind_our_back_leaves_no_working_token(auth: LocalAuth, db: Path) -> None:
    """The row is deleted by hand (sqlite3 shell: foreign keys off, so sessions and tokens stay)."""
    alice = auth.signup("alice", "correct horse battery")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM users WHERE id = ?", (alice.user.id,))
    conn.close()
    with pytest.raises(AuthError):
        auth.verify(alice.access_token)
    with pytest.raises(AuthError, match="deleted"):  # was sqlite3.IntegrityError: a 500 over HTTP
        auth.refresh(alice.refresh_token)
