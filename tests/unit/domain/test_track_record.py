from datetime import UTC, datetime

import pytest

from calledit.domain.call import Call, CallStatus, Verdict, VerdictOutcome
from calledit.domain.track_record import BIN_EDGES, bin_index, brier_score, calibration, track_record

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def make_call(
    number: int, status: CallStatus, outcome: VerdictOutcome | None, confidence: float | None
) -> Call:
    verdict = None if outcome is None else Verdict(verdict=outcome, confidence=0.9, reasoning="r", verified_at=NOW)
    return Call(
        id=f"c{number}", raw_prompt="p", prediction_statement="s", verification_date=NOW, date_reasoning="d",
        verification_mode="at_date", verifiable_category="agent_verifiable", category_reasoning="c",
        verifiability_score=0.5,
        verification_method={"source": ["s"], "criteria": ["c"], "steps": ["s"]},
        timezone="UTC", model="m", status=status, verdict=verdict, confidence=confidence,
        created_at=NOW, updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("forecast", "index"),
    [(0.0, 0), (0.05, 0), (0.0999, 0), (0.1, 1), (0.3, 3), (0.7, 7), (0.8999, 8), (0.9, 9), (0.95, 9), (1.0, 9)],
)
def test_bin_edges_are_closed_below_and_the_last_bin_includes_one(forecast: float, index: int) -> None:
    assert bin_index(forecast) == index


def test_bin_edges_are_tenths() -> None:
    assert BIN_EDGES == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        bin_index(1.01)


def test_brier_score_by_hand() -> None:
    # (0.9-1)^2 = 0.01, (0.8-0)^2 = 0.64, (0.5-1)^2 = 0.25, (0.1-0)^2 = 0.01 -> 0.91 / 4
    assert brier_score([(0.9, 1), (0.8, 0), (0.5, 1), (0.1, 0)]) == pytest.approx(0.2275)
    assert brier_score([(1.0, 1), (0.0, 0)]) == 0.0
    assert brier_score([(1.0, 0)]) == 1.0
    assert brier_score([]) is None


def test_calibration_points_sit_at_the_mean_forecast_of_each_bin() -> None:
    bins = calibration([(0.72, 1), (0.78, 0), (0.7, 1), (0.05, 0), (1.0, 1), (0.9, 0)])
    assert [b.count for b in bins] == [1, 0, 0, 0, 0, 0, 0, 3, 0, 2]
    assert bins[7].lower == 0.7 and bins[7].upper == 0.8
    assert bins[7].mean_forecast == pytest.approx(0.7333333)
    assert bins[7].observed_rate == pytest.approx(2 / 3)
    assert bins[9].mean_forecast == pytest.approx(0.95) and bins[9].observed_rate == 0.5
    assert bins[0].mean_forecast == 0.05 and bins[0].observed_rate == 0.0
    assert bins[1].mean_forecast is None and bins[1].observed_rate is None


def test_track_record_counts_and_scores_only_resolved_calls_with_a_confidence() -> None:
    calls = [
        make_call(1, CallStatus.VERIFIED, VerdictOutcome.CONFIRMED, 0.9),
        make_call(2, CallStatus.VERIFIED, VerdictOutcome.REFUTED, 0.8),
        make_call(3, CallStatus.VERIFIED, VerdictOutcome.CONFIRMED, None),  # counted, not scored
        make_call(4, CallStatus.PENDING, None, 0.6),
        make_call(5, CallStatus.VOID, None, 0.4),
        make_call(6, CallStatus.INCONCLUSIVE, VerdictOutcome.INCONCLUSIVE, 0.3),
        make_call(7, CallStatus.PENDING, VerdictOutcome.INCONCLUSIVE, 0.2),  # retrying: still pending
    ]
    record = track_record(calls)
    assert (record.total, record.called_it, record.missed_it, record.void) == (7, 2, 1, 1)
    assert (record.pending, record.inconclusive, record.scored) == (2, 1, 2)
    assert record.brier == pytest.approx((0.01 + 0.64) / 2)
    assert sum(b.count for b in record.calibration) == 2


def test_no_calls_no_score() -> None:
    record = track_record([])
    assert record.brier is None and record.total == 0 and len(record.calibration) == 10
