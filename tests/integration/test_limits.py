"""Abuse limits: token buckets (per user and per IP) on makecall, REST writes and sign-in, caps on
concurrent streams and connections, body size, and input validation on what gets stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from calledit.server.limits import Buckets, Limits, RateLimited
from tests.fixtures.auth import Account, local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until

# --- the buckets themselves ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    buckets = Buckets(per_minute=6, burst=3, clock=clock)  # one token every 10 s
    for _ in range(3):
        assert buckets.wait("u") == 0
        buckets.spend("u")
    assert buckets.wait("u") == pytest.approx(10.0)
    clock.now += 4
    assert buckets.wait("u") == pytest.approx(6.0)
    clock.now += 6
    assert buckets.wait("u") == 0
    assert buckets.wait("someone-else") == 0, "keys do not share a bucket"


def test_refusal_spends_nothing_and_says_when_to_retry() -> None:
    clock = Clock()
    limits = Limits(makecall_per_minute=60, makecall_per_minute_ip=3, clock=clock)
    for user in ("a", "b", "c"):
        limits.makecall(user, "10.0.0.1")
    with pytest.raises(RateLimited) as caught:
        limits.makecall("d", "10.0.0.1")  # per IP
    assert caught.value.retry_after == pytest.approx(20.0)
    assert "try again in 20 s" in caught.value.message
    assert limits.makecall_user.wait("d") == 0, "the user's bucket was not charged for the refusal"


def test_buckets_forget_the_least_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("calledit.server.limits.MAX_KEYS", 10)
    buckets = Buckets(per_minute=1, burst=1)
    for index in range(50):
        buckets.spend(f"ip-{index}")
    assert len(buckets._buckets) == 10


def test_stream_slots() -> None:
    limits = Limits(max_streams_per_user=2)
    limits.start_stream("u")
    limits.start_stream("u")
    with pytest.raises(RateLimited, match="2 predictions running"):
        limits.start_stream("u")
    limits.end_stream("u")
    limits.start_stream("u")
    limits.end_stream("u")
    limits.end_stream("u")
    assert limits.streams("u") == 0


# --- over the wire ------------------------------------------------------------------------------------


@contextmanager
def make_server(settings: Settings, provider: Provider, **limits: Any) -> Iterator[LiveServer]:
    tuned = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000, **limits})
    app = create_app(tuned, provider=provider, auth=local_authenticator(Path(str(tuned.db))))
    with run_server(app) as running:
        yield running


@pytest.fixture
def server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    with make_server(settings, scripted_provider, makecall_per_minute=3, writes_per_minute=3) as running:
        yield running


async def test_makecall_over_the_rate_is_rate_limited_with_retry_after(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    async with connect(f"{server.ws}?token={alice.access_token}") as ws:
        for _ in range(3):  # the burst
            await makecall(ws, "It rains in Lima tomorrow")
            assert (await until(ws, finished))[-1]["type"] == "status"
        await makecall(ws, "It rains in Lima tomorrow")
        event = await next_event(ws)
    assert event["type"] == "error"
    assert event["code"] == "rate_limited"
    assert 0 < event["retry_after"] <= 20
    assert "try again" in event["message"]


async def test_makecall_limit_is_per_ip_too(settings: Settings, scripted_provider: Provider) -> None:
    with make_server(settings, scripted_provider, makecall_per_minute_ip=3) as server:
        accounts = [sign_up(server.http, name) for name in ("ann", "ben", "cal", "dee")]
        codes = []
        for account in accounts:
            async with connect(f"{server.ws}?token={account.access_token}") as ws:
                await makecall(ws, "It rains in Lima tomorrow")
                codes.append((await until(ws, finished))[-1].get("code"))
        assert codes == [None, None, None, "rate_limited"]


async def test_concurrent_streams_are_capped_per_user(settings: Settings) -> None:
    slow = Provider(name="scripted (slow)", model=ScriptedModel(rate=20), concurrency=8)
    with make_server(settings, slow, max_streams_per_user=1) as server:
        alice, bob = sign_up(server.http, "alice"), sign_up(server.http, "bob")
        async with (
            connect(f"{server.ws}?token={alice.access_token}") as first,
            connect(f"{server.ws}?token={alice.access_token}") as second,
            connect(f"{server.ws}?token={bob.access_token}") as other,
        ):
            await makecall(first, "The Celtics win tonight")
            assert (await next_event(first))["status"] == "processing"
            await makecall(second, "The Lakers win tonight")
            refused = await next_event(second)
            assert refused["code"] == "rate_limited"
            assert "1 predictions running" in refused["message"]
            await makecall(other, "The Knicks win tonight")  # bob has his own slots
            assert (await next_event(other))["status"] == "processing"
            await first.send(json.dumps({"action": "cancel"}))
            await until(first, lambda e: e.get("code") == "cancelled")
            await asyncio.sleep(0.1)
            await makecall(second, "The Lakers win tonight")
            assert (await next_event(second))["status"] == "processing"


async def test_connections_are_capped_per_user(settings: Settings, scripted_provider: Provider) -> None:
    with make_server(settings, scripted_provider, max_connections_per_user=2) as server:
        alice = sign_up(server.http, "alice")
        url = f"{server.ws}?token={alice.access_token}"
        async with connect(url), connect(url):
            with pytest.raises(InvalidStatus) as caught:
                async with connect(url):
                    pass
            assert caught.value.response.status_code == 429
            assert json.loads(caught.value.response.body or b"{}")["code"] == "rate_limited"


def logged(server: LiveServer, account: Account, **changes: Any) -> httpx.Response:
    call = {
        "prediction_statement": "It rains in Lima tomorrow.",
        "verification_date": "2030-01-02T12:00:00-05:00",
        "date_reasoning": "Tomorrow.",
        "verification_mode": "at_date",
        "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "Weather data.",
        "verifiability_score": 0.8,
        "verification_method": {"source": ["A weather service"], "criteria": ["Rain recorded"],
                                "steps": ["Look it up"]},
        "raw_prompt": "It rains in Lima tomorrow",
        "timezone": "America/Lima",
        "model": "scripted",
        **changes,
    }
    return httpx.post(f"{server.http}/api/calls", headers=account.headers, json=call)


def test_rest_writes_over_the_rate_are_429_with_retry_after(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    assert [logged(server, alice).status_code for _ in range(3)] == [201, 201, 201]
    refused = logged(server, alice)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 20
    # Reads are not writes.
    assert httpx.get(f"{server.http}/api/calls", headers=alice.headers).status_code == 200
    # Deletes are.
    some_id = httpx.get(f"{server.http}/api/calls", headers=alice.headers).json()["items"][0]["id"]
    assert httpx.delete(f"{server.http}/api/calls/{some_id}", headers=alice.headers).status_code == 429


def test_sign_in_attempts_are_limited_per_ip(settings: Settings, scripted_provider: Provider) -> None:
    with make_server(settings, scripted_provider, auth_per_minute_ip=10) as server:
        statuses = [
            httpx.post(f"{server.http}/api/auth/token", json={"username": "alice", "password": "guess-" + str(n)})
            .status_code for n in range(7)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]


def test_body_over_the_limit_is_413_json(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    big = logged(server, alice, date_reasoning="x" * 100_000)
    assert big.status_code == 413
    assert big.json()["code"] == "too_large"
    assert "byte limit" in big.json()["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"prediction_statement": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    streamed = httpx.post(f"{server.http}/api/calls", headers=alice.headers, content=chunks())
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "too_large"


def test_stored_calls_are_validated_and_cleaned(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    bad_zone = logged(server, alice, timezone="Mars/Olympus")
    assert bad_zone.status_code == 400
    assert "IANA" in bad_zone.json()["message"]
    hostile = logged(server, alice, prediction_statement="Rain\x1b[31m <script>alert(1)</script>in Lima\u202e.",
                     raw_prompt="It rains\x00 in Lima <b>tomorrow</b>")
    assert hostile.status_code == 201, hostile.text
    stored = hostile.json()
    assert stored["prediction_statement"] == "Rain[31m in Lima."
    assert stored["raw_prompt"] == "It rains in Lima <b>tomorrow</b>", "the user's own words keep their text"
    only_markup = logged(server, alice, category_reasoning="<i></i>")
    assert only_markup.status_code == 400
    assert "category_reasoning" in only_markup.json()["message"]


async def test_prompt_length_and_timezone_are_validated_on_the_socket(server: LiveServer) -> None:
    alice = sign_up(server.http, "alice")
    async with connect(f"{server.ws}?token={alice.access_token}") as ws:
        await makecall(ws, "x" * 2001)
        assert (await next_event(ws))["code"] == "bad_request"
        await makecall(ws, "It rains", "Mars/Olympus")
        event = await next_event(ws)
        assert event["code"] == "bad_request"
        assert "IANA" in event["message"]
        await makecall(ws, "\x00\x01\x02")
        assert "empty" in (await next_event(ws))["message"]


async def test_limits_are_off_for_the_one_local_user(live_server: LiveServer) -> None:
    """CALLEDIT_AUTH=none: one trusted user on loopback; buckets and caps would only get in the way."""
    assert not live_server.app.state.calledit.limits.enabled
    async with connect(live_server.ws) as ws:
        for _ in range(8):  # over the default burst of 5
            await makecall(ws, "It rains in Lima tomorrow")
            assert (await until(ws, finished))[-1] == {"type": "status", "status": "complete",
                                                       "message": "Your call is ready"}


def test_disabled_limits_never_refuse() -> None:
    limits = Limits(makecall_per_minute=1, max_streams_per_user=1, max_connections_per_user=1, enabled=False)
    for _ in range(10):
        limits.makecall("u", "ip")
        limits.write("u", "ip")
        limits.auth_attempt("ip")
        limits.start_stream("u")
    assert limits.connection_allowed(100)
