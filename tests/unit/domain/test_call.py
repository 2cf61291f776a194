from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from calledit.domain.call import CallDraft
from calledit.domain.events import CLIENT_ACTIONS, SERVER_EVENTS, ErrorEvent, MakeCall, StatusEvent, encode
from calledit.providers.scripted import plausible_call

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def draft(**changes: Any) -> dict[str, Any]:
    return {**plausible_call("The Lakers win tonight", NOW), **changes}


def test_a_plausible_call_validates() -> None:
    call = CallDraft.model_validate(draft())
    assert call.initial_status == "pending"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"verification_date": "2026-11-22T12:00:00"}, "timezone"),
        ({"verification_mode": "soon"}, "verification_mode"),
        ({"verifiability_score": 1.2}, "less than or equal to 1"),
        ({"verification_method": {"source": [], "criteria": ["a"], "steps": ["b"]}}, "at least 1"),
        ({"verification_mode": "recurring", "recurring_interval": None}, "recurring_interval"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_calls_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        CallDraft.model_validate(draft(**changes))


def test_interval_is_dropped_outside_recurring_mode() -> None:
    call = CallDraft.model_validate(draft(verification_mode="at_date", recurring_interval="daily"))
    assert call.recurring_interval is None


def test_actions_are_a_discriminated_union() -> None:
    action = CLIENT_ACTIONS.validate_json('{"action": "makecall", "prompt": "Rain", "extra": 1}')
    assert isinstance(action, MakeCall)
    assert action.timezone == "UTC"
    with pytest.raises(ValidationError):
        CLIENT_ACTIONS.validate_json('{"action": "dance"}')


def test_events_round_trip_and_leave_out_empty_fields() -> None:
    assert encode(StatusEvent(status="processing")) == '{"type":"status","status":"processing"}'
    frame = encode(ErrorEvent(code="busy", message="wait"))
    assert SERVER_EVENTS.validate_json(frame) == ErrorEvent(code="busy", message="wait")
