"""The WebSocket protocol end to end: a real server on a free port, a real client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.domain.call import CallContent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import finished, makecall, next_event, until


async def test_full_sequence_of_a_run(live_server: LiveServer) -> None:
    async with connect(live_server.ws) as ws:
        await makecall(ws, "Bitcoin hits $100k by the end of 2026", "Europe/Paris")
        events = await until(ws, finished)
    types = [e["type"] for e in events]
    assert events[0] == {"type": "status", "status": "processing", "message": "Working on your prediction"}
    body = [t for t in types[1:-2] if t != "tool"]  # the date resolver may report itself first
    assert body[0] == "text"
    assert types[-2:] == ["complete", "status"]
    assert events[-1]["status"] == "complete"
    assert set(types[1:-2]) <= {"text", "call", "tool"}
    streamed = "".join(e["content"] for e in events if e["type"] == "text")
    assert json.loads(streamed)["verification_mode"] == events[-2]["content"]["verification_mode"]
    content = CallContent.model_validate(events[-2]["content"])
    assert content.raw_prompt == "Bitcoin hits $100k by the end of 2026"
    assert content.timezone == "Europe/Paris"
    assert content.model.startswith("scripted")
    assert content.verification_date.utcoffset() is not None


async def test_call_events_grow_field_by_field_in_order(live_server: LiveServer) -> None:
    async with connect(live_server.ws) as ws:
        await makecall(ws, "The Celtics win tonight", "America/New_York")
        events = await until(ws, finished)
    partials = [e["call"] for e in events if e["type"] == "call"]
    assert len(partials) >= 8
    previous: list[str] = []
    for partial in partials:
        keys = list(partial)
        assert keys[: len(previous)] == previous, "a field once known never disappears or moves"
        previous = keys
    assert partials[0] == {"prediction_statement": "The Celtics win tonight."}
    final = next(e for e in events if e["type"] == "complete")["content"]
    # The guards may still write the method, the dates in words ("tonight" gets its day), and the score; the
    # date is code's (the scripted model, told only the day, writes "tonight" in UTC: the same instant).
    repaired = ("verification_method", "prediction_statement", "date_reasoning", "verifiability_score",
                "verification_date")
    assert all(final[key] == value for key, value in partials[-1].items() if key not in repaired)
    assert final["prediction_statement"].startswith("The Celtics win tonight (")


@pytest.mark.parametrize(
    ("frame", "code", "words"),
    [
        ("not json", "bad_request", "Malformed JSON"),
        ("[1, 2]", "bad_request", "JSON object"),
        ('{"prompt": "x"}', "bad_request", "Unknown action None"),
        ('{"action": "predict"}', "bad_request", "Unknown action 'predict'"),
        ('{"action": "makecall"}', "bad_request", "prompt"),
        ('{"action": "makecall", "prompt": ""}', "bad_request", "prompt"),
        ('{"action": "makecall", "prompt": "   "}', "bad_request", "empty"),
        (json.dumps({"action": "makecall", "prompt": "x" * 2001}), "bad_request", "2000"),
        ('{"action": "makecall", "prompt": "Rain", "timezone": "Mars/Olympus"}', "bad_request", "IANA"),
        ('{"action": "makecall", "prompt": "Rain", "timezone": 5}', "bad_request", "timezone"),
        ('{"action": "cancel"}', "bad_request", "Nothing to cancel"),
        (json.dumps({"action": "ping", "pad": "x" * 40000}), "too_large", "32768"),
    ],
)
async def test_bad_frames_get_a_precise_error_and_the_socket_stays_usable(
    live_server: LiveServer, frame: str, code: str, words: str
) -> None:
    async with connect(live_server.ws) as ws:
        await ws.send(frame)
        error = await next_event(ws)
        assert error["type"] == "error"
        assert error["code"] == code
        assert words in error["message"]
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}


async def test_binary_frames_are_refused_politely(live_server: LiveServer) -> None:
    async with connect(live_server.ws) as ws:
        await ws.send(b'{"action": "ping"}')
        assert (await next_event(ws))["code"] == "bad_request"
        await ws.send(b"x" * 40000)
        assert (await next_event(ws))["code"] == "too_large"
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}


@pytest.fixture
def slow_server(settings: Settings) -> Iterator[tuple[LiveServer, ScriptedModel, Provider]]:
    model = ScriptedModel(rate=50)
    provider = Provider(name="scripted (test double)", model=model, concurrency=1)
    app = create_app(settings, provider=provider)
    with run_server(app) as server:
        yield server, model, provider


async def test_cancel_stops_the_run_and_frees_the_model(
    slow_server: tuple[LiveServer, ScriptedModel, Provider],
) -> None:
    server, _, _ = slow_server
    gate = server.app.state.calledit.session.gate
    async with connect(server.ws) as ws:
        await makecall(ws, "It snows in Oslo tomorrow")
        await until(ws, lambda e: e["type"] == "text")
        await ws.send('{"action": "cancel"}')
        events = await until(ws, lambda e: e["type"] == "error")
        assert events[-1]["code"] == "cancelled"
        assert not any(e["type"] == "complete" for e in events)
        assert gate.running == 0
        # a second makecall on the same socket runs to completion
        await makecall(ws, "It snows in Oslo tomorrow")
        assert (await until(ws, finished))[-1] == {
            "type": "status", "status": "complete", "message": "Your call is ready"}


async def test_second_makecall_while_running_is_busy(
    slow_server: tuple[LiveServer, ScriptedModel, Provider],
) -> None:
    server, _, _ = slow_server
    async with connect(server.ws) as ws:
        await makecall(ws, "It snows in Oslo tomorrow")
        await makecall(ws, "Another one")
        events = await until(ws, lambda e: e["type"] == "error")
        assert events[-1]["code"] == "busy"
        assert (await until(ws, finished))[-1]["status"] == "complete"


async def test_disconnect_mid_stream_cancels_the_run(
    slow_server: tuple[LiveServer, ScriptedModel, Provider],
) -> None:
    server, _, _ = slow_server
    state = server.app.state.calledit
    async with connect(server.ws) as ws:
        await makecall(ws, "It snows in Oslo tomorrow")
        await until(ws, lambda e: e["type"] == "text")
    for _ in range(100):
        if state.session.gate.running == 0 and not state.subscribers:
            break
        await asyncio.sleep(0.05)
    assert state.session.gate.running == 0, "the model is freed"
    assert not state.subscribers, "the connection is forgotten"
    orphans = [t for t in asyncio.all_tasks() if t.get_name().startswith("makecall-")]
    assert orphans == []


async def test_second_client_is_queued_with_its_position(
    slow_server: tuple[LiveServer, ScriptedModel, Provider],
) -> None:
    server, _, _ = slow_server
    async with connect(server.ws) as first, connect(server.ws) as second, connect(server.ws) as third:
        await makecall(first, "It snows in Oslo tomorrow")
        await until(first, lambda e: e["type"] == "text")
        await makecall(second, "It rains in Lima tomorrow")
        await asyncio.sleep(0.1)
        await makecall(third, "It is sunny in Rome tomorrow")
        second_events = await until(second, lambda e: e["type"] == "status" and e["status"] == "queued")
        third_events = await until(third, lambda e: e["type"] == "status" and e["status"] == "queued")
        assert second_events[-1]["position"] == 1
        assert third_events[-1]["position"] == 2
        assert (await until(first, finished))[-1]["status"] == "complete"
        second_rest = await until(second, finished)
        assert second_rest[0]["type"] in {"tool", "text"}, "the next in line starts as soon as the model is free"
        third_rest = await until(third, lambda e: e["type"] != "status")
        queued = [e for e in third_events + third_rest if e.get("status") == "queued"]
        assert [e["position"] for e in queued] == [2, 1]


async def test_model_failing_mid_stream_is_a_model_error_and_the_server_keeps_serving(
    settings: Settings,
) -> None:
    model = ScriptedModel(rate=0, fail_on="FAILME")
    app = create_app(settings, provider=Provider(name="scripted (test double)", model=model, concurrency=1))
    with run_server(app) as server:
        async with connect(server.ws) as ws:
            await makecall(ws, "FAILME please")
            events = await until(ws, finished)
            assert sum(e["type"] == "text" for e in events) == 5, "text streamed before the failure"
            assert not any(e["type"] == "complete" for e in events)
            assert events[-1]["type"] == "error"
            assert events[-1]["code"] == "model_error"
            assert "FAILME" in events[-1]["message"]
            await makecall(ws, "It rains in Lima tomorrow")
            assert (await until(ws, finished))[-1]["status"] == "complete"


async def test_invalid_answer_is_repaired_once_then_reported(settings: Settings) -> None:
    model = ScriptedModel(rate=0, responses=['{"prediction_statement": "half"}', "still not a call"])
    app = create_app(settings, provider=Provider(name="scripted (test double)", model=model, concurrency=1))
    with run_server(app) as server:
        async with connect(server.ws) as ws:
            # No date, no mode cue, no data source: the model must write most of the call itself (for "It rains
            # in Lima tomorrow" code knows all but the statement, so a bare statement is a whole answer).
            await makecall(ws, "Someone will walk on Mars")
            events = await until(ws, finished)
    assert events[-1]["type"] == "error"
    assert events[-1]["code"] == "model_error"
    assert "after one repair round" in events[-1]["message"]
    assert len(model.requests) == 2
    assert "did not validate" in model.requests[1]
    assert "verification_date" in model.requests[1]


async def test_ping(live_server: LiveServer) -> None:
    async with connect(live_server.ws) as ws:
        await ws.send('{"action": "ping"}')
        assert await next_event(ws) == {"type": "pong"}
