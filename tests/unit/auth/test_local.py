"""Local accounts: passwords, access tokens bound to sessions, rotated refresh tokens, the secret file."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from argon2 import PasswordHasher

from calledit.auth.errors import AuthError
from calledit.auth.local import AUDIENCE, ISSUER, LocalAuth, hash_refresh, load_jwt_secret
from calledit.domain.errors import BadRequest, ConfigurationError
from calledit.storage.users import SqliteUserStore, UsernameTaken
from tests.fixtures.auth import CHEAP_HASHER, SECRET, tampered, unsigned


@pytest.fixture
def store(tmp_path: Path) -> SqliteUserStore:
    return SqliteUserStore(tmp_path / "calls.db")


@pytest.fixture
def auth(store: SqliteUserStore) -> LocalAuth:
    return LocalAuth(store, SECRET, hasher=CHEAP_HASHER)


def refused(auth: LocalAuth, token: str) -> str:
    with pytest.raises(AuthError) as caught:
        auth.verify(token)
    return caught.value.message


def test_signup_signs_in(auth: LocalAuth) -> None:
    pair = auth.signup("alice", "correct horse battery")
    principal = auth.verify(pair.access_token)
    assert principal.user_id == pair.user.id
    assert principal.claims["username"] == "alice"
    assert principal.claims["exp"] - principal.claims["iat"] == 15 * 60
    assert pair.refresh_token not in pair.access_token


def test_passwords_are_stored_as_argon2id(auth: LocalAuth, store: SqliteUserStore) -> None:
    auth.signup("alice", "correct horse battery")
    user = store.user_by_name("alice")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_default_hasher_is_argon2s_recommended_profile(store: SqliteUserStore) -> None:
    default = LocalAuth(store, SECRET)._hasher
    assert default.memory_cost == PasswordHasher().memory_cost >= 64 * 1024


def test_usernames_are_unique_ignoring_case(auth: LocalAuth) -> None:
    auth.signup("Alice", "correct horse battery")
    with pytest.raises(UsernameTaken, match="taken"):
        auth.signup("alice", "another password")
    assert auth.login("ALICE", "correct horse battery").user.username == "Alice"


@pytest.mark.parametrize("username", ["ab", "x" * 65, "has space", "-leading", "semi;colon", "émile"])
def test_bad_usernames_say_what_is_allowed(auth: LocalAuth, username: str) -> None:
    with pytest.raises(BadRequest, match="3-64 characters"):
        auth.signup(username, "correct horse battery")


@pytest.mark.parametrize("password", ["short", "x" * 257, " " * 10])
def test_bad_passwords_are_refused(auth: LocalAuth, password: str) -> None:
    with pytest.raises(BadRequest, match="password"):
        auth.signup("alice", password)


def test_wrong_password_and_unknown_user_look_the_same(auth: LocalAuth) -> None:
    auth.signup("alice", "correct horse battery")
    with pytest.raises(AuthError) as wrong:
        auth.login("alice", "incorrect horse")
    with pytest.raises(AuthError) as unknown:
        auth.login("bob", "correct horse battery")
    assert wrong.value.message == unknown.value.message == "Wrong username or password."


def test_refresh_rotates_and_a_reused_token_ends_the_session(auth: LocalAuth) -> None:
    first = auth.signup("alice", "correct horse battery")
    second = auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert auth.verify(second.access_token).claims["sid"] == auth.verify(first.access_token).claims["sid"]
    with pytest.raises(AuthError, match="already used"):
        auth.refresh(first.refresh_token)  # replayed: someone else has it
    assert "signed out" in refused(auth, second.access_token)
    with pytest.raises(AuthError, match="signed out"):
        auth.refresh(second.refresh_token)


def test_unknown_refresh_token_is_refused(auth: LocalAuth) -> None:
    with pytest.raises(AuthError, match="Unknown refresh token"):
        auth.refresh("not-a-token")


def test_expired_refresh_token_is_refused(store: SqliteUserStore) -> None:
    now = [time.time()]
    auth = LocalAuth(store, SECRET, hasher=CHEAP_HASHER, refresh_ttl=timedelta(seconds=60), clock=lambda: now[0])
    pair = auth.signup("alice", "correct horse battery")
    now[0] -= 120  # issue the next one already expired
    stale = auth.refresh(pair.refresh_token)
    now[0] += 120
    with pytest.raises(AuthError, match="expired"):
        auth.refresh(stale.refresh_token)


def test_refresh_tokens_are_stored_hashed(auth: LocalAuth, store: SqliteUserStore) -> None:
    pair = auth.signup("alice", "correct horse battery")
    with store._conn() as conn:
        rows = conn.execute("SELECT token_hash FROM refresh_tokens").fetchall()
    assert [row[0] for row in rows] == [hash_refresh(pair.refresh_token)]


def test_logout_ends_only_that_session(auth: LocalAuth) -> None:
    laptop = auth.signup("alice", "correct horse battery")
    phone = auth.login("alice", "correct horse battery")
    assert auth.logout(session_id=auth.verify(laptop.access_token).claims["sid"]) == 1
    assert "signed out" in refused(auth, laptop.access_token)
    assert auth.verify(phone.access_token).user_id == phone.user.id
    assert auth.logout(everywhere_for=phone.user.id) == 1
    assert "signed out" in refused(auth, phone.access_token)


def test_logout_by_refresh_token(auth: LocalAuth) -> None:
    pair = auth.signup("alice", "correct horse battery")
    assert auth.logout(refresh_token=pair.refresh_token) == 1
    assert auth.logout(refresh_token=pair.refresh_token) == 0
    assert "signed out" in refused(auth, pair.access_token)


def test_expired_access_token(store: SqliteUserStore) -> None:
    now = [time.time()]
    auth = LocalAuth(store, SECRET, hasher=CHEAP_HASHER, clock=lambda: now[0])
    now[0] -= 3600
    pair = auth.signup("alice", "correct horse battery")
    assert "expired" in refused(auth, pair.access_token)


def test_forged_access_tokens_are_refused(auth: LocalAuth) -> None:
    pair = auth.signup("alice", "correct horse battery")
    sid = auth.verify(pair.access_token).claims["sid"]
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "someone-else", "sid": sid, "iat": int(time.time()),
              "exp": int(time.time()) + 60}
    assert "signature" in refused(auth, tampered(pair.access_token, sub="someone-else"))
    assert "algorithm" in refused(auth, unsigned(claims))
    other_secret = jwt.encode(claims, b"another-secret-another-secret-another-secret", algorithm="HS256")
    assert "signature" in refused(auth, other_secret)
    wrong_audience = jwt.encode({**claims, "aud": "other"}, SECRET, algorithm="HS256")
    assert "not valid" in refused(auth, wrong_audience)
    no_session = jwt.encode({k: v for k, v in claims.items() if k != "sid"}, SECRET, algorithm="HS256")
    assert "not valid" in refused(auth, no_session)


def test_short_secret_is_a_configuration_error(store: SqliteUserStore) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        LocalAuth(store, b"short")


def test_secret_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_jwt_secret(None, tmp_path / "data")
    path = tmp_path / "data" / "jwt-secret"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert len(first) >= 32
    assert load_jwt_secret(None, tmp_path / "data") == first
    explicit = "explicit-secret-explicit-secret-x"
    assert load_jwt_secret(explicit, tmp_path / "data") == explicit.encode()


def test_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_jwt_secret(None, tmp_path)
    (tmp_path / "jwt-secret").chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_jwt_secret(None, tmp_path)


def test_login_upgrades_an_outdated_hash(store: SqliteUserStore) -> None:
    old = LocalAuth(store, SECRET, hasher=PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    old.signup("alice", "correct horse battery")
    before = store.user_by_name("alice")
    assert before is not None and CHEAP_HASHER.check_needs_rehash(before.password_hash)
    LocalAuth(store, SECRET, hasher=CHEAP_HASHER).login("alice", "correct horse battery")
    user = store.user_by_name("alice")
    assert user is not None and not CHEAP_HASHER.check_needs_rehash(user.password_hash)


def test_connections_do_not_pile_up_as_threads_come_and_go(auth: LocalAuth, store: SqliteUserStore) -> None:
    """Worker threads are retired and replaced; the store's connections must not grow with them."""
    token = auth.signup("alice", "correct horse battery").access_token
    for _ in range(5):
        threads = [threading.Thread(target=auth.verify, args=(token,)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert store.connections() == 1, "only this thread's connection: the ended threads' are closed"
