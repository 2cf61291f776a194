"""The WebSocket endpoint: protocol v1 (docs/protocol.md) over ASGI. One run at a time per connection.

The protocol's decisions are agents.protocol's; this module does the I/O: receive, send, and the run's task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from calledit.agents import protocol
from calledit.domain.errors import ErrorCode
from calledit.domain.events import AnyServerEvent, ErrorEvent, MakeCall, encode
from calledit.server import security
from calledit.server.limits import RateLimited
from calledit.server.observability import connection_id
from calledit.server.state import AppState, ws_state

log = logging.getLogger(__name__)
router = APIRouter()


class Connection:
    """One client and at most one run.

    Several tasks may send on one connection (the run, the frame loop's pongs and errors, verdicts, the
    token's expiry); that needs no lock: an ASGI send hands the server one whole message, and uvicorn
    frames and writes it without yielding in between, so frames never interleave."""

    def __init__(self, websocket: WebSocket, state: AppState, user: str, client_ip: str = "unknown") -> None:
        self.websocket = websocket
        self.state = state
        self.user = user
        self.client_ip = client_ip
        self.id = uuid.uuid4().hex[:12]
        self.run: asyncio.Task[None] | None = None

    async def send(self, event: AnyServerEvent) -> None:
        await self.websocket.send_text(encode(event))
        self.state.metrics.sent(event)

    async def error(self, code: ErrorCode, message: str) -> None:
        await self.send(ErrorEvent(code=code, message=message))

    async def serve(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                try:
                    await self.on_frame(message.get("text"), message.get("bytes"))
                except WebSocketDisconnect:
                    raise
                except Exception:  # a bug answering one frame: say so, and keep the connection (protocol.md)
                    log.exception("connection=<%s> | frame failed unexpectedly", self.id)
                    await self.send(protocol.internal().event)
        except WebSocketDisconnect:
            pass
        finally:
            await self.stop_run()

    async def on_frame(self, text: str | None, data: bytes | None) -> None:
        step = protocol.handle_frame(text, data, max_frame_bytes=self.state.settings.max_frame_bytes)
        if isinstance(step, protocol.StartRun):
            replies = self.start(step)
        elif isinstance(step, protocol.CancelRun):
            replies = step.answer(await self.cancel())
        else:
            replies = [step]
        for reply in replies:
            await self.send(reply.event)

    def start(self, step: protocol.StartRun) -> list[protocol.Reply]:
        """Claim this connection for the run, within the user's limits, and start it."""
        if self.run is not None and not self.run.done():
            return step.answer(started=False)
        limits = self.state.limits
        try:
            limits.start_stream(self.user)  # the user's concurrent runs, across connections
            try:
                limits.makecall(self.user, self.client_ip)
            except RateLimited:
                limits.end_stream(self.user)
                raise
        except RateLimited as exc:
            return [protocol.refused(exc)]
        self.run = asyncio.create_task(self._stream(step.request), name=f"makecall-{self.id}")
        self.run.add_done_callback(lambda _: limits.end_stream(self.user))
        return step.answer(started=True)

    async def _stream(self, request: MakeCall) -> None:
        events = self.state.metrics.track_run(self.state.session.run(request))
        try:
            async for event in events:
                await self.send(event)
        except (WebSocketDisconnect, RuntimeError, OSError):
            log.info("connection=<%s> | client went away mid-stream", self.id)
        finally:
            await events.aclose()

    async def cancel(self) -> protocol.Stop:
        if self.run is None or self.run.done():
            return protocol.Stop.NOTHING
        await self.stop_run()
        return protocol.Stop.STOPPED

    async def stop_run(self) -> None:
        run, self.run = self.run, None
        if run is not None and not run.done():
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    state = ws_state(websocket)
    admission = await security.admit(websocket, state)  # token, host, origin: refused before the upgrade
    if admission is None:
        return
    await websocket.accept(subprotocol=admission.subprotocol)
    connection = Connection(websocket, state, admission.principal.user_id, admission.client_ip)
    connection_id.set(connection.id)
    state.register(connection)
    state.metrics.connections.inc()
    expiry = asyncio.create_task(expire(connection, admission.expires_at))
    log.info("connection=<%s> | connected", connection.id)
    try:
        await connection.serve()
    finally:
        expiry.cancel()
        state.unregister(connection)
        state.metrics.connections.dec()
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()
        log.info("connection=<%s> | disconnected", connection.id)


async def expire(connection: Connection, expires_at: float | None) -> None:
    """Ends a session when its token expires: an `unauthorized` error, then close 1008."""
    if expires_at is None:
        return
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    log.info("connection=<%s> | token expired: closing", connection.id)
    await connection.stop_run()
    with contextlib.suppress(Exception):  # the client may already be gone
        await connection.error(ErrorCode.UNAUTHORIZED, "Your sign-in has expired: get a new token and reconnect.")
    with contextlib.suppress(Exception):
        await connection.websocket.close(code=1008, reason="token expired")
