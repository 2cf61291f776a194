"""Each mode's schedule, with a frozen clock: the policy is pure, so 'now' is just an argument."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calledit.domain.call import Call, CallStatus, Verdict, VerdictOutcome
from calledit.domain.policy import Policy, after_check, first_check_at, next_snapshot_at

LOGGED = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
POLICY = Policy(retry_seconds=600, max_attempts=3, recheck_seconds=86400)


def make_call(mode: str, due: datetime, **extra: Any) -> Call:
    fields: dict[str, Any] = {
        "id": "c1", "raw_prompt": "p", "prediction_statement": "s", "verification_date": due,
        "date_reasoning": "d", "verification_mode": mode, "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "c", "verifiability_score": 0.5,
        "verification_method": {"source": ["s"], "criteria": ["c"], "steps": ["s"]},
        "timezone": "UTC", "model": "m", "created_at": LOGGED, "updated_at": LOGGED,
    }
    fields.update(extra)
    return Call(**fields)


def verdict(outcome: str, at: datetime) -> Verdict:
    return Verdict(verdict=VerdictOutcome(outcome), confidence=0.8, reasoning="because", verified_at=at)


@pytest.mark.parametrize(
    ("mode", "due", "extra", "first"),
    [
        ("immediate", LOGGED, {}, LOGGED),
        ("immediate", LOGGED - timedelta(minutes=5), {}, LOGGED - timedelta(minutes=5)),  # made, then logged
        ("immediate", LOGGED + timedelta(days=1), {}, LOGGED),  # never later than when logged
        ("at_date", LOGGED + timedelta(days=10), {}, LOGGED + timedelta(days=10)),
        ("before_date", LOGGED + timedelta(days=10), {}, LOGGED),  # it may have happened already
        ("recurring", LOGGED + timedelta(days=1), {"recurring_interval": "daily"}, LOGGED + timedelta(days=1)),
        ("at_date", LOGGED, {"verifiable_category": "human_verifiable_only"}, None),
    ],
)
def test_first_check(mode: str, due: datetime, extra: dict[str, Any], first: datetime | None) -> None:
    assert first_check_at(make_call(mode, due, **extra), LOGGED) == first


@pytest.mark.parametrize("mode", ["immediate", "at_date"])
@pytest.mark.parametrize("outcome", ["confirmed", "refuted"])
def test_a_decided_verdict_is_final(mode: str, outcome: str) -> None:
    now = LOGGED + timedelta(days=2)
    done = after_check(make_call(mode, LOGGED), verdict(outcome, now), now=now, attempts=0, policy=POLICY)
    assert done.call.status is CallStatus.VERIFIED
    assert done.call.verdict is not None and done.call.verdict.verdict.value == outcome
    assert (done.action, done.next_check_at, done.notify) == ("verified", None, True)


def test_inconclusive_is_retried_with_backoff_then_left_for_the_owner() -> None:
    call = make_call("at_date", LOGGED)
    now = LOGGED
    waits = []
    attempts = 0
    for _ in range(POLICY.max_attempts - 1):
        step = after_check(call, verdict("inconclusive", now), now=now, attempts=attempts, policy=POLICY)
        assert step.call.status is CallStatus.PENDING and not step.notify and step.action == "checked"
        assert step.next_check_at is not None
        waits.append(step.next_check_at - now)
        now, attempts, call = step.next_check_at, step.attempts, step.call
    assert waits == [timedelta(minutes=10), timedelta(minutes=20)]
    last = after_check(call, verdict("inconclusive", now), now=now, attempts=attempts, policy=POLICY)
    assert last.call.status is CallStatus.INCONCLUSIVE
    assert (last.next_check_at, last.attempts, last.notify, last.action) == (None, 3, True, "verified")


def test_before_date_confirms_early_but_only_refutes_after_the_deadline() -> None:
    deadline = LOGGED + timedelta(days=3)
    call = make_call("before_date", deadline)
    early = LOGGED + timedelta(days=1)
    not_yet = after_check(call, verdict("refuted", early), now=early, attempts=0, policy=POLICY)
    assert not_yet.call.status is CallStatus.PENDING and not not_yet.notify
    assert not_yet.call.verdict is not None and not_yet.call.verdict.verdict is VerdictOutcome.INCONCLUSIVE
    assert not_yet.call.verdict.reasoning.startswith("Not yet")
    assert not_yet.next_check_at == early + timedelta(days=1)
    near = deadline - timedelta(hours=2)
    last_look = after_check(call, verdict("inconclusive", near), now=near, attempts=0, policy=POLICY)
    assert last_look.next_check_at == deadline  # never past the deadline
    confirmed = after_check(call, verdict("confirmed", early), now=early, attempts=0, policy=POLICY)
    assert confirmed.call.status is CallStatus.VERIFIED and confirmed.next_check_at is None
    refuted = after_check(call, verdict("refuted", deadline), now=deadline, attempts=0, policy=POLICY)
    assert refuted.call.status is CallStatus.VERIFIED and refuted.call.verdict is not None
    assert refuted.call.verdict.verdict is VerdictOutcome.REFUTED and refuted.next_check_at is None


def test_recurring_takes_a_snapshot_every_interval_and_never_stops_by_itself() -> None:
    start = LOGGED + timedelta(days=1)
    call = make_call("recurring", start, recurring_interval="weekly")
    times = []
    now = start
    for outcome in ("confirmed", "refuted", "confirmed"):
        snap = after_check(call, verdict(outcome, now), now=now, attempts=0, policy=POLICY)
        assert snap.action == "checked" and snap.notify and snap.call.status is CallStatus.VERIFIED
        assert snap.call.verdict is not None and snap.call.verdict.verdict.value == outcome
        assert snap.next_check_at is not None
        times.append(snap.next_check_at)
        now = snap.next_check_at + timedelta(minutes=3)  # checks run a little late
    assert times == [start + timedelta(weeks=n) for n in (1, 2, 3)]  # the cadence does not drift


def test_recurring_retries_inconclusive_snapshots_within_the_interval() -> None:
    start = LOGGED
    call = make_call("recurring", start, recurring_interval="daily")
    retry = after_check(call, verdict("inconclusive", start), now=start, attempts=0, policy=POLICY)
    assert retry.next_check_at == start + timedelta(minutes=10) and retry.attempts == 1 and not retry.notify
    given_up = after_check(call, verdict("inconclusive", start), now=start, attempts=2, policy=POLICY)
    assert given_up.next_check_at == start + timedelta(days=1) and given_up.attempts == 0
    assert given_up.call.status is CallStatus.INCONCLUSIVE


def test_missed_snapshots_are_not_replayed() -> None:
    call = make_call("recurring", LOGGED, recurring_interval="daily")
    assert next_snapshot_at(call, LOGGED - timedelta(hours=1)) == LOGGED
    assert next_snapshot_at(call, LOGGED) == LOGGED + timedelta(days=1)
    assert next_snapshot_at(call, LOGGED + timedelta(days=5, hours=1)) == LOGGED + timedelta(days=6)
