"""When each call is checked, and what a check's verdict does to it. Pure: no clock, no I/O.

- immediate: checked as soon as it is logged.
- at_date: checked at its verification date.
- before_date: checked when logged, then every `recheck_seconds` until the deadline (its verification date) and once at
  the deadline; confirmed as soon as a check confirms it, refuted only by a check at or after the deadline.
- recurring: a timestamped snapshot at each interval (daily, weekly) from its verification date on.
- human_verifiable_only: never checked by the agent; waits for the owner.

An inconclusive check is retried after retry_seconds, doubling each time, up to max_attempts checks; then
the call is left for the owner (at_date, immediate, before_date past its deadline) or the recurring
snapshots carry on at their interval.

A data check whose data is not published yet (a game not final, an archive day not filled, a release not
out) is *pending*: looked at again every pending_seconds without using an attempt, for up to
pending_days after the call's date; after that a pending check counts as inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from calledit.domain.call import (
    Call,
    CallContent,
    CallStatus,
    RecurringInterval,
    Verdict,
    VerdictOutcome,
    VerifiableCategory,
    VerificationMode,
)

if TYPE_CHECKING:
    from calledit.config import Settings

INTERVALS = {RecurringInterval.DAILY: timedelta(days=1), RecurringInterval.WEEKLY: timedelta(weeks=1)}


@dataclass(frozen=True)
class Policy:
    retry_seconds: float = 900.0  # first retry after an inconclusive check; doubles each time
    max_attempts: int = 4  # inconclusive checks of one due point before it is left for the owner
    recheck_seconds: float = 86400.0  # before_date: how often to look again before the deadline
    pending_seconds: float = 3 * 3600.0  # a data check whose data is not in yet: look again this often
    pending_days: float = 10.0  # ... for this long after the call's date (an archive fills in days)
    owner_share: int = 2  # checks of one owner's calls in a row while other owners' calls are due

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            retry_seconds=settings.verify_retry_seconds,
            max_attempts=settings.verify_max_attempts,
            recheck_seconds=settings.verify_recheck_seconds,
            pending_seconds=settings.verify_pending_seconds,
            pending_days=settings.verify_pending_days,
        )

    def backoff(self, attempts: int) -> timedelta:
        """Delay before retry number `attempts` (1 = the first retry)."""
        return timedelta(seconds=self.retry_seconds * 2 ** max(attempts - 1, 0))


DEFAULT_POLICY = Policy()


def agent_checks(call: CallContent) -> bool:
    return call.verifiable_category is not VerifiableCategory.HUMAN_VERIFIABLE_ONLY


def first_check_at(call: CallContent, logged_at: datetime) -> datetime | None:
    """When the agent first checks a newly logged call (None: only its owner can resolve it)."""
    if not agent_checks(call):
        return None
    if call.verification_mode is VerificationMode.IMMEDIATE:
        return min(logged_at, call.verification_date)  # due at once (its date is normally the making time)
    if call.verification_mode is VerificationMode.BEFORE_DATE:
        return logged_at  # it may have happened already; then every recheck_seconds
    return call.verification_date  # at_date, and the first snapshot of a recurring call


@dataclass(frozen=True)
class Outcome:
    """What one check did: the call as it is now, the history action, and when to look next."""

    call: Call
    action: Literal["verified", "checked"]
    next_check_at: datetime | None
    attempts: int
    notify: bool  # the owner should hear of it (a `verdict` event)


def after_check(
    call: Call,
    verdict: Verdict,
    *,
    now: datetime,
    attempts: int,
    policy: Policy = DEFAULT_POLICY,
    pending: bool = False,
) -> Outcome:
    """Apply one verdict to `call`: `attempts` inconclusive checks came before this one for the same due point.

    `pending`: the verdict is inconclusive only because the data is not published yet."""
    mode = call.verification_mode
    waited = now - call.verification_date
    if pending and waited < timedelta(days=policy.pending_days) and mode is not VerificationMode.RECURRING:
        if mode is VerificationMode.BEFORE_DATE and now < call.verification_date:
            following = min(now + timedelta(seconds=policy.recheck_seconds), call.verification_date)
        else:
            following = now + timedelta(seconds=policy.pending_seconds)
        updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.PENDING})
        return Outcome(updated, "checked", following, attempts, notify=False)
    decided = verdict.verdict is not VerdictOutcome.INCONCLUSIVE
    if mode is VerificationMode.RECURRING:
        return _snapshot(call, verdict, now=now, attempts=attempts, policy=policy)
    if mode is VerificationMode.BEFORE_DATE and now < call.verification_date:
        if verdict.verdict is VerdictOutcome.CONFIRMED:
            return _final(call, verdict)
        # Refuted before the deadline only means "not yet": look again on schedule.
        not_yet = verdict.model_copy(update={
            "verdict": VerdictOutcome.INCONCLUSIVE,
            "reasoning": f"Not yet (deadline {call.verification_date.isoformat()}): {verdict.reasoning}",
        })
        following = min(now + timedelta(seconds=policy.recheck_seconds), call.verification_date)
        updated = call.model_copy(update={"verdict": not_yet, "status": CallStatus.PENDING})
        return Outcome(updated, "checked", following, 0, notify=False)
    if decided:
        return _final(call, verdict)
    tried = attempts + 1
    if tried < policy.max_attempts:
        updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.PENDING})
        return Outcome(updated, "checked", now + policy.backoff(tried), tried, notify=False)
    # Out of retries: the owner decides (the call shows in "due for you").
    updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.INCONCLUSIVE})
    return Outcome(updated, "verified", None, tried, notify=True)


def next_snapshot_at(call: CallContent, now: datetime) -> datetime:
    """The first regular snapshot time after `now`: the verification date plus whole intervals, so
    retries never shift the cadence and missed intervals (the server was down) are not replayed."""
    step = INTERVALS[call.recurring_interval or RecurringInterval.DAILY]
    start = call.verification_date
    if now < start:
        return start
    return start + step * ((now - start) // step + 1)


def _final(call: Call, verdict: Verdict) -> Outcome:
    updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.VERIFIED})
    return Outcome(updated, "verified", None, 0, notify=True)


def _snapshot(
    call: Call, verdict: Verdict, *, now: datetime, attempts: int, policy: Policy
) -> Outcome:
    regular = next_snapshot_at(call, now)
    if verdict.verdict is VerdictOutcome.INCONCLUSIVE:
        tried = attempts + 1
        retry = now + policy.backoff(tried)
        if tried < policy.max_attempts and retry < regular:
            updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.INCONCLUSIVE})
            return Outcome(updated, "checked", retry, tried, notify=False)
        updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.INCONCLUSIVE})
        return Outcome(updated, "checked", regular, 0, notify=True)
    updated = call.model_copy(update={"verdict": verdict, "status": CallStatus.VERIFIED})
    return Outcome(updated, "checked", regular, 0, notify=True)
