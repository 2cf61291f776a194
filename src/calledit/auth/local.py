"""Local accounts (CALLEDIT_AUTH=local): argon2 passwords, short-lived HS256 access tokens, rotated
opaque refresh tokens stored only as hashes.

An access token names its sign-in session (`sid`), so signing out ends it at once, not when it expires.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from calledit.auth.errors import AuthError
from calledit.auth.passwords import check_not_guessable
from calledit.auth.tokens import Principal
from calledit.domain.errors import BadRequest, ConfigurationError
from calledit.storage.users import Rotation, User, UserStore

logger = logging.getLogger(__name__)

ISSUER = "calledit"
AUDIENCE = "calledit-api"
ALGORITHM = "HS256"
SECRET_FILE = "jwt-secret"
MIN_SECRET_BYTES = 32  # HS256 wants a key at least as long as its digest
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{2,63}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 256
# argon2 takes ~64 MiB per hash: bound how many run at once so a burst of sign-ins cannot exhaust memory.
_HASHING = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class TokenPair:
    """What a sign-in or refresh returns."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: User


def validate_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise BadRequest(
            "A username is 3-64 characters: letters, digits and . _ @ + -, starting with a letter or digit."
        )
    return username


def validate_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadRequest(f"A password is {MIN_PASSWORD}-{MAX_PASSWORD} characters long.")
    if not password.strip():
        raise BadRequest("A password cannot be only spaces.")
    return password


