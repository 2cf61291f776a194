"""Lambda handlers behind the API Gateway WebSocket API: thin, over the same session as the ASGI server.

    $connect     -> connect      record the connection (and its user, from the authorizer)
    $disconnect  -> disconnect   forget it
    makecall     -> makecall     run the creation agent, posting events back through @connections
    $default     -> default      ping, cancel, and an answer for anything else (bad JSON, unknown action)

The protocol's decisions are agents.protocol's, as on the ASGI server; these handlers do the I/O
(the connection table, posts to @connections, the run).

Status codes: $connect answers 200 to accept (naming `Sec-WebSocket-Protocol: bearer` when the client
offered it) and 401 to refuse (API Gateway closes the handshake).
Message routes answer 200 when the message was handled, 400 when it was refused with a protocol error
event (bad frame, busy, nothing to cancel), 410 when the client had gone, 500 on a fault of ours
(after telling the client `internal` when it can still hear). A handler never raises: API Gateway would
send the client its own "Internal server error" frame, outside the protocol.

The module-level functions are the Lambda entry points; they build one `LambdaRuntime` from the
environment per container (cold start). The emulator and the tests build their own runtimes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from calledit.agents import protocol
from calledit.agents.protocol import Stop
from calledit.agents.session import CallSession
from calledit.auth.service import LOCAL_USER
from calledit.aws.authorizer import credentials_of
from calledit.aws.coalesce import CoalescingSender, SendStats
from calledit.aws.config import AwsSettings
from calledit.aws.connections import ConnectionStore, build_connections
from calledit.aws.management import ClientGone, ManagementApi, ManagementClients
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent, ErrorEvent, MakeCall, StatusEvent, encode

log = logging.getLogger(__name__)

Event = dict[str, Any]
Response = dict[str, Any]

OK, REFUSED, UNAUTHORIZED, GONE, FAULT = 200, 400, 401, 410, 500


def reply(status: int, message: str) -> Response:
    return {"statusCode": status, "body": message}


def frame_of(event: Event) -> tuple[str | None, bytes | None]:
    """The message as API Gateway delivers it: text, or base64 of a binary frame."""
    body = event.get("body")
    if event.get("isBase64Encoded") and body is not None:
        return None, base64.b64decode(body)
    return (body if isinstance(body, str) else ""), None


def principal_of(event: Event) -> str | None:
    """The user the $connect authorizer vouched for (its principalId, or context user_id)."""
    authorizer = event.get("requestContext", {}).get("authorizer") or {}
    user = authorizer.get("user_id") or authorizer.get("principalId")
    return str(user) if user else None


class LambdaRuntime:
    """What a Lambda container keeps between invocations: settings, tables, clients, the model session."""

    def __init__(
        self,
        settings: Settings,
        aws: AwsSettings,
        *,
        connections: ConnectionStore,
        management: ManagementClients,
        session: CallSession | None = None,
        session_factory: Callable[[], CallSession] | None = None,
    ) -> None:
        self.settings = settings
        self.aws = aws
        self.connections = connections
        self.management = management
        self._session = session
        self._session_factory = session_factory
        self.last_send_stats: SendStats | None = None  # of the latest run (logs, benchmarks)

    @classmethod
    def from_env(cls, settings: Settings | None = None, aws: AwsSettings | None = None) -> LambdaRuntime:
        settings = settings or Settings()
        aws = aws or AwsSettings()
        return cls(
            settings,
            aws,
            connections=build_connections(aws),
            management=ManagementClients(aws.management_endpoint),
        )

    @property
    def session(self) -> CallSession:
        """The creation agent behind its queue, built on first use (only the makecall function needs it)."""
        if self._session is None:
            if self._session_factory is not None:
                self._session = self._session_factory()
            else:
                from calledit.wiring import build_session

                self._session = build_session(self.settings)
        return self._session

    # --- routes -----------------------------------------------------------------------------------

    async def connect(self, event: Event) -> Response:
        connection_id = event["requestContext"]["connectionId"]
        user = principal_of(event)
        if user is None:
            if self.settings.auth != "none":  # the route must sit behind the authorizer
                log.warning("connection=<%s> | refused: no authorizer principal while auth is on", connection_id)
                return reply(UNAUTHORIZED, "Unauthorized: connect with ?token=<your ID token> or the subprotocol "
                                           "`bearer, <your ID token>`.")
            user = LOCAL_USER
        await asyncio.to_thread(self.connections.open, connection_id, user)
        log.info("connection=<%s> | connected", connection_id)
        answer = reply(OK, "Connected")
        if credentials_of(event)[1]:
            # A browser that offered subprotocols drops a handshake that selects none of them; API
            # Gateway copies this $connect answer's headers into its 101 response.
            answer["headers"] = {"Sec-WebSocket-Protocol": "bearer"}
        return answer

    async def disconnect(self, event: Event) -> Response:
        connection_id = event["requestContext"]["connectionId"]
        await asyncio.to_thread(self.connections.close, connection_id)
        log.info("connection=<%s> | disconnected", connection_id)
        return reply(OK, "Disconnected")

    async def message(self, event: Event) -> Response:
        """Any message route: the protocol's step for the frame (as on the ASGI server), carried out."""
        context = event["requestContext"]
        connection_id = context["connectionId"]
        api = self.management.for_event(context)
        try:
            text, data = frame_of(event)
            step = protocol.handle_frame(text, data, max_frame_bytes=self.settings.max_frame_bytes)
            if isinstance(step, protocol.StartRun):
                return await self._makecall(api, connection_id, step)
            if isinstance(step, protocol.CancelRun):
                # The run goes on in another invocation: it sees the mark, stops, and sends `cancelled`.
                marked = await asyncio.to_thread(self.connections.request_cancel, connection_id)
                replies = step.answer(Stop.ASKED if marked else Stop.NOTHING)
                return await self._answer(api, connection_id, replies, "Cancelling")
            return await self._answer(api, connection_id, [step], "Answered")
        except ClientGone:
            log.info("connection=<%s> | client went away", connection_id)
            return reply(GONE, "Gone")
        except Exception:
            log.exception("connection=<%s> | message failed", connection_id)
            with contextlib.suppress(Exception):
                await self._post(api, connection_id, protocol.internal().event)
            return reply(FAULT, "Internal error")

    # --- actions ----------------------------------------------------------------------------------

    async def _post(self, api: ManagementApi, connection_id: str, event: AnyServerEvent) -> None:
        await asyncio.to_thread(api.post, connection_id, encode(event))

    async def _answer(self, api: ManagementApi, connection_id: str, replies: list[protocol.Reply],
                      handled: str) -> Response:
        """Post the replies: 400 with the error's message when one refused the frame, else 200."""
        for answer in replies:
            await self._post(api, connection_id, answer.event)
        refusals = [answer.event.message for answer in replies if isinstance(answer.event, ErrorEvent)]
        return reply(REFUSED, refusals[0]) if refusals else reply(OK, handled)

    async def _makecall(self, api: ManagementApi, connection_id: str, step: protocol.StartRun) -> Response:
        run_id = uuid.uuid4().hex
        started = await asyncio.to_thread(
            self.connections.start_run, connection_id, run_id, float(self.aws.run_lease_s)
        )
        if not started:
            return await self._answer(api, connection_id, step.answer(started=False), "Busy")
        cancelled = await self._stream(api, connection_id, run_id, step.request)
        return reply(OK, "Cancelled" if cancelled else "Done")

    async def _stream(self, api: ManagementApi, connection_id: str, run_id: str, request: MakeCall) -> bool:
        """Forward the session's events, coalesced; True when a `cancel` stopped the run."""

        def post(frame: str) -> None:
            api.post(connection_id, frame)

        released = False

        async def release() -> None:
            # Before the run's last event goes out: a client that answers it at once is not told `busy`.
            nonlocal released
            if not released:
                released = True
                await asyncio.to_thread(self.connections.finish_run, connection_id, run_id)

        sender = CoalescingSender(post, max_delay=self.aws.flush_ms / 1000, max_bytes=self.aws.flush_bytes)
        try:
            async with sender:
                pump = asyncio.create_task(self._pump(sender, request, release), name=f"makecall-{run_id}")
                watch = asyncio.create_task(self._watch_cancel(connection_id, run_id), name=f"cancel-{run_id}")

                def stop_pump(_: BaseException) -> None:
                    pump.cancel()  # a gone client stops the model at once, not at its next token

                sender.on_failure = stop_pump
                try:
                    await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    pump.cancel()
                    watch.cancel()
                    outcome, cancelled = await asyncio.gather(pump, watch, return_exceptions=True)
                if sender.failure is not None:
                    raise sender.failure  # ClientGone, or the management API failing
                if isinstance(outcome, Exception):
                    raise outcome  # a fault of ours
                cancelled = cancelled is True
                if cancelled:
                    await sender.send(protocol.cancelled().event, before=release)
        finally:
            await release()  # a gone client or a fault: free the connection all the same
            self.last_send_stats = sender.stats
            delays = sorted(sender.stats.delays) or [0.0]
            log.info(
                "connection=<%s>, run=<%s>, events=<%d>, posts=<%d>, dropped=<%d>, hold_p95_ms=<%.1f> | run finished",
                connection_id, run_id, sender.stats.events, sender.stats.posts, sender.stats.dropped,
                1000 * delays[int(0.95 * (len(delays) - 1))],
            )
        return bool(cancelled)

    async def _pump(self, sender: CoalescingSender, request: MakeCall, release: Callable[[], Awaitable[None]]) -> None:
        events = self.session.run(request)
        try:
            async for event in events:
                last = isinstance(event, ErrorEvent) or (isinstance(event, StatusEvent) and event.status == "complete")
                # The sender gives the connection back just before the last event goes out: no waiting here.
                await sender.send(event, before=release if last else None)
        finally:
            await events.aclose()  # on cancel or a gone client: stops the model between tokens

    async def _watch_cancel(self, connection_id: str, run_id: str) -> bool:
        while True:
            await asyncio.sleep(self.aws.cancel_poll_s)
            try:
                if await asyncio.to_thread(self.connections.cancel_requested, connection_id, run_id):
                    return True
            except Exception as exc:  # a table hiccup must not end the run: look again next time
                log.warning("connection=<%s>, error=<%s> | could not read the cancel mark", connection_id, exc)


