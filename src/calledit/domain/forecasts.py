"""The owner's forecasts on a call: how a probability is written, and how it changed over time. Pure.

A call carries every probability its owner gave (`Call.forecasts`, oldest first); its `confidence` is the
latest. Calls logged before forecasts were kept have only `confidence`: their timeline is that one
forecast, standing since the call was made.
"""

from __future__ import annotations

import re
from datetime import datetime

from calledit.domain.call import Call, Forecast
from calledit.domain.errors import BadRequest

PROBABILITY_HELP = "Give a probability as 70, 70%, 0.7, 3:1 (odds) or 1 in 4."
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_PERCENT = re.compile(rf"{_NUMBER}\s*%")
_ODDS = re.compile(rf"{_NUMBER}\s*:\s*{_NUMBER}")
_ONE_IN = re.compile(rf"{_NUMBER}\s+in\s+{_NUMBER}", re.I)
_PLAIN = re.compile(_NUMBER)


def parse_probability(text: str) -> float:
    """A probability from how people write one: `0.7` (0-1), `70` or `70%` (percent), `3:1` (odds for),
    `1 in 4`. A plain number above 1 is a percent, so `1` is certainty, not 1%. BadRequest otherwise."""
    written = text.strip()
    value: float | None = None
    if match := _PERCENT.fullmatch(written):
        value = float(match[1]) / 100
    elif match := _ODDS.fullmatch(written):
        yes, no = float(match[1]), float(match[2])
        value = yes / (yes + no) if yes + no > 0 else None
    elif match := _ONE_IN.fullmatch(written):
        part, whole = float(match[1]), float(match[2])
        value = part / whole if whole > 0 else None
    elif match := _PLAIN.fullmatch(written):
        number = float(match[1])
        value = number if number <= 1 else number / 100
    if value is None or not 0.0 <= value <= 1.0:
        raise BadRequest(f"{written!r} is not a probability between 0 and 100%. {PROBABILITY_HELP}")
    return round(value, 6)


def timeline(call: Call) -> list[Forecast]:
    """The call's forecasts, oldest first (one at `created_at` for a call that only has `confidence`)."""
    if call.forecasts:
        return list(call.forecasts)
    if call.confidence is not None:
        return [Forecast(probability=call.confidence, at=call.created_at)]
    return []


def with_forecast(call: Call, probability: float | None, at: datetime) -> Call:
    """The call after its owner says `probability` at `at` (None withdraws the current forecast: the call
    leaves the scores until a new one is given; the earlier forecasts stay on record)."""
    forecasts = timeline(call)
    if probability is not None:
        forecasts.append(Forecast(probability=probability, at=at))
    return call.model_copy(update={"confidence": probability, "forecasts": forecasts})


def first_forecasts(confidence: float | None, at: datetime) -> list[Forecast]:
    """The timeline of a newly logged call."""
    return [] if confidence is None else [Forecast(probability=confidence, at=at)]
