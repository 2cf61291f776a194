"""Error codes of the protocol and the exceptions that carry them."""

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


class CalledItError(Exception):
    """An error a user can cause or must be told about, with its protocol code and what to do next."""

    code: ErrorCode = ErrorCode.INTERNAL

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
    code = ErrorCode.BAD_REQUEST