def hash_refresh(token: str) -> str:
    """Refresh tokens are 256 random bits, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


class LocalAuth:
    """Sign-up, sign-in, refresh, sign-out and access-token verification over a UserStore."""

    def __init__(
        self,
        users: UserStore,
        secret: bytes,
        *,
        access_ttl: timedelta = timedelta(minutes=15),
        refresh_ttl: timedelta = timedelta(days=30),
        hasher: PasswordHasher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"CALLEDIT_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes: generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        self.users = users
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        # Compared against when the username is unknown, so a wrong name costs what a wrong password does.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    # --- accounts ---------------------------------------------------------------------------------

    def add_user(self, username: str, password: str) -> User:
        validate_username(username)
        validate_password(password)
        check_not_guessable(password, username)
        with _HASHING:
            password_hash = self._hasher.hash(password)
        return self.users.create_user(username, password_hash)

    def signup(self, username: str, password: str) -> TokenPair:
        user = self.add_user(username, password)
        logger.info("user=<%s> | signed up", user.id)
        return self._start(user)

    def login(self, username: str, password: str) -> TokenPair:
        user = self.users.user_by_name(username) if USERNAME.fullmatch(username) else None
        matches = self._password_matches(user, password)  # hashes even for an unknown name
        if user is None or not matches:
            raise AuthError("Wrong username or password.")
        if self._hasher.check_needs_rehash(user.password_hash):
            with _HASHING:
                self.users.set_password_hash(user.id, self._hasher.hash(password))
        return self._start(user)

    def delete_user(self, username: str) -> tuple[User, int] | None:
        """Delete an account with its sessions and calls: its tokens stop working at once. (user, calls
        deleted), or None when there is no such account."""
        user = self.users.user_by_name(username)
        if user is None:
            return None
        calls = self.users.delete_user(user.id)
        if calls is None:  # deleted by someone else meanwhile
            return None
        logger.info("user=<%s>, calls=<%d> | account deleted", user.id, calls)
        return user, calls

    def _password_matches(self, user: User | None, password: str) -> bool:
        if len(password) > MAX_PASSWORD:
            return False
        with _HASHING:
            try:
                return self._hasher.verify(user.password_hash if user else self._decoy, password)
            except (VerificationError, InvalidHashError):
                return False

    # --- tokens -----------------------------------------------------------------------------------

    def _start(self, user: User) -> TokenPair:
        refresh = secrets.token_urlsafe(32)
        session_id = self.users.start_session(user.id, hash_refresh(refresh), self._refresh_expiry())
        return self._pair(user, session_id, refresh)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Spend a refresh token for a new pair. Reusing a spent one signs its whole session out."""
        successor = secrets.token_urlsafe(32)
        result = self.users.rotate_refresh(hash_refresh(refresh_token), hash_refresh(successor),
                                           self._refresh_expiry())
        if result.outcome is Rotation.REUSED:
            logger.warning("user=<%s>, session=<%s> | refresh token reused: session revoked",
                           result.user_id, result.session_id)
        if result.outcome is not Rotation.ROTATED or result.user_id is None or result.session_id is None:
            raise AuthError(_REFRESH_FAILURES[result.outcome])
        user = self.users.user(result.user_id)
        if user is None:
            raise AuthError("This account no longer exists.")
        return self._pair(user, result.session_id, successor)

    def logout(self, *, session_id: str | None = None, refresh_token: str | None = None,
               everywhere_for: str | None = None) -> int:
        """Revoke one session (by id or by one of its refresh tokens), or all of a user's; returns how many."""
        if everywhere_for is not None:
            return self.users.revoke_user_sessions(everywhere_for)
        if refresh_token is not None:
            found = self.users.session_of(hash_refresh(refresh_token))
            session_id = found[1] if found else None
        return int(session_id is not None and self.users.revoke_session(session_id))

    def issue_access(self, user: User, session_id: str) -> str:
        now = int(self._clock())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user.id,
            "sid": session_id,
            "username": user.username,
            "iat": now,
            "exp": now + int(self.access_ttl.total_seconds()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The Principal of a local access token whose session is still signed in."""
        if not isinstance(token, str) or not token:
            raise AuthError("No token: sign in and send it as 'Authorization: Bearer <token>'.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("The token has expired: refresh it (POST /api/auth/token) or sign in again.") from None
        except jwt.InvalidSignatureError:
            raise AuthError("The token's signature does not verify: it has been altered; sign in again.") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError("The token's algorithm is not accepted: sign in again.") from None
        except jwt.PyJWTError:
            raise AuthError("The token is not valid here: sign in again.") from None
        if not self.users.session_active(str(claims["sid"])):  # also false once the account is deleted
            raise AuthError("You have signed out of this session, or the account was deleted: sign in again.")
        return Principal(user_id=str(claims["sub"]), claims=claims)

    def _pair(self, user: User, session_id: str, refresh: str) -> TokenPair:
        return TokenPair(
            access_token=self.issue_access(user, session_id),
            expires_in=int(self.access_ttl.total_seconds()),
            refresh_token=refresh,
            refresh_expires_in=int(self.refresh_ttl.total_seconds()),
            user=user,
        )

    def _refresh_expiry(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC) + self.refresh_ttl


_REFRESH_FAILURES = {
    Rotation.UNKNOWN: "Unknown refresh token: sign in again.",
    Rotation.EXPIRED: "The refresh token has expired: sign in again.",
    Rotation.REVOKED: "This session was signed out: sign in again.",
    Rotation.REUSED: "This refresh token was already used, so the session was signed out: sign in again.",
    Rotation.GONE: "This account has been deleted: sign up again, or ask the operator.",
    Rotation.ROTATED: "The account behind this token is gone: sign in again.",
}


def load_jwt_secret(explicit: str | None, data_dir: Path) -> bytes:
    """CALLEDIT_JWT_SECRET if set; else a random secret made once and kept in DATA_DIR/jwt-secret (0600)."""
    if explicit:
        return explicit.encode()
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigurationError(
                f"{path} is readable by other users (mode {mode:o}): run `chmod 600 {path}`."
            ) from None
        secret = path.read_text().strip().encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes: delete it "
                                     "and restart to generate a new one.") from None
        return secret
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    logger.info("path=<%s> | generated a token-signing secret", path)
    return path.read_text().strip().encode()
