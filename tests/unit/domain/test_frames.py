"""parse_frame never raises: whatever a frame holds, the answer is an action or a protocol error.

The Lambda handlers parse frames here too, so the AWS path gets the same answers as the socket."""

from __future__ import annotations

import pytest

from calledit.domain.errors import ErrorCode
from calledit.domain.events import ErrorEvent, MakeCall, Ping
from calledit.domain.frames import parse_frame

LIMIT = 32 * 1024


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        ("[" * 1000, "Malformed JSON"),  # json.loads raised RecursionError, which closed the socket
        ("[" * 1000 + "]" * 1000, "Malformed JSON"),
        ('{"a": ' * 1000 + "1" + "}" * 1000, "Malformed JSON"),
        ('{"action": "makecall", "prompt": "\\ud800 rain", "timezone": "UTC"}', "Malformed JSON"),
        ('{"action": "ping"} trailing', "Malformed JSON"),
        ("1" * 5000, "Malformed JSON"),
        ("\ud800", "not valid UTF-8"),  # only an event from API Gateway can carry one
        ("[1, 2]", "JSON object"),
    ],
)
def test_hostile_frames_are_bad_requests(frame: str, words: str) -> None:
    answer = parse_frame(frame, None, LIMIT)
    assert isinstance(answer, ErrorEvent)
    assert answer.code is ErrorCode.BAD_REQUEST and words in answer.message


def test_good_frames_still_parse() -> None:
    assert isinstance(parse_frame('{"action": "ping"}', None, LIMIT), Ping)
    frame = '{"action": "makecall", "prompt": "Rain \\ud83c\\udf27 tomorrow", "timezone": "UTC"}'
    call = parse_frame(frame, None, LIMIT)
    assert isinstance(call, MakeCall) and call.prompt == "Rain \U0001f327 tomorrow"
