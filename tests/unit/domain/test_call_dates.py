"""A call's dates stay far from datetime's limits, so nothing downstream can overflow on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from calledit.domain.call import EARLIEST_DATE, LATEST_DATE, CallCreate
from calledit.domain.policy import INTERVALS, first_check_at, next_snapshot_at
from calledit.providers.scripted import plausible_call

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def a_call(**extra: Any) -> dict[str, Any]:
    return {**plausible_call("It rains in Paris tomorrow", NOW), "raw_prompt": "It rains in Paris tomorrow",
            "timezone": "Europe/Paris", "model": "scripted", **extra}


@pytest.mark.parametrize("date", [
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0999-12-31T23:59:59+00:00",
    "9001-01-01T00:00:00+00:00", "1000-01-01T00:00:00+00:01",
])
def test_a_date_out_of_range_is_refused_with_what_to_fix(date: str) -> None:
    with pytest.raises(ValidationError, match=r"(?s)verification_date.*between 1000-01-01 and 9000-12-31"):
        CallCreate.model_validate(a_call(verification_date=date))


@pytest.mark.parametrize("date", [EARLIEST_DATE, LATEST_DATE])
def test_the_extremes_convert_and_schedule_without_overflow(date: datetime) -> None:
    call = CallCreate.model_validate(a_call(verification_date=date.isoformat(), verification_mode="recurring",
                                            recurring_interval="weekly"))
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12", "UTC"):
        call.verification_date.astimezone(ZoneInfo(zone))
    assert first_check_at(call, NOW) == date
    later = max(NOW, date) + timedelta(days=3)
    assert next_snapshot_at(call, later) - later <= INTERVALS[call.recurring_interval or "weekly"]
