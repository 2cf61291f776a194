"""A user's track record: called-it / missed-it counts, two Brier scores and a calibration chart. Pure.

Brier score: the standard two-outcome form, mean of (f - o)^2 over resolved calls, where f is the user's
forecast (0-1) and o is 1 for confirmed, 0 for refuted; 0 is perfect, 1 the worst possible. Calls
without a current confidence, void, pending and inconclusive calls are left out. Two forms:

- final-forecast Brier (`brier`): f is the forecast that stood when the call was resolved (the last one
  given at or before `verdict.verified_at`; a forecast given after the verdict does not count).
- time-weighted Brier (`brier_time_weighted`, as Fatebook scores): each call's score is the mean of
  (f_i - o)^2 over its forecasts, each weighted by how long it stood between the call's creation and its
  resolution (from when it was given until the next forecast, or the verdict). The period before the
  first forecast counts for nothing. A call's score is then averaged like the final one: each call
  counts once, however long it ran. A call resolved no later than its first forecast scores that
  forecast. So a forecast updated the day before the verdict moves this score little, and an early
  good forecast is rewarded for the time it stood.

Calibration: ten bins over the forecast, [0.0, 0.1), [0.1, 0.2), ..., [0.8, 0.9), [0.9, 1.0] (the last
closed so a forecast of 1.0 counts). Each bin reports its count, the mean forecast in it (where its point
is drawn) and the observed rate of confirmed calls.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from calledit.domain.call import Call, CallStatus, Forecast, VerdictOutcome
from calledit.domain.forecasts import timeline

BIN_COUNT = 10
BIN_EDGES = tuple(index / BIN_COUNT for index in range(BIN_COUNT + 1))  # 0.0, 0.1, ..., 1.0


class CalibrationBin(BaseModel):
    lower: float
    upper: float
    count: int = 0
    mean_forecast: float | None = Field(default=None, description="x of the point; None when empty")
    observed_rate: float | None = Field(default=None, description="share confirmed; None when empty")


class TagRecord(BaseModel):
    """The track record of the calls carrying one tag."""

    tag: str
    total: int
    called_it: int
    missed_it: int
    scored: int
    brier: float | None
    brier_time_weighted: float | None
    calibration: list[CalibrationBin]


class PeriodRecord(BaseModel):
    """Scores of the calls resolved in one calendar month (UTC): how the record moves over time."""

    period: str = Field(description="YYYY-MM, the month the calls were resolved in")
    scored: int
    brier: float | None
    brier_time_weighted: float | None


class TrackRecord(BaseModel):
    """`GET /api/stats` and `calledit stats`."""

    total: int = Field(description="all calls")
    pending: int = Field(description="not resolved yet (status pending, including checks being retried)")
    called_it: int = Field(description="confirmed: it came true")
    missed_it: int = Field(description="refuted: it did not")
    void: int
    inconclusive: int = Field(description="checked, but nobody could tell")
    scored: int = Field(description="resolved calls with a confidence: the ones the Brier score covers")
    brier: float | None = Field(description="final-forecast Brier: mean (forecast - outcome)^2 with the forecast "
                                "standing at the verdict; 0 best, 1 worst; None if none scored")
    brier_time_weighted: float | None = Field(
        default=None, description="time-weighted Brier: each forecast weighted by how long it stood before the "
        "verdict (as Fatebook scores); None if none scored")
    calibration: list[CalibrationBin]
    by_tag: list[TagRecord] = Field(default_factory=list, description="one record per tag, by tag name")
    over_time: list[PeriodRecord] = Field(default_factory=list, description="by month of resolution, oldest first")


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


def final_forecast(forecasts: Sequence[Forecast], resolved_at: datetime) -> float:
    """The forecast standing at the verdict: the last given at or before it (else the first given)."""
    standing = [forecast for forecast in forecasts if forecast.at <= resolved_at]
    return (standing[-1] if standing else forecasts[0]).probability


def time_weighted_brier(forecasts: Sequence[Forecast], outcome: int, created_at: datetime,
                        resolved_at: datetime) -> float:
    """One call's time-weighted Brier (see the module doc); `forecasts` oldest first, at least one."""
    total = weight = 0.0
    for index, forecast in enumerate(forecasts):
        start = max(forecast.at, created_at)
        end = forecasts[index + 1].at if index + 1 < len(forecasts) else resolved_at
        seconds = (min(end, resolved_at) - start).total_seconds()
        if seconds > 0:
            total += seconds * (forecast.probability - outcome) ** 2
            weight += seconds
    if weight == 0:  # resolved no later than the first forecast: that forecast is the whole record
        return (final_forecast(forecasts, resolved_at) - outcome) ** 2
    return total / weight


@dataclass(frozen=True)
class Scored:
    """One resolved call with a forecast: what both scores and the calibration bins are made of."""

    final: float
    time_weighted: float
    outcome: int
    resolved_at: datetime


def scored(call: Call) -> Scored | None:
    """The call's scores, or None when it is not resolved either way or has no current confidence."""
    outcome = outcome_of(call)
    forecasts = timeline(call)
    if outcome is None or call.confidence is None or not forecasts or call.verdict is None:
        return None
    resolved_at = call.verdict.verified_at
    return Scored(
        final=final_forecast(forecasts, resolved_at),
        time_weighted=time_weighted_brier(forecasts, outcome, call.created_at, resolved_at),
        outcome=outcome,
        resolved_at=resolved_at,
    )


def _mean(values: Sequence[float]) -> float | None:
    return _rounded(sum(values) / len(values)) if values else None


def track_record(calls: Iterable[Call]) -> TrackRecord:
    counts = {"pending": 0, "called_it": 0, "missed_it": 0, "void": 0, "inconclusive": 0}
    results: list[Scored] = []
    tags: dict[str, list[tuple[Call, Scored | None]]] = {}
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
        result = scored(call)
        if result is not None:
            results.append(result)
        for tag in call.tags:
            tags.setdefault(tag, []).append((call, result))
    pairs = [(result.final, result.outcome) for result in results]
    return TrackRecord(
        total=total, scored=len(pairs), brier=_rounded(brier_score(pairs)),
        brier_time_weighted=_mean([result.time_weighted for result in results]),
        calibration=calibration(pairs), by_tag=[_tag_record(tag, tags[tag]) for tag in sorted(tags)],
        over_time=_over_time(results), **counts,
    )


def _tag_record(tag: str, calls: list[tuple[Call, Scored | None]]) -> TagRecord:
    results = [result for _, result in calls if result is not None]
    outcomes = [outcome_of(call) for call, _ in calls]
    pairs = [(result.final, result.outcome) for result in results]
    return TagRecord(
        tag=tag, total=len(calls), called_it=outcomes.count(1), missed_it=outcomes.count(0), scored=len(results),
        brier=_rounded(brier_score(pairs)), brier_time_weighted=_mean([r.time_weighted for r in results]),
        calibration=calibration(pairs),
    )


def _over_time(results: list[Scored]) -> list[PeriodRecord]:
    months: dict[str, list[Scored]] = {}
    for result in results:
        months.setdefault(f"{result.resolved_at.astimezone(UTC):%Y-%m}", []).append(result)
    return [
        PeriodRecord(
            period=month, scored=len(group),
            brier=_rounded(brier_score((r.final, r.outcome) for r in group)),
            brier_time_weighted=_mean([r.time_weighted for r in group]),
        )
        for month, group in sorted(months.items())
    ]


def _rounded(value: float | None) -> float | None:
    """Six decimals: enough for any real record, and no 0.009999999999999995 in the API."""
    return None if value is None else round(value, 6)
