"""Protocol v1's decisions, written once (docs/protocol.md): a client frame in, what to do out.

Sans-I/O: nothing here sends, awaits or keeps a connection. The ASGI endpoint (server/ws.py) and the
API Gateway handlers (aws/handlers.py) read a frame, ask `handle_frame`, and carry out the step it
returns: send a `Reply`, or try a `StartRun` / `CancelRun`.

Whether a run is going is each transport's to know and to claim in one step (a task on the server, a
conditional write in the connection table on AWS, where each frame is an invocation of its own), so
the frames that depend on it come back as effects. The transport tries the effect and hands what came
of it to the effect's `answer`, which says what the client is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from calledit.domain.errors import CalledItError, ErrorCode
from calledit.domain.events import AnyServerEvent, Cancel, ErrorEvent, MakeCall, Ping, PongEvent
from calledit.domain.frames import parse_frame

BUSY = "A prediction is already running on this connection: cancel it or wait for it."
NOTHING_TO_CANCEL = "Nothing to cancel: no prediction is running."
CANCELLED = "Cancelled: the prediction was stopped."
INTERNAL = "Something went wrong on our side; please retry."


@dataclass(frozen=True)
class Reply:
    """Send `event` to the client. An `error` event refuses the frame (API Gateway's 400)."""

    event: AnyServerEvent


@dataclass(frozen=True)
class StartRun:
    """Run the creation agent on `request`, unless a run is going on this connection."""

    request: MakeCall

    def answer(self, started: bool) -> list[Reply]:
        """What the client is told once the transport tried to claim the connection for the run."""
        if started:
            return []  # the run speaks for itself, from `status processing` on
        return [error(ErrorCode.BUSY, BUSY)]


class Stop(StrEnum):
    """What came of a cancel."""

    STOPPED = "stopped"  # the transport stopped the run itself (the server: its task, cancelled)
    ASKED = "asked"  # the run was asked to stop and says `cancelled` when it does (AWS: the cancel mark)
    NOTHING = "nothing"  # no run was going


@dataclass(frozen=True)
class CancelRun:
    """Stop the run going on this connection."""

    def answer(self, outcome: Stop) -> list[Reply]:
        if outcome is Stop.STOPPED:
            return [cancelled()]
        if outcome is Stop.ASKED:
            return []
        return [error(ErrorCode.BAD_REQUEST, NOTHING_TO_CANCEL)]


Step = Reply | StartRun | CancelRun


def handle_frame(text: str | None, data: bytes | None, *, max_frame_bytes: int) -> Step:
    """The step that answers one client frame (text, or the bytes of a binary frame)."""
    request = parse_frame(text, data, max_frame_bytes)
    if isinstance(request, ErrorEvent):
        return Reply(request)
    if isinstance(request, Ping):
        return Reply(PongEvent())
    if isinstance(request, Cancel):
        return CancelRun()
    return StartRun(request)


def error(code: ErrorCode, message: str) -> Reply:
    return Reply(ErrorEvent(code=code, message=message))


def refused(exc: CalledItError) -> Reply:
    """A run the transport's own limits refused (`rate_limited`, with when to retry)."""
    return Reply(ErrorEvent(code=exc.code, message=exc.message, retry_after=exc.retry_after))


def cancelled() -> Reply:
    """The last word of a run that a `cancel` stopped."""
    return error(ErrorCode.CANCELLED, CANCELLED)


def internal() -> Reply:
    """A bug answering one frame: said, and the connection stays open."""
    return error(ErrorCode.INTERNAL, INTERNAL)
