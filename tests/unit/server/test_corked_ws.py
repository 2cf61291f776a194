"""The corked transport: bursts of `text` frames share a socket write; nothing else waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from calledit.config import Settings
from calledit.domain.events import CallEvent, StatusEvent, TextEvent, encode
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from calledit.server.uvicorn_protocols import (
    FLUSH_BYTES,
    CorkedTransport,
    CorkedWebSocketProtocol,
    is_text_event_frame,
    websocket_options,
)
from tests.fixtures.server import run_server
from tests.fixtures.wsclient import finished, makecall, until


def frame(text: str) -> bytes:
    """A server-side (unmasked) WebSocket text frame, as uvicorn writes it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def text_frame(content: str) -> bytes:
    return frame(encode(TextEvent(content=content)))


class Recorder(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5555)}.get(name, default)


def test_text_event_frames_are_recognised_whatever_the_length_header() -> None:
    assert is_text_event_frame(text_frame("ab"))  # 7-bit length
    assert is_text_event_frame(text_frame("x" * 300))  # 16-bit length
    assert is_text_event_frame(text_frame("x" * 70_000))  # 64-bit length
    assert not is_text_event_frame(frame(encode(StatusEvent(status="complete"))))
    assert not is_text_event_frame(frame('{"type":"textual"}'))
    assert not is_text_event_frame(Frame(Opcode.PING, b"").serialize(mask=False, extensions=[]))
    assert not is_text_event_frame(b"\x81")


async def test_the_first_text_of_a_turn_goes_at_once_and_the_rest_of_the_burst_in_one_write() -> None:
    recorder = Recorder()
    corked = CorkedTransport(recorder, asyncio.get_running_loop())
    frames = [text_frame(f"chunk {index}") for index in range(50)]
    for data in frames:
        corked.write(data)
    assert recorder.writes == [frames[0]]  # a lone chunk is never held back
    await asyncio.sleep(0)  # the turn ends
    assert recorder.writes == [frames[0], b"".join(frames[1:])]
    corked.write(frames[0])  # a new turn: at once again
    assert recorder.writes[-1] == frames[0]


async def test_any_other_event_goes_at_once_behind_what_was_held() -> None:
    recorder = Recorder()
    corked = CorkedTransport(recorder, asyncio.get_running_loop())
    first, second = text_frame("a"), text_frame("b")
    call = frame(encode(CallEvent(call={"prediction_statement": "x"})))
    for data in (first, second, call):
        corked.write(data)
    assert recorder.writes == [first, second + call]  # in order, the call not held for the turn's end
    status = frame(encode(StatusEvent(status="complete")))
    corked.write(status)
    assert recorder.writes[-1] == status


async def test_a_long_burst_is_written_every_64_kib_and_every_millisecond() -> None:
    now = [0.0]
    recorder = Recorder()
    corked = CorkedTransport(recorder, asyncio.get_running_loop(), lambda: now[0])
    chunk = text_frame("x" * 1000)
    for _ in range(1 + FLUSH_BYTES // len(chunk) + 1):
        corked.write(chunk)
    assert len(recorder.writes) == 2 and len(recorder.writes[1]) >= FLUSH_BYTES
    corked.write(chunk)
    now[0] += 0.0011  # a frame held longer than 1 ms goes out with the next one
    corked.write(chunk)
    assert len(recorder.writes) == 3 and len(recorder.writes[2]) == 2 * len(chunk)


async def test_close_writes_what_is_held_and_abort_drops_it() -> None:
    recorder = Recorder()
    corked = CorkedTransport(recorder, asyncio.get_running_loop())
    corked.write(text_frame("a"))
    corked.write(text_frame("b"))
    corked.close()
    assert recorder.writes == [text_frame("a"), text_frame("b")] and recorder.closed
    corked.write(text_frame("c"))  # held behind "a" of this turn, and the socket is closing by its end
    await asyncio.sleep(0)
    assert len(recorder.writes) == 2

    dropped = Recorder()
    corked = CorkedTransport(dropped, asyncio.get_running_loop())
    corked.write(text_frame("a"))
    corked.write(text_frame("b"))
    assert corked.get_write_buffer_size() == len(text_frame("b"))
    corked.abort()
    await asyncio.sleep(0)
    assert dropped.writes == [text_frame("a")] and dropped.aborted


async def test_the_protocol_writes_through_a_corked_transport() -> None:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    config = Config(app=lambda scope, receive, send: None, **websocket_options())
    config.load()
    protocol = CorkedWebSocketProtocol(config=config, server_state=ServerState(), app_state={})
    protocol.connection_made(Recorder())
    assert isinstance(protocol.transport, CorkedTransport)
    assert protocol.client == ("127.0.0.1", 5555)  # read from the real transport
    assert config.ws_protocol_class is CorkedWebSocketProtocol


@pytest.fixture
def burst_server(settings: Settings) -> Iterator[str]:
    provider = Provider(name="scripted", model=ScriptedModel(rate=0, chunk_chars=2), concurrency=4)
    with run_server(create_app(settings, provider=provider)) as server:
        yield server.ws


async def test_a_burst_arrives_whole_in_order_one_event_per_frame(burst_server: str) -> None:
    async with connect(burst_server) as ws:
        await makecall(ws, "Bitcoin hits $100k by the end of 2026", "Europe/Paris")
        events = await until(ws, finished)
    texts = [event["content"] for event in events if event["type"] == "text"]
    assert len(texts) > 100 and all(len(text) <= 2 for text in texts)  # every 2-char chunk its own event
    complete = next(event for event in events if event["type"] == "complete")["content"]
    assert json.loads("".join(texts))["verification_mode"] == complete["verification_mode"]
    assert [event["type"] for event in events[-2:]] == ["complete", "status"]
