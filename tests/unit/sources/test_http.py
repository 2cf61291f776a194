from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from calledit.config import Settings
from calledit.sources.http import (
    USER_AGENT,
    SourceClient,
    SourceError,
    build_source_client,
    clean_url,
    retry_after_seconds,
)
from calledit.sources.status import StatusBook
from tests.unit.sources.conftest import HAR_DIR

Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: int | Exception, headers: dict[str, str] | None = None) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering in turn with each status (a JSON body) or raising each exception."""
    seen: list[str] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"status": answer}, headers=headers or {})

    return httpx.MockTransport(handle), seen


def client_over(transport: httpx.AsyncBaseTransport, **options: object) -> SourceClient:
    settings: dict[str, object] = {"mode": "live", "attempts": 3, "deadline": 5.0, "backoff_initial": 0.0}
    return SourceClient(httpx.AsyncClient(transport=transport), **{**settings, **options})  # type: ignore[arg-type]


async def test_a_503_then_200_is_retried_to_success() -> None:
    transport, seen = scripted(503, 200)
    book = StatusBook()
    async with client_over(transport, status=book) as client:
        fetched = await client.get_json("market", "https://api.example.com/x", params={"a": 1})
    assert fetched.body == {"status": 200}
    assert seen == ["https://api.example.com/x?a=1"] * 2
    record = book.get("market")
    assert record.last_success_at is not None and record.last_failure_at is None


@pytest.mark.parametrize("failure", [429, 500, 502, 503, httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_transient_failures_are_retried_then_fail_with_a_reason(failure: int | Exception) -> None:
    transport, seen = scripted(failure)
    book = StatusBook()
    async with client_over(transport, status=book) as client:
        with pytest.raises(SourceError) as caught:
            await client.get_json("crypto", "https://api.example.com/x")
    assert len(seen) == 3
    error = caught.value
    assert error.kind == ("status" if isinstance(failure, int) else "unreachable")
    assert "(3 tries)" in error.reason and "api.example.com" in error.reason
    assert book.get("crypto").last_failure_reason == error.reason


@pytest.mark.parametrize(("status", "kind"), [(400, "status"), (401, "status"), (404, "status")])
async def test_client_errors_are_not_retried(status: int, kind: str) -> None:
    transport, seen = scripted(status)
    async with client_over(transport) as client:
        with pytest.raises(SourceError) as caught:
            await client.get_json("weather", "https://api.example.com/x")
    assert len(seen) == 1
    assert (caught.value.kind, caught.value.status) == (kind, status)
    assert f"HTTP {status}" in caught.value.reason


async def test_an_error_body_detail_is_kept_in_the_reason() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
        )

    async with client_over(httpx.MockTransport(handle)) as client:
        with pytest.raises(SourceError, match=r"HTTP 400: Bad Request\.  The series does not exist\."):
            await client.get_json("economy", "https://api.example.com/x")


async def test_retry_after_is_honoured_up_to_the_cap() -> None:
    transport, seen = scripted(429, 200, headers={"Retry-After": "30"})
    async with client_over(transport, retry_after_cap=0.2) as client:
        started = time.perf_counter()
        await client.get_json("crypto", "https://api.example.com/x")
    waited = time.perf_counter() - started
    assert len(seen) == 2
    assert 0.18 <= waited < 2.0  # waited the cap, not the 30 s asked


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert (
        retry_after_seconds("Wed, 02 Dec 2026 12:00:10 GMT", now=datetime(2026, 12, 2, 12, tzinfo=UTC).timestamp())
        == 10
    )
    assert (
        retry_after_seconds("Wed, 02 Dec 2026 11:00:00 GMT", now=datetime(2026, 12, 2, 12, tzinfo=UTC).timestamp()) == 0
    )


async def test_a_body_that_is_not_json_is_malformed() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    async with client_over(httpx.MockTransport(handle)) as client:
        with pytest.raises(SourceError, match="not JSON") as caught:
            await client.get_json("market", "https://api.example.com/x")
    assert caught.value.kind == "malformed"


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A loopback server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/slow"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_silent_server_times_out_each_attempt(silent_server: str) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(0.1))
    async with SourceClient(http, mode="live", attempts=2, deadline=5.0, backoff_initial=0.0) as client:
        started = time.perf_counter()
        with pytest.raises(SourceError, match="did not answer in time") as caught:
            await client.get_json("sports", silent_server)
    assert caught.value.kind == "unreachable"
    assert time.perf_counter() - started < 2.0


async def test_the_deadline_bounds_a_request_and_its_retries(silent_server: str) -> None:
    http = httpx.AsyncClient(timeout=httpx.Timeout(0.2))
    async with SourceClient(http, mode="live", attempts=10, deadline=0.5, backoff_initial=0.0) as client:
        started = time.perf_counter()
        with pytest.raises(SourceError, match=r"gave no answer within 0.5 s; before that it did not answer in time"):
            await client.get_json("sports", silent_server)
    assert time.perf_counter() - started < 1.5


async def test_the_rate_limit_spaces_requests_of_one_source() -> None:
    transport, seen = scripted(200)
    async with client_over(transport, rate_limits={"sports": (2, 0.3)}) as client:
        started = time.perf_counter()
        for _ in range(4):
            await client.get_json("sports", "https://api.example.com/x")
        limited = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(4):
            await client.get_json("weather", "https://api.example.com/x")  # no limit set for weather
        free = time.perf_counter() - started
    assert len(seen) == 8
    assert limited >= 0.2 > free


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        (
            "https://api.stlouisfed.org/fred/series/observations?series_id=UNRATE&api_key=s3cr3t&file_type=json",
            "https://api.stlouisfed.org/fred/series/observations?series_id=UNRATE&file_type=json",
        ),
        ("https://x.example/a?token=t&API_KEY=k&x_cg_demo_api_key=d", "https://x.example/a"),
        ("https://x.example/a?q=token", "https://x.example/a?q=token"),
    ],
)
def test_secrets_are_removed_from_urls(url: str, clean: str) -> None:
    assert clean_url(url) == clean


async def test_the_fetched_url_carries_no_secret() -> None:
    transport, seen = scripted(200)
    async with client_over(transport) as client:
        fetched = await client.get_json("economy", "https://api.example.com/x", params={"api_key": "s3cr3t", "id": "A"})
    assert "s3cr3t" in seen[0] and "s3cr3t" not in fetched.url
    assert fetched.url == "https://api.example.com/x?id=A"


def settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(data_dir=tmp_path, cache_dir=tmp_path, **changes)  # type: ignore[arg-type]


async def test_off_and_fixtures_modes_refuse_with_what_to_set(tmp_path: Path) -> None:
    for mode, words in (("off", "set CALLEDIT_WEB=live"), ("fixtures", "only feeds web search")):
        async with build_source_client(settings(tmp_path, web=mode)) as client:
            assert client.mode == "off"
            with pytest.raises(SourceError, match=words) as caught:
                await client.get_json("weather", "https://api.example.com/x")
        assert caught.value.kind == "off"


async def test_replay_mode_answers_from_the_recording_without_waiting(tmp_path: Path) -> None:
    har = HAR_DIR / "markets.har"
    client = build_source_client(settings(tmp_path, web=f"replay:{har}", fred_api_key="k"))
    async with client:
        assert (client.mode, client.backoff_initial, client.keys["economy"].get_secret_value()) == ("replay", 0.0, "k")
        started = time.perf_counter()
        msft = (
            "https://query1.finance.yahoo.com/v8/finance/chart/MSFT?period1=1795478400&period2=1796256000&interval=1d"
        )
        with pytest.raises(SourceError, match="answered HTTP 503"):  # recorded 503: retried, no backoff
            await client.get_json("market", msft)
        assert time.perf_counter() - started < 1.0
        with pytest.raises(SourceError, match="could not be reached") as caught:
            await client.get_json("market", "https://nowhere.example/")
    assert caught.value.kind == "unreachable"


async def test_live_mode_sends_the_user_agent(tmp_path: Path) -> None:
    agents: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["user-agent"])
        return httpx.Response(200, json={})

    live = settings(tmp_path, web="live", brave_api_key=SecretStr(""))
    async with build_source_client(live, transport=httpx.MockTransport(handle)) as client:
        assert client.mode == "live" and "brave" not in client.keys  # an empty key is no key
        await client.get_json("weather", "https://api.example.com/x")
    assert agents == [USER_AGENT]


def test_the_web_setting_is_validated(tmp_path: Path) -> None:
    assert settings(tmp_path, web=" replay: a.har ").web_replay_path() == Path("a.har")
    assert settings(tmp_path, web="live").web_replay_path() is None
    for bad in ("replay:", "on", "fixture"):
        with pytest.raises(ValidationError, match=r"CALLEDIT_WEB must be off, live, fixtures or replay:FILE\.har"):
            settings(tmp_path, web=bad)


async def test_params_merge_with_a_query_already_in_the_url() -> None:
    transport, seen = scripted(200)
    async with client_over(transport) as client:
        await client.get_json("search", "https://api.example.com/x?a=1")
        await client.get_json("search", "https://api.example.com/x?a=1", params={"b": 2})
    assert seen == ["https://api.example.com/x?a=1", "https://api.example.com/x?a=1&b=2"]
