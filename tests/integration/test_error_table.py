"""REST errors through the one table (domain.errors.HTTP_STATUS): a domain error raised by a route
answers its code's status and the code itself, over a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from calledit.config import Settings
from calledit.domain.errors import CalledItError, ErrorCode
from calledit.providers.base import Provider
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server
from tests.unit.scheduler.fakes import new_call


class Limited(CalledItError):
    code = ErrorCode.RATE_LIMITED
    retry_after = 1.2


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    app = create_app(settings, provider=scripted_provider)

    async def fail(code: ErrorCode) -> None:
        if code is ErrorCode.RATE_LIMITED:
            raise Limited("Slow down: retry in a moment.")
        raise CalledItError(f"A {code} error: do the next thing.", code=code)

    app.add_api_route("/api/test-fail/{code}", fail)
    app.router.routes.insert(0, app.router.routes.pop())  # before the UI's catch-all mount
    with run_server(app) as live:
        yield live


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.http}/api", timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    ("code", "status"),
    [("bad_request", 400), ("unauthorized", 401), ("forbidden", 403), ("not_found", 404),
     ("method_not_allowed", 405), ("conflict", 409), ("too_large", 413), ("rate_limited", 429),
     ("model_error", 500), ("internal", 500)],
)
def test_a_domain_error_answers_its_codes_status(api: httpx.Client, code: str, status: int) -> None:
    answer = api.get(f"/test-fail/{code}")
    assert answer.status_code == status
    assert answer.json()["code"] == code and answer.json()["message"]
    if code == "rate_limited":
        assert answer.headers["retry-after"] == "2"
    if code == "unauthorized":
        assert answer.headers["www-authenticate"] == "Bearer"


def test_nothing_left_to_undo_is_a_conflict(api: httpx.Client) -> None:
    when = datetime.now(UTC) + timedelta(days=3)
    call = api.post("/calls", json=new_call("It rains on Friday", "at_date", when).model_dump(mode="json")).json()
    answer = api.post(f"/calls/{call['id']}/undo")
    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict"  # was "error": a status no code named
    assert "Nothing to undo" in answer.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/calls/nope/resolve", {"resolution": "confirmed"}), ("POST", "/calls/nope/undo", None),
     ("PATCH", "/calls/nope", {"confidence": 0.5})],
)
def test_a_missing_call_is_not_found(api: httpx.Client, method: str, path: str, body: object) -> None:
    answer = api.request(method, path, json=body)
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "message": "No call with id 'nope'."}
