"""Operations: /metrics, structured and redacted logs with request and connection ids, security headers,
CORS. Each app has its own metrics registry, so several apps live in one process."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.server import create_app
from calledit.server.observability import JsonFormatter, RedactingFilter, redact
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until


def samples(server: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{server.http}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_follow_a_run(live_server: LiveServer) -> None:
    before = samples(live_server)
    assert value(before, "calledit_ws_connections") == 0
    async with connect(live_server.ws) as ws:
        during = samples(live_server)
        assert value(during, "calledit_ws_connections") == 1
        await makecall(ws, "It rains in Lima tomorrow")
        events = await until(ws, finished)
        await ws.send("not json")
        assert (await next_event(ws))["code"] == "bad_request"
    after = samples(live_server)
    texts = sum(1 for e in events if e["type"] == "text")
    assert value(after, "calledit_events_sent_total", type="text") == texts
    assert value(after, "calledit_events_sent_total", type="complete") == 1
    assert value(after, "calledit_runs_total", outcome="complete") == 1
    assert value(after, "calledit_model_seconds_count") == 1
    assert value(after, "calledit_queue_wait_seconds_count") == 1
    assert value(after, "calledit_errors_total", code="bad_request", transport="ws") == 1
    assert value(after, "calledit_active_streams") == 0
    assert value(after, "calledit_queue_length") == 0
    assert ("calledit_ws_connections", ()) in after


def test_http_metrics_use_route_templates_and_count_errors(live_server: LiveServer) -> None:
    for call_id in ("a1", "b2", "c3"):
        assert httpx.get(f"{live_server.http}/api/calls/{call_id}").status_code == 404
    found = samples(live_server)
    assert value(found, "calledit_http_requests_total", method="GET", route="/api/calls/{call_id}",
                 status="404") == 3
    assert value(found, "calledit_errors_total", code="not_found", transport="http") == 3


def test_two_apps_in_one_process_keep_separate_metrics(settings: Settings, scripted_provider: Provider) -> None:
    first = create_app(settings, provider=scripted_provider)
    second = create_app(settings, provider=scripted_provider)
    assert first.state.calledit.metrics.registry is not second.state.calledit.metrics.registry


def test_security_headers_on_every_answer(live_server: LiveServer) -> None:
    for path in ("/", "/api/calls", "/api/calls/missing", "/healthz", "/nowhere"):
        headers = httpx.get(f"{live_server.http}{path}").headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self';" in csp, "no inline or remote scripts for the UI"
        assert f"ws://127.0.0.1:{live_server.port}" in csp
    assert "no-store" in httpx.get(f"{live_server.http}/api/calls").headers["cache-control"]
    docs = httpx.get(f"{live_server.http}/docs").headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in docs, "Swagger UI can load"


def test_request_ids_are_echoed_or_made(live_server: LiveServer) -> None:
    given = httpx.get(f"{live_server.http}/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = httpx.get(f"{live_server.http}/healthz", headers={"X-Request-ID": "bad id; with <junk>"})
    assert made.headers["x-request-id"] != "bad id; with <junk>"
    assert len(made.headers["x-request-id"]) == 16


@pytest.fixture
def cors_server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    allowed = settings.model_copy(update={"cors_origins": ["https://app.example"]})
    with run_server(create_app(allowed, provider=scripted_provider)) as running:
        yield running


def test_cors_allows_only_the_listed_origins(cors_server: LiveServer) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    ok = httpx.options(f"{cors_server.http}/api/calls", headers={"Origin": "https://app.example", **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    evil = httpx.options(f"{cors_server.http}/api/calls", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in evil.headers
    simple = httpx.get(f"{cors_server.http}/api/calls", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_ws_origin_from_the_cors_list_is_accepted(cors_server: LiveServer) -> None:
    async with connect(cors_server.ws, origin="https://app.example") as ws:  # type: ignore[arg-type]
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}


def test_settings_read_comma_separated_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("CALLEDIT_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]


# --- logs ---------------------------------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWhlcmU"


@pytest.mark.parametrize(
    "line",
    [
        f'127.0.0.1:5 - "WebSocket /ws?token={JWT}" 401',
        f"GET /api/calls?cursor=x&access_token={JWT}",
        f"Authorization: Bearer {JWT}",
        f"sec-websocket-protocol: bearer, {JWT}",
        f"the token was {JWT}, fine",
        "refresh_token=opaque-refresh-value&x=1",
        '{"refresh_token": "opaque-refresh-value", "password": "opaque-refresh-value"}',
    ],
)
def test_tokens_never_reach_a_log_line(line: str) -> None:
    cleaned = redact(line)
    assert JWT not in cleaned
    assert "opaque-refresh-value" not in cleaned
    assert "redacted" in cleaned


def test_json_lines_carry_ids_and_extra_fields() -> None:
    record = logging.LogRecord("calledit.test", logging.INFO, __file__, 1, "user=<%s> | token %s", ("u1", JWT), None)
    record.call_id = "c9"
    assert RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "info"
    assert entry["logger"] == "calledit.test"
    assert entry["message"] == "user=<u1> | token [redacted-jwt]"
    assert entry["call_id"] == "c9"
    assert "request_id" not in entry, "ids that are not set are left out"


async def test_live_logs_have_request_and_connection_ids_and_no_tokens(live_server: LiveServer) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    watched = [logging.getLogger(name) for name in ("calledit", "uvicorn")]
    levels = [(logger, logger.level) for logger in [*watched, logging.getLogger("uvicorn.error")]]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)
    try:
        async with httpx.AsyncClient() as client:
            await client.get(f"{live_server.http}/api/calls?token={JWT}", headers={"X-Request-ID": "req-42"})
        async with connect(f"{live_server.ws}?token={JWT}") as ws:
            await makecall(ws, "It rains in Lima tomorrow")
            await until(ws, finished)
    finally:
        for logger in watched:
            logger.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert JWT not in stream.getvalue()
    access = next(line for line in lines if line["logger"] == "calledit.access" and "/api/calls" in line["message"])
    assert access["request_id"] == "req-42"
    assert "token" not in access["message"], "the access line has no query string"
    connected = [line for line in lines if "connected" in line["message"] and line["logger"] == "calledit.server.ws"]
    assert connected and all(line.get("connection_id") for line in connected)
