"""Who a verified token says the caller is, and the port every verifier implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Principal:
    """A caller whose credential checked out: `user_id` is the token's `sub`, `claims` the rest of it."""

    user_id: str
    claims: dict[str, Any] = field(default_factory=dict)


class TokenVerifier(Protocol):
    """Turns a bearer token into a Principal or raises calledit.auth.errors.AuthError."""

    def verify(self, token: str) -> Principal: ...
