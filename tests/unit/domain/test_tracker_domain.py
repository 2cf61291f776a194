"""The tracker's pure rules: chances as people write them, forecast timelines and both Brier scores, where a
call stands, tags, and the query predicate every non-SQL store filters with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calledit.domain.call import Call, CallStatus, Forecast, Verdict, VerdictOutcome
from calledit.domain.errors import BadRequest
from calledit.domain.fatebook import parse_date
from calledit.domain.forecasts import parse_probability, timeline, with_forecast
from calledit.domain.outcomes import LABELS, Outcome, outcome_of
from calledit.domain.queries import CallQuery, matches, parse_status, words
from calledit.domain.tags import normalize_tag, normalize_tags, split_tags
from calledit.domain.track_record import time_weighted_brier, track_record

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def a_call(**extra: Any) -> Call:
    fields: dict[str, Any] = {
        "id": "c1", "raw_prompt": "the Celtics win", "prediction_statement": "The Celtics win tonight.",
        "verification_date": T0 + timedelta(days=10), "date_reasoning": "d", "verification_mode": "at_date",
        "verifiable_category": "api_tool_verifiable", "category_reasoning": "c", "verifiability_score": 0.5,
        "verification_method": {"source": ["s"], "criteria": ["c"], "steps": ["s"]}, "timezone": "UTC",
        "model": "m", "created_at": T0, "updated_at": T0,
    }
    return Call(**(fields | extra))


def verdict(outcome: VerdictOutcome, at: datetime) -> Verdict:
    return Verdict(verdict=outcome, confidence=1.0, reasoning="r", verified_at=at)


@pytest.mark.parametrize(("written", "value"), [
    ("0.7", 0.7), ("70", 0.7), ("70%", 0.7), (" 70 % ", 0.7), ("3:1", 0.75), ("1:3", 0.25), ("1 in 4", 0.25),
    ("1 IN 3", 0.333333), ("0", 0.0), ("1", 1.0), ("100", 1.0), (".5", 0.5), ("99.5%", 0.995),
])
def test_probabilities_as_people_write_them(written: str, value: float) -> None:
    assert parse_probability(written) == pytest.approx(value)


@pytest.mark.parametrize("written", ["150", "101%", "-1", "abc", "", "0:0", "1 in 0", "2 in 1", "70%%"])
def test_what_is_not_a_probability_says_how_to_write_one(written: str) -> None:
    with pytest.raises(BadRequest, match="1 in 4"):
        parse_probability(written)


def test_a_call_with_only_a_confidence_has_one_forecast_since_it_was_made() -> None:
    call = a_call(confidence=0.6)
    assert timeline(call) == [Forecast(probability=0.6, at=T0)]
    updated = with_forecast(call, 0.9, T0 + timedelta(days=1))
    assert [f.probability for f in updated.forecasts] == [0.6, 0.9] and updated.confidence == 0.9
    withdrawn = with_forecast(updated, None, T0 + timedelta(days=2))
    assert withdrawn.confidence is None and len(withdrawn.forecasts) == 2
    assert timeline(a_call()) == []


def test_time_weighted_brier_by_hand() -> None:
    # 0.2 stands 9 days, 0.9 stands 1 day before a YES: (9 * 0.64 + 1 * 0.01) / 10 = 0.577
    forecasts = [Forecast(probability=0.2, at=T0), Forecast(probability=0.9, at=T0 + timedelta(days=9))]
    assert time_weighted_brier(forecasts, 1, T0, T0 + timedelta(days=10)) == pytest.approx(0.577)
    # a forecast given after the verdict does not count; one before creation counts from creation
    late = [*forecasts, Forecast(probability=0.0, at=T0 + timedelta(days=11))]
    assert time_weighted_brier(late, 1, T0, T0 + timedelta(days=10)) == pytest.approx(0.577)
    early = [Forecast(probability=0.2, at=T0 - timedelta(days=5)), forecasts[1]]
    assert time_weighted_brier(early, 1, T0, T0 + timedelta(days=10)) == pytest.approx(0.577)
    # resolved no later than the first forecast: that forecast is the record
    assert time_weighted_brier(forecasts, 0, T0, T0) == pytest.approx(0.04)


def test_track_record_has_final_and_time_weighted_brier_by_tag_and_month() -> None:
    resolved = T0 + timedelta(days=10)
    forecasts = [Forecast(probability=0.2, at=T0), Forecast(probability=0.9, at=T0 + timedelta(days=9)),
                 Forecast(probability=1.0, at=T0 + timedelta(days=12))]  # after the verdict: not counted
    yes = a_call(id="yes", confidence=1.0, forecasts=forecasts, tags=["sports"], status=CallStatus.VERIFIED,
                 verdict=verdict(VerdictOutcome.CONFIRMED, resolved))
    no = a_call(id="no", confidence=0.3, tags=["sports", "nba"], status=CallStatus.VERIFIED,
                verdict=verdict(VerdictOutcome.REFUTED, resolved + timedelta(days=40)))
    open_call = a_call(id="open", confidence=0.5, tags=["nba"])
    record = track_record([yes, no, open_call])
    assert record.scored == 2
    assert record.brier == pytest.approx((0.01 + 0.09) / 2)  # 0.9 stood at the verdict, not the later 1.0
    assert record.brier_time_weighted == pytest.approx((0.577 + 0.09) / 2)
    assert [(t.tag, t.total, t.scored, t.called_it, t.missed_it) for t in record.by_tag] == [
        ("nba", 2, 1, 0, 1), ("sports", 2, 2, 1, 1)]
    assert record.by_tag[1].brier_time_weighted == record.brier_time_weighted
    assert [(p.period, p.scored) for p in record.over_time] == [("2026-01", 1), ("2026-02", 1)]


def test_where_a_call_stands() -> None:
    now = T0 + timedelta(days=20)
    assert outcome_of(a_call(status=CallStatus.VERIFIED, verdict=verdict(VerdictOutcome.CONFIRMED, now)), None,
                      now) is Outcome.CALLED_IT
    assert outcome_of(a_call(status=CallStatus.VERIFIED, verdict=verdict(VerdictOutcome.REFUTED, now)), None,
                      now) is Outcome.MISSED_IT
    assert outcome_of(a_call(status=CallStatus.VOID), None, now) is Outcome.VOID
    assert outcome_of(a_call(), None, now) is Outcome.WAITING_FOR_YOU  # due, nobody checks: yours
    assert outcome_of(a_call(status=CallStatus.INCONCLUSIVE), None, now) is Outcome.WAITING_FOR_YOU
    assert outcome_of(a_call(), now + timedelta(hours=1), now) is Outcome.CHECKING
    assert outcome_of(a_call(), None, T0) is Outcome.CHECKING  # not due yet
    assert [LABELS[o] for o in Outcome] == ["called it", "missed it", "waiting for you", "checking", "void"]


def test_tags_are_one_vocabulary() -> None:
    assert normalize_tag("  #AI   Safety ") == "ai safety"
    assert normalize_tags(["Work", "work", "#work", "news"]) == ["work", "news"]
    assert split_tags("work; ai safety, #news,,") == ["work", "ai safety", "#news"]
    for bad in ["", "#", "a,b", "x" * 41, "tab\x00"]:
        with pytest.raises(ValueError):
            normalize_tag(bad)
    with pytest.raises(ValueError, match="at most 20"):
        normalize_tags([f"t{n}" for n in range(21)])


def test_the_query_predicate() -> None:
    call = a_call(raw_prompt="Zürich gets snow", tags=["weather"])
    now = T0
    assert words("Zürich, CAFÉ_au-lait 2026") == ["zurich", "cafe", "au", "lait", "2026"]
    assert matches(call, None, CallQuery(q="celt zur"), now)
    assert not matches(call, None, CallQuery(q="celtx"), now)
    assert matches(call, None, CallQuery(q="WEATH"), now)
    assert matches(call, None, CallQuery(tags=("weather",)), now)
    assert not matches(call, None, CallQuery(tags=("weather", "x")), now)
    assert matches(call, None, CallQuery(statuses=(parse_status("checking"),)), now)
    assert matches(call, None, CallQuery(statuses=(parse_status("Pending"),)), now)
    assert not matches(call, None, CallQuery(statuses=(parse_status("called it"),)), now)
    due = call.verification_date
    assert matches(call, None, CallQuery(due_after=due, due_before=due + timedelta(seconds=1)), now)
    assert not matches(call, None, CallQuery(due_before=due), now)
    with pytest.raises(ValueError, match="unknown status"):
        parse_status("maybe")


@pytest.mark.parametrize(("written", "value"), [
    ("2024-03-05 14:07:3", datetime(2024, 3, 5, 14, 7, 3, tzinfo=UTC)),  # Fatebook's own, seconds unpadded
    ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
    ("2024-03-05T14:07:03Z", datetime(2024, 3, 5, 14, 7, 3, tzinfo=UTC)),
    ("2024-03-05T15:07:03+01:00", datetime(2024, 3, 5, 14, 7, 3, tzinfo=UTC)),
])
def test_fatebook_dates(written: str, value: datetime) -> None:
    assert parse_date(written) == value


@pytest.mark.parametrize("written", ["", "yesterday", "0999-01-01 00:00:00", "2024-13-01"])
def test_not_a_fatebook_date(written: str) -> None:
    with pytest.raises(ValueError):
        parse_date(written)
