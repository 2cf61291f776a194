"""The one error authentication raises: the caller is not (or no longer) who they claim to be."""

from __future__ import annotations

from calledit.domain.errors import CalledItError, ErrorCode


class AuthError(CalledItError):
    """A missing, malformed, expired or untrusted credential. `.message` says what to do next.

    The message never repeats the token: it is safe to log and to send to the client.
    """

    code = ErrorCode.UNAUTHORIZED

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.UNAUTHORIZED)
