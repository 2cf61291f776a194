"""Error codes of the protocol and the REST API, the exceptions that carry them, and their HTTP statuses."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    BUSY = "busy"
    MODEL_ERROR = "model_error"
    CANCELLED = "cancelled"
    INTERNAL = "internal"
    # REST only: the WebSocket never sends these (docs/protocol.md).
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"


# The one table from codes to HTTP statuses. `busy` and `cancelled` belong to the WebSocket, where a
# run can be going or stopped; an HTTP answer never carries them.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL: 500,  # before model_error: the code a bare 500 gets
    ErrorCode.MODEL_ERROR: 500,
}
_CODE_OF_STATUS: dict[int, ErrorCode] = {
    **{status: code for code, status in reversed(HTTP_STATUS.items())},
    422: ErrorCode.BAD_REQUEST,  # a body or query that does not validate
}


def http_status(code: ErrorCode) -> int:
    """The HTTP status an error with this code answers with."""
    return HTTP_STATUS.get(code, 500)


def code_for_status(status: int) -> ErrorCode:
    """The code of an HTTP error status that no CalledItError raised (the framework's 404, 405, 422)."""
    return _CODE_OF_STATUS.get(status, ErrorCode.INTERNAL if status >= 500 else ErrorCode.BAD_REQUEST)


class CalledItError(Exception):
    """An error a user can cause or must be told about, with its protocol code and what to do next."""

    code: ErrorCode = ErrorCode.INTERNAL
    retry_after: float | None = None  # seconds until a retry can succeed, when that is known (rate limits)

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(CalledItError):
    code = ErrorCode.BAD_REQUEST


class ModelError(CalledItError):
    """The model failed, or its answer did not validate even after the repair round."""

    code = ErrorCode.MODEL_ERROR


class ConfigurationError(CalledItError):
    """The chosen provider cannot start: a missing credential, package or file. Names what to set."""

    code = ErrorCode.MODEL_ERROR


class NotFound(CalledItError):
    """No such thing for this user."""

    code = ErrorCode.NOT_FOUND


class Conflict(CalledItError):
    """The request does not fit the thing's current state (nothing left to undo). Says what would."""

    code = ErrorCode.CONFLICT
