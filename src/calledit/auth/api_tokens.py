"""Personal API tokens: `cit_` + 32 random bytes (URL-safe base64), for scripts and the CLI.

Only the token's SHA-256 is stored (a 256-bit random secret needs no slow hash), so the database never
holds a usable credential; the token itself is shown once, when it is made. A token acts as its owner,
and only its owner, until it expires or is deleted: `Authorization: Bearer cit_...` on REST, `?token=`
on /ws. See docs/auth.md.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from calledit.auth.errors import AuthError
from calledit.auth.tokens import Principal
from calledit.domain.errors import BadRequest
from calledit.storage.base import ApiToken, TokenStore

logger = logging.getLogger(__name__)

PREFIX = "cit_"
HINT_CHARS = 4  # of the secret, shown in lists beside the prefix; the other 252 bits stay unknown
MAX_TOKENS = 100  # per user
TOUCH_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may get: not a write per request


def is_api_token(token: str | None) -> bool:
    return bool(token) and str(token).startswith(PREFIX)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokens:
    """Make, list, revoke and verify the personal API tokens kept in `store`."""

    def __init__(self, store: TokenStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self._clock = clock

    def create(self, owner: str, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
        """A new token for `owner`: (what is stored, the token itself; never kept)."""
        if len(self.store.tokens(owner)) >= MAX_TOKENS:
            raise BadRequest(f"You have {MAX_TOKENS} API tokens, the most there can be: delete one you no longer use.")
        token = PREFIX + secrets.token_urlsafe(32)
        expires_at = self._clock() + timedelta(days=expires_in_days) if expires_in_days else None
        stored = self.store.add_token(owner, name, hash_token(token), token[: len(PREFIX) + HINT_CHARS], expires_at)
        logger.info("user=<%s>, token=<%s> | API token made", owner, stored.id)
        return stored, token

    def verify(self, token: str) -> Principal:
        """The token's owner, or AuthError saying what to do (the message never holds the token)."""
        token_hash = hash_token(token)
        found = self.store.token_by_hash(token_hash)
        if found is None:
            raise AuthError("Unknown or deleted API token: make a new one (POST /api/tokens, or the account page).")
        now = self._clock()
        if found.expires_at is not None and found.expires_at <= now:
            raise AuthError(f"This API token ({found.name}) expired on {found.expires_at:%Y-%m-%d}: make a new one.")
        if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
            self.store.token_used(found, token_hash, now)
        claims: dict[str, object] = {"sub": found.owner, "token_id": found.id, "token_name": found.name,
                                     "auth": "api_token"}
        if found.expires_at is not None:
            claims["exp"] = int(found.expires_at.timestamp())  # a WebSocket closes when its token expires
        return Principal(user_id=found.owner, claims=claims)


def from_api_token(principal: Principal) -> bool:
    """The caller signed in with a personal API token (not a sign-in session)."""
    return principal.claims.get("auth") == "api_token"
