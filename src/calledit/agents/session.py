"""One `makecall` from start to finish, as the protocol's event sequence, whatever the transport.

processing -> (queued with position)* -> text/tool/call ... -> complete -> status complete,
or an `error` event. Transports forward these events; they hold no logic of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

from calledit.agents.creation import CreationAgent
from calledit.agents.queue import ModelGate
from calledit.domain.errors import CalledItError, ErrorCode
from calledit.domain.events import AnyServerEvent, ErrorEvent, MakeCall, StatusEvent

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Ended:
    """The pump's last item: the stream ended, or raised `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error


async def in_own_task(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """`stream`'s items, advanced by a task of its own; closing this early cancels that task.

    The cancellation lands where `stream` waits and unwinds every generator inside it, in the task (and
    tracing context) that ran them. Closing `stream` from outside would end only its outermost layer:
    Strands' inner generators were left to the garbage collector, which closes them in another context,
    where OpenTelemetry cannot detach their spans ("Failed to detach context", an ERROR with a traceback,
    on about half of the clients that went away mid-stream).
    """
    # Unbounded, so the pump only ever waits inside `stream` (a run's output is bounded by max_tokens).
    items: asyncio.Queue[T | _Ended] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in stream:
                items.put_nowait(item)
        except Exception as exc:
            items.put_nowait(_Ended(exc))
        else:
            items.put_nowait(_Ended())

    task = asyncio.create_task(pump(), name="agent-stream")
    try:
        while True:
            item = await items.get()
            if isinstance(item, _Ended):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        task.cancel()
        await asyncio.wait({task})  # its generators are closed before the run's cleanup goes on


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
            # In a task of its own: when the client goes away mid-run, the agent's streams all close
            # there, not later in the garbage collector's context (see in_own_task).
            stream = in_own_task(self.agent.stream(request.prompt, request.timezone, cancel_signal=cancel_signal))
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
