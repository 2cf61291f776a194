"""The protocol's decisions, without a transport: a frame in, the step out; an effect's outcome in, the
replies out. Both transports (server/ws.py, aws/handlers.py) carry out exactly these."""

from __future__ import annotations

from typing import Any

import pytest

from calledit.agents import protocol
from calledit.agents.protocol import CancelRun, Reply, StartRun, Stop
from calledit.domain.errors import CalledItError, ErrorCode
from calledit.domain.events import ErrorEvent, MakeCall, PongEvent

LIMIT = 32 * 1024


def step(text: str | None, data: bytes | None = None, limit: int = LIMIT) -> protocol.Step:
    return protocol.handle_frame(text, data, max_frame_bytes=limit)


def wire(replies: list[Reply]) -> list[dict[str, Any]]:
    return [reply.event.model_dump(mode="json", exclude_none=True) for reply in replies]


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ('{"action": "ping"}', None, Reply(PongEvent())),
        ('{"action": "cancel"}', None, CancelRun()),
        ('{"action": "makecall", "prompt": "Rain"}', None,
         StartRun(MakeCall(action="makecall", prompt="Rain", timezone="UTC"))),
        ('{"action": "makecall", "prompt": "Rain", "timezone": "Europe/Paris", "extra": 1}', None,
         StartRun(MakeCall(action="makecall", prompt="Rain", timezone="Europe/Paris"))),
    ],
)
def test_frames_that_ask_for_something(text: str, data: bytes | None, expected: protocol.Step) -> None:
    assert step(text, data) == expected


@pytest.mark.parametrize(
    ("text", "data", "code", "words"),
    [
        ("not json", None, "bad_request", "Malformed JSON"),
        ("[1]", None, "bad_request", "JSON object"),
        ('{"action": "dance"}', None, "bad_request", "Unknown action 'dance'"),
        ('{"action": "makecall", "prompt": ""}', None, "bad_request", "Invalid makecall"),
        (None, b'{"action": "ping"}', "bad_request", "Binary frames"),
        (None, b"x" * (LIMIT + 1), "too_large", "over the"),
        ("x" * (LIMIT + 1), None, "too_large", "over the"),
    ],
)
def test_frames_refused_with_a_protocol_error(text: str | None, data: bytes | None, code: str, words: str) -> None:
    answer = step(text, data)
    assert isinstance(answer, Reply) and isinstance(answer.event, ErrorEvent)
    assert answer.event.code == code and words in answer.event.message


def test_the_frame_limit_is_the_transports() -> None:
    assert step('{"action": "ping"}', limit=18) == Reply(PongEvent())
    refused = step('{"action": "ping"}', limit=17)
    assert isinstance(refused, Reply) and isinstance(refused.event, ErrorEvent)
    assert refused.event.code is ErrorCode.TOO_LARGE


START = StartRun(MakeCall(action="makecall", prompt="Rain"))
BUSY = {"type": "error", "code": "busy",
        "message": "A prediction is already running on this connection: cancel it or wait for it."}
CANCELLED = {"type": "error", "code": "cancelled", "message": "Cancelled: the prediction was stopped."}
NOTHING = {"type": "error", "code": "bad_request", "message": "Nothing to cancel: no prediction is running."}


@pytest.mark.parametrize(
    ("started", "expected"),
    [(True, []), (False, [BUSY])],  # a started run speaks for itself, from `status processing` on
)
def test_what_a_makecall_is_answered_once_the_transport_tried_to_start_the_run(
    started: bool, expected: list[dict[str, Any]]
) -> None:
    assert wire(START.answer(started)) == expected


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Stop.STOPPED, [CANCELLED]),  # the server stopped the run's task itself
        (Stop.ASKED, []),  # AWS: the running invocation says `cancelled` when it sees the mark
        (Stop.NOTHING, [NOTHING]),
    ],
)
def test_what_a_cancel_is_answered(outcome: Stop, expected: list[dict[str, Any]]) -> None:
    assert wire(CancelRun().answer(outcome)) == expected


def test_the_run_a_cancel_stopped_ends_with_cancelled_wherever_it_ran() -> None:
    assert wire([protocol.cancelled()]) == [CANCELLED]
    assert wire(CancelRun().answer(Stop.STOPPED)) == wire([protocol.cancelled()])


def test_a_refusal_by_a_limit_says_when_to_retry() -> None:
    class Limited(CalledItError):
        code = ErrorCode.RATE_LIMITED
        retry_after = 2.5

    assert wire([protocol.refused(Limited("Too many predictions: wait a little."))]) == [
        {"type": "error", "code": "rate_limited", "message": "Too many predictions: wait a little.", "retry_after": 2.5}
    ]


def test_a_bug_answering_a_frame_is_internal_and_says_retry() -> None:
    assert wire([protocol.internal()]) == [
        {"type": "error", "code": "internal", "message": "Something went wrong on our side; please retry."}
    ]
