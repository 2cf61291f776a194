"""One `makecall` from start to finish, as the protocol's event sequence, whatever the transport.

processing -> (queued with position)* -> text/tool/call ... -> complete -> status complete,
or an `error` event. Transports forward these events; they hold no logic of their own.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncGenerator

from calledit.agents.creation import CreationAgent
from calledit.agents.queue import ModelGate
from calledit.domain.errors import CalledItError, ErrorCode
from calledit.domain.events import AnyServerEvent, ErrorEvent, MakeCall, StatusEvent

log = logging.getLogger(__name__)


class CallSession:
    """The creation agent behind a fair gate sized to what the model can run at once."""

    def __init__(self, agent: CreationAgent, gate: ModelGate | None = None) -> None:
        self.agent = agent
        self.gate = gate or ModelGate(agent.provider.concurrency)

    async def run(self, request: MakeCall) -> AsyncGenerator[AnyServerEvent, None]:
        """The events of one run. Closing the iterator early (cancel, disconnect) frees the model."""
        try:
            self.agent.context(request.prompt, request.timezone)  # bad input fails before queueing
        except CalledItError as exc:
            yield ErrorEvent(code=exc.code, message=exc.message)
            return
        yield StatusEvent(status="processing", message="Working on your prediction")
        ticket = self.gate.enqueue()
        cancel_signal = threading.Event()
        finished = False
        try:
            async for position in self.gate.wait(ticket):
                yield StatusEvent(
                    status="queued",
                    position=position,
                    message=f"Waiting for the model: you are number {position} in line",
                )
            # aclosing: when the client goes away mid-run, the agent's streams close here, in this
            # context, not later in the garbage collector's (where tracing contexts cannot be detached).
            stream = self.agent.stream(request.prompt, request.timezone, cancel_signal=cancel_signal)
            async with contextlib.aclosing(stream) as events:
                async for event in events:
                    yield event
            finished = True
        except CalledItError as exc:
            finished = True
            log.info("code=<%s> | run failed: %s", exc.code, exc.message)
            yield ErrorEvent(code=exc.code, message=exc.message)
            return
        except Exception:
            finished = True
            log.exception("run failed unexpectedly")
            yield ErrorEvent(code=ErrorCode.INTERNAL, message="Something went wrong on our side; please retry.")
            return
        finally:
            if not finished:
                cancel_signal.set()  # stop the model between tokens
            self.gate.release(ticket)
        yield StatusEvent(status="complete", message="Your call is ready")
