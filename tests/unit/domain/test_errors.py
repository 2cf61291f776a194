"""The one table from error codes to HTTP statuses, both ways, and errors that say what they are."""

from __future__ import annotations

import pytest

from calledit.domain.errors import (
    HTTP_STATUS,
    BadRequest,
    CalledItError,
    ConfigurationError,
    Conflict,
    ErrorCode,
    ModelError,
    NotFound,
    code_for_status,
    http_status,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (BadRequest("x"), "bad_request", 400),
        (NotFound("No call with id 'c1'."), "not_found", 404),  # was bad_request, answered 404 by hand
        (Conflict("x"), "conflict", 409),
        (ModelError("x"), "model_error", 500),
        (ConfigurationError("x"), "model_error", 500),
        (CalledItError("x"), "internal", 500),
        (CalledItError("x", code=ErrorCode.RATE_LIMITED), "rate_limited", 429),
    ],
)
def test_each_error_has_its_own_code_and_the_tables_status(error: CalledItError, code: str, status: int) -> None:
    assert error.code == code
    assert http_status(error.code) == status


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"), (401, "unauthorized"), (403, "forbidden"), (404, "not_found"),
        (405, "method_not_allowed"), (409, "conflict"), (413, "too_large"), (422, "bad_request"),
        (429, "rate_limited"), (500, "internal"), (503, "internal"),
        (418, "bad_request"),  # a status no code names is still one of ours, never a made-up "error"
    ],
)
def test_a_status_the_framework_raised_gets_the_tables_code(status: int, code: str) -> None:
    assert code_for_status(status) == code
    assert code_for_status(status) in set(ErrorCode)


def test_the_table_reads_back_for_every_code_whose_status_is_its_own() -> None:
    for code, status in HTTP_STATUS.items():
        if code is not ErrorCode.MODEL_ERROR:  # 500 reads back as internal
            assert code_for_status(status) is code


def test_only_the_websockets_run_codes_have_no_http_status() -> None:
    assert set(ErrorCode) - set(HTTP_STATUS) == {ErrorCode.BUSY, ErrorCode.CANCELLED}
