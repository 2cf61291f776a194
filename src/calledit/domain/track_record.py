"""A user's track record: called-it / missed-it counts, the Brier score and a calibration chart. Pure.

Brier score: the standard two-outcome form, mean of (f - o)^2 over resolved calls, where f is the user's
confidence (0-1) and o is 1 for confirmed, 0 for refuted; 0 is perfect, 1 the worst possible. Calls
without a confidence, void, pending and inconclusive calls are left out.

Calibration: ten bins over the forecast, [0.0, 0.1), [0.1, 0.2), ..., [0.8, 0.9), [0.9, 1.0] (the last
closed so a forecast of 1.0 counts). Each bin reports its count, the mean forecast in it (where its point
is drawn) and the observed rate of confirmed calls.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from pydantic import BaseModel, Field

from calledit.domain.call import Call, CallStatus, VerdictOutcome

BIN_COUNT = 10
BIN_EDGES = tuple(index / BIN_COUNT for index in range(BIN_COUNT + 1))  # 0.0, 0.1, ..., 1.0


class CalibrationBin(BaseModel):
    lower: float
    upper: float
    count: int = 0
    mean_forecast: float | None = Field(default=None, description="x of the point; None when empty")
    observed_rate: float | None = Field(default=None, description="share confirmed; None when empty")


class TrackRecord(BaseModel):
    """`GET /api/stats` and `calledit stats`."""

    total: int = Field(description="all calls")
    pending: int = Field(description="not resolved yet (status pending, including checks being retried)")
    called_it: int = Field(description="confirmed: it came true")
    missed_it: int = Field(description="refuted: it did not")
    void: int
    inconclusive: int = Field(description="checked, but nobody could tell")
    scored: int = Field(description="resolved calls with a confidence: the ones the Brier score covers")
    brier: float | None = Field(description="mean (confidence - outcome)^2; 0 best, 1 worst; None if none scored")
    calibration: list[CalibrationBin]


def bin_index(forecast: float) -> int:
    """The calibration bin of a forecast: [0, 0.1) -> 0, ..., [0.9, 1.0] -> 9."""
    if not 0.0 <= forecast <= 1.0:
        raise ValueError(f"a forecast is a probability between 0 and 1, not {forecast}")
    return min(bisect.bisect_right(BIN_EDGES, forecast) - 1, BIN_COUNT - 1)


def outcome_of(call: Call) -> int | None:
    """1 when the call came true, 0 when it did not, None when it is not resolved either way."""
    if call.status is not CallStatus.VERIFIED or call.verdict is None:
        return None
    if call.verdict.verdict is VerdictOutcome.CONFIRMED:
        return 1
    if call.verdict.verdict is VerdictOutcome.REFUTED:
        return 0
    return None


def brier_score(pairs: Iterable[tuple[float, int]]) -> float | None:
    """Mean squared difference between forecasts and outcomes (0/1); None for no pairs."""
    scored = [(forecast - outcome) ** 2 for forecast, outcome in pairs]
    return sum(scored) / len(scored) if scored else None


def calibration(pairs: Iterable[tuple[float, int]]) -> list[CalibrationBin]:
    totals = [[0, 0.0, 0] for _ in range(BIN_COUNT)]  # count, sum of forecasts, confirmed
    for forecast, outcome in pairs:
        slot = totals[bin_index(forecast)]
        slot[0] += 1
        slot[1] += forecast
        slot[2] += outcome
    return [
        CalibrationBin(
            lower=BIN_EDGES[index],
            upper=BIN_EDGES[index + 1],
            count=int(count),
            mean_forecast=total / count if count else None,
            observed_rate=confirmed / count if count else None,
        )
        for index, (count, total, confirmed) in enumerate(totals)
    ]


def track_record(calls: Iterable[Call]) -> TrackRecord:
    counts = {"pending": 0, "called_it": 0, "missed_it": 0, "void": 0, "inconclusive": 0}
    pairs: list[tuple[float, int]] = []
    total = 0
    for call in calls:
        total += 1
        outcome = outcome_of(call)
        if call.status is CallStatus.VOID:
            counts["void"] += 1
        elif outcome == 1:
            counts["called_it"] += 1
        elif outcome == 0:
            counts["missed_it"] += 1
        elif call.status is CallStatus.PENDING:
            counts["pending"] += 1
        else:
            counts["inconclusive"] += 1
        if outcome is not None and call.confidence is not None:
            pairs.append((call.confidence, outcome))
    return TrackRecord(
        total=total, scored=len(pairs), brier=_rounded(brier_score(pairs)), calibration=calibration(pairs), **counts
    )


def _rounded(value: float | None) -> float | None:
    """Six decimals: enough for any real record, and no 0.009999999999999995 in the API."""
    return None if value is None else round(value, 6)