# --- Lambda entry points (deploy/aws/template.yaml names these) -------------------------------------

_runtime: LambdaRuntime | None = None


def runtime() -> LambdaRuntime:
    """The container's runtime, built from the environment on the first invocation."""
    global _runtime
    if _runtime is None:
        logging.getLogger("calledit").setLevel(Settings().log_level.upper())
        _runtime = LambdaRuntime.from_env()
    return _runtime


def reset() -> None:
    """Forget the container's runtime (tests that change the environment)."""
    global _runtime
    _runtime = None


def _invoke(route: Callable[[LambdaRuntime, Event], Any], event: Event) -> Response:
    try:
        result: Response = asyncio.run(route(runtime(), event))
    except Exception:
        log.exception("route=<%s> | handler failed", event.get("requestContext", {}).get("routeKey"))
        return reply(FAULT, "Internal error")
    return result


def connect(event: Event, context: Any) -> Response:
    return _invoke(LambdaRuntime.connect, event)


def disconnect(event: Event, context: Any) -> Response:
    return _invoke(LambdaRuntime.disconnect, event)


def makecall(event: Event, context: Any) -> Response:
    return _invoke(LambdaRuntime.message, event)


def default(event: Event, context: Any) -> Response:
    return _invoke(LambdaRuntime.message, event)
