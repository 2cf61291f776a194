"""Our subclasses of uvicorn's protocol classes, and the uvicorn options that install them.

`CorkedWebSocketProtocol` subclasses uvicorn's sans-I/O WebSocket protocol (`websockets_sansio_impl`, not a
public API) so bursts of `text` frames are corked into one socket write; `HeaderDeadlineProtocol` subclasses
its httptools HTTP protocol. Both reach into uvicorn's internals (`transport`, `loop`, `cycle`, `client`,
`on_response_complete`): pyproject.toml pins uvicorn to the minor version they were written against, and a
new minor needs tests/unit/server/test_corked_ws.py and test_header_deadline.py run before the pin moves.

uvicorn writes every WebSocket frame to the socket as soon as it is sent: one `send()` system call per
frame. When a model streams faster than the event loop turns (a fast remote model whose network reads
carry several chunks, or no model delay at all), those calls are the largest single cost of the streaming
path: about a fifth of the server's CPU at saturation, measured with py-spy over bench/stream_overhead.py.

So a `text` event that follows another one written in the same turn of the event loop is held and joined
with the rest of the burst, which goes out when the turn ends, 1 ms after the first held frame, at 64 KiB,
or just before any other frame. Everything else goes out at once, as before: the first `text` of a turn
(a lone chunk is never held back) and every `status`, `call`, `complete`, `error`... Every event is still
its own WebSocket frame, in order. (uWebSockets "corks" its sockets in the same spirit.)

Idle and slow clients: uvicorn closes a keep-alive connection that stays idle after a response
(`timeout_keep_alive`), but it has no timeout for a request's headers. A connection that sends nothing,
or sends its headers a byte at a time, held its socket and file descriptor forever (its keep-alive timer
stops at the first byte). `HeaderDeadline` closes it.

Use them with `uvicorn.run(..., **server_options(settings))`, as `calledit serve` does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from calledit.domain.events import TEXT_EVENT_PREFIX

if TYPE_CHECKING:
    from calledit.config import Settings

log = logging.getLogger(__name__)

FLUSH_BYTES = 64 * 1024  # a burst never holds more than this
FLUSH_SECONDS = 0.001  # nor holds a frame longer than this while the burst goes on
_TEXT_EVENT = TEXT_EVENT_PREFIX.encode()


def is_text_event_frame(data: bytes) -> bool:
    """One unmasked, final WebSocket text frame whose payload is a CalledIt `text` event."""
    if len(data) < 2 or data[0] != 0x81:  # FIN + opcode 1 (text)
        return False
    length = data[1] & 0x7F  # servers do not mask: no masking key follows
    offset = 2 if length < 126 else 4 if length == 126 else 10
    return data.startswith(_TEXT_EVENT, offset)


class CorkedTransport:
    """A transport proxy holding the second and later `text` frames of an event-loop turn.

    Everything else (flow control, `is_closing`, `get_extra_info`, ...) is the real transport's; `close`
    and `abort` first settle what is held (written before a close, dropped on an abort)."""

    def __init__(
        self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._transport = transport
        self._loop = loop
        self._clock = clock
        self._corked = False  # a text frame went out this turn; the turn's end is scheduled
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._since = 0.0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        data = bytes(data)
        if not is_text_event_frame(data):
            self._write(data)
        elif not self._corked:
            self._corked = True
            self._loop.call_soon(self._uncork)
            self._write(data)
        else:
            if not self._held:
                self._since = self._clock()
            self._held.append(data)
            self._held_bytes += len(data)
            if self._held_bytes >= FLUSH_BYTES or self._clock() - self._since >= FLUSH_SECONDS:
                self.flush()

    def _write(self, data: bytes) -> None:
        if self._held:  # what is held goes first, in the same write
            self._held.append(data)
            self.flush()
        else:
            self._transport.write(data)

    def _uncork(self) -> None:
        self._corked = False
        self.flush()

    def flush(self) -> None:
        """Hand everything held to the socket now, as one write."""
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._held_bytes = 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._held_bytes + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CorkedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's `websockets-sansio` protocol writing through a `CorkedTransport`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = CorkedTransport(self.transport, self.loop)  # type: ignore[assignment]


class HeaderDeadline:
    """Closes an HTTP connection whose next request's headers have not all arrived `seconds` after the
    connection opened or after its previous response ended. A request being served, and a connection
    upgraded to a WebSocket, are left alone."""

    def __init__(self, protocol: HttpToolsProtocol, seconds: float) -> None:
        self._protocol = protocol
        self._seconds = seconds
        self._timer: asyncio.TimerHandle | None = None

    def arm(self) -> None:
        self.cancel()
        self._timer = self._protocol.loop.call_later(self._seconds, self._expire)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        protocol, transport = self._protocol, self._protocol.transport
        if transport.is_closing() or transport.get_protocol() is not protocol:
            return  # closed already, or a WebSocket now
        cycle = protocol.cycle
        if cycle is not None and not cycle.response_complete:
            return  # its headers came: the request is being served (the deadline is armed again after it)
        client = protocol.client[0] if protocol.client else "unknown"
        log.debug("client=<%s>, seconds=<%s> | closing: no complete request headers in time", client, self._seconds)
        transport.close()


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol (httptools, what its "auto" picks) with a `HeaderDeadline`."""

    header_timeout = 10.0  # set per server by `http_protocol`

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.header_deadline = HeaderDeadline(self, self.header_timeout)
        self.header_deadline.arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.header_deadline.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.header_deadline.cancel()
        super().connection_lost(exc)


def http_protocol(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """The HTTP protocol class for uvicorn's `http` setting, with this header timeout (uvicorn builds
    protocols from a class and its own config: a subclass carries the value)."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for a CalledIt server built from `settings` (`calledit serve`, the test server):
    the WebSocket ones, and how long an idle or slow client may hold a connection."""
    return {
        **websocket_options(),
        "http": http_protocol(settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,  # idle after a response
    }


def websocket_options() -> dict[str, Any]:
    """uvicorn's WebSocket settings for every CalledIt server (the CLI, the tests, the benchmarks)."""
    return {
        "ws": CorkedWebSocketProtocol,
        # The app answers frames over its own 32 KiB limit with a `too_large` event; the transport only
        # refuses (close 1009) what is far beyond it.
        "ws_max_size": 1024 * 1024,
        # Frames are small JSON events: compressing each costs CPU and a deflate context per connection.
        "ws_per_message_deflate": False,
    }
