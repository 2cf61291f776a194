"""Where a call stands, in the one vocabulary the web UI and the CLI share. Pure.

| outcome | label | meaning |
|---|---|---|
| `called_it` | called it | verified: it came true |
| `missed_it` | missed it | verified: it did not |
| `waiting_for_you` | waiting for you | open, its date has come, no agent check is scheduled: only you can settle it |
| `checking` | checking | open and in hand: the agent checks it when its time comes (or its date has not come yet) |
| `void` | void | you voided it: it counts neither way |

A verified call always carries a confirmed or refuted verdict (what verifies a call gives one; imports
refuse anything else). Waiting for you: a human-verifiable call, or one the agent could not settle. The
stored `status` (pending, verified, inconclusive, void) stays what the scheduler works with; the
outcome is what a person reads. `waiting_for_you` is exactly what `GET /api/due` lists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field

from calledit.domain.call import Call, CallStatus, VerdictOutcome


class Outcome(StrEnum):
    CALLED_IT = "called_it"
    MISSED_IT = "missed_it"
    WAITING_FOR_YOU = "waiting_for_you"
    CHECKING = "checking"
    VOID = "void"


LABELS: dict[Outcome, str] = {
    Outcome.CALLED_IT: "called it",
    Outcome.MISSED_IT: "missed it",
    Outcome.WAITING_FOR_YOU: "waiting for you",
    Outcome.CHECKING: "checking",
    Outcome.VOID: "void",
}
MEANINGS: dict[Outcome, str] = {
    Outcome.CALLED_IT: "It came true.",
    Outcome.MISSED_IT: "It did not come true.",
    Outcome.WAITING_FOR_YOU: "Its date has come and only you can settle it: resolve it.",
    Outcome.CHECKING: "It is checked when its time comes.",
    Outcome.VOID: "Voided: it counts neither way.",
}
SETTLED = (Outcome.CALLED_IT, Outcome.MISSED_IT, Outcome.VOID)


def settled_outcome(call: Call) -> Outcome | None:
    """called_it, missed_it or void once the call is settled; None while it is open."""
    if call.status is CallStatus.VOID:
        return Outcome.VOID
    if call.status is CallStatus.VERIFIED and call.verdict is not None:
        if call.verdict.verdict is VerdictOutcome.CONFIRMED:
            return Outcome.CALLED_IT
        if call.verdict.verdict is VerdictOutcome.REFUTED:
            return Outcome.MISSED_IT
    return None


def outcome_of(call: Call, next_check_at: datetime | None, now: datetime) -> Outcome:
    """Where the call stands, given when the agent checks it next (None: it will not) and the time now."""
    settled = settled_outcome(call)
    if settled is not None:
        return settled
    if next_check_at is None and call.verification_date <= now:
        return Outcome.WAITING_FOR_YOU
    return Outcome.CHECKING


class CallView(Call):
    """A call as the REST API shows it: the stored call, where it stands, and its next agent check."""

    outcome: Outcome = Field(description="called_it | missed_it | waiting_for_you | checking | void")
    outcome_label: str = Field(description="the outcome in words: called it, missed it, waiting for you, ...")
    next_check_at: AwareDatetime | None = Field(default=None, description="when the agent checks next; null: never")


class CallViewPage(BaseModel):
    """One page of `GET /api/calls`; pass `next_cursor` back as `cursor` for the next one."""

    items: list[CallView]
    next_cursor: str | None = None


def view(call: Call, next_check_at: datetime | None, now: datetime) -> CallView:
    outcome = outcome_of(call, next_check_at, now)
    next_check_at = next_check_at.astimezone(UTC) if next_check_at else None  # as the stores give it back
    # The call is validated already: construct, not validate again (a page holds up to 100).
    return CallView.model_construct(
        **dict(call), outcome=outcome, outcome_label=LABELS[outcome], next_check_at=next_check_at
    )


def stored(call: Call) -> Call:
    """The stored call behind a view (a CallView must never be written back with its extra fields)."""
    if type(call) is Call:
        return call
    return Call(**{name: getattr(call, name) for name in Call.model_fields})
