"""The call: a prediction made verifiable (see docs/data-model.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from calledit.domain.check import Check
from calledit.domain.tags import Tags

MAX_PROMPT_CHARS = 2000
# Far from datetime's own limits (years 1 and 9999), so converting to UTC or to any timezone, and the
# scheduler's intervals, can never overflow (0001-01-01T00:00:00+14:00 is 0000-12-31 in UTC).
EARLIEST_DATE = datetime(1000, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(9000, 12, 31, 23, 59, 59, tzinfo=UTC)


class VerificationMode(StrEnum):
    IMMEDIATE = "immediate"
    AT_DATE = "at_date"
    BEFORE_DATE = "before_date"
    RECURRING = "recurring"


class RecurringInterval(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class VerifiableCategory(StrEnum):
    AGENT_VERIFIABLE = "agent_verifiable"  # reasoning alone
    CURRENT_TOOL_VERIFIABLE = "current_tool_verifiable"  # needs the clock
    STRANDS_TOOL_VERIFIABLE = "strands_tool_verifiable"  # needs a computation
    API_TOOL_VERIFIABLE = "api_tool_verifiable"  # needs outside data
    HUMAN_VERIFIABLE_ONLY = "human_verifiable_only"  # only a person can judge


class CallStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    INCONCLUSIVE = "inconclusive"
    VOID = "void"


class VerdictOutcome(StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


Score = Annotated[float, Field(ge=0.0, le=1.0)]
ShortText = Annotated[str, Field(min_length=1, max_length=4000)]


def _within_range(value: datetime) -> datetime:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"the date must fall between {EARLIEST_DATE:%Y-%m-%d} and {LATEST_DATE:%Y-%m-%d} (UTC): "
            "check the year"
        )
    return value


CallDate = Annotated[AwareDatetime, AfterValidator(_within_range)]


class VerificationMethod(BaseModel):
    """How to check the call: where to look, what counts, and the steps (the seeds' structure)."""

    model_config = ConfigDict(extra="forbid")

    source: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=12)
    criteria: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=12)
    steps: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=12)


class CallDraft(BaseModel):
    """What the creation agent writes: the fields a model must produce for one prediction.

    Its JSON Schema is the grammar the local model is constrained to and the shape every provider is
    asked for; the transport adds the context fields (prompt, timezone, model) to make a `CallContent`.
    """

    model_config = ConfigDict(extra="forbid")

    prediction_statement: ShortText
    verification_date: CallDate
    date_reasoning: ShortText
    verification_mode: VerificationMode
    recurring_interval: RecurringInterval | None = None
    verifiable_category: VerifiableCategory
    category_reasoning: ShortText
    verifiability_score: Score
    # Why the score is what it is, one sentence each with its weight (domain/verifiability.py); set by code.
    verifiability_factors: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=12
    )
    verification_method: VerificationMethod
    # The executable check (domain/check.py) when outside data decides the call; null otherwise.
    check: Check | None = None
    initial_status: Literal["pending"] = "pending"

    @model_validator(mode="after")
    def _interval_only_when_recurring(self) -> CallDraft:
        if self.verification_mode is VerificationMode.RECURRING:
            if self.recurring_interval is None:
                raise ValueError("a recurring call needs recurring_interval: daily or weekly")
        elif self.recurring_interval is not None:
            self.recurring_interval = None  # an interval means nothing outside recurring mode
        return self


class CallContent(CallDraft):
    """A complete call as the `complete` event carries it, before it is logged."""

    raw_prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    model: Annotated[str, Field(min_length=1, max_length=200)]


class CallCreate(CallContent):
    """Body of `POST /api/calls`: the `complete` content plus the user's own confidence and tags."""

    confidence: Score | None = None
    tags: Tags = Field(default_factory=list, description="your own labels: lowercase words, 1-20 of them")


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    finding: str
    criterion: str


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: VerdictOutcome
    confidence: Score
    evidence: list[Evidence] = Field(default_factory=list)
    reasoning: str
    verified_at: CallDate
    model: str | None = None


class Forecast(BaseModel):
    """One of the owner's probabilities that the call comes true, from `at` until the next one."""

    model_config = ConfigDict(extra="forbid")

    probability: Score
    at: CallDate


class Call(CallContent):
    """A logged call, as stored and as the REST API returns it."""

    id: str
    status: CallStatus = CallStatus.PENDING
    confidence: Score | None = None
    tags: Tags = Field(default_factory=list)
    # Every probability the owner gave, oldest first; the last is `confidence` (domain/forecasts.py).
    forecasts: list[Forecast] = Field(default_factory=list, max_length=1000)
    verdict: Verdict | None = None
    created_at: CallDate
    updated_at: CallDate


class CallPage(BaseModel):
    """One page of `GET /api/calls`, newest first; pass `next_cursor` back as `cursor` for the next."""

    items: list[Call]
    next_cursor: str | None = None


class CallTerms(BaseModel):
    """What the owner may edit until the call is verified: what it says, when and how it is checked."""

    model_config = ConfigDict(extra="forbid")

    prediction_statement: ShortText
    verification_date: CallDate
    verification_method: VerificationMethod
    check: Check | None = None


class CallState(BaseModel):
    """What a check or a person changes on a call, and what undo restores (with the next agent check).

    `tags`, `forecasts` and `terms` are recorded only by the changes that touch them (null otherwise)."""

    status: CallStatus
    verdict: Verdict | None = None
    confidence: Score | None = None
    next_check_at: AwareDatetime | None = None
    tags: list[str] | None = None
    forecasts: list[Forecast] | None = None
    terms: CallTerms | None = None


ChangeAction = Literal["verified", "checked", "resolved", "overridden", "confidence", "tagged", "edited", "undone"]


class CallChange(BaseModel):
    """One entry in a call's history: who changed what, from which state to which.

    actions: `verified` (the agent's verdict), `checked` (an agent check that left the outcome open: a
    before-date check, a recurring snapshot, an inconclusive retry), `resolved` (the owner, by hand),
    `overridden` (the owner replaced the agent's verdict), `confidence` (the owner's own probability: a
    forecast update), `tagged` (the owner's tags), `edited` (the owner changed the call's terms before it
    was verified; tags and confidence changed in the same request ride along), `undone` (restored `after`
    from an earlier change, named by `undoes`).
    """

    id: str
    call_id: str
    at: AwareDatetime
    actor: Literal["agent", "owner"]
    action: ChangeAction
    before: CallState
    after: CallState
    note: str | None = None
    undoes: str | None = None


def call_fields() -> tuple[str, ...]:
    """Names of the fields a model writes, in the order the schema lists them."""
    return tuple(CallDraft.model_fields)


__all__ = [
    "MAX_PROMPT_CHARS",
    "Call",
    "CallChange",
    "CallContent",
    "CallCreate",
    "CallDraft",
    "CallPage",
    "CallState",
    "CallStatus",
    "CallTerms",
    "ChangeAction",
    "Evidence",
    "Forecast",
    "RecurringInterval",
    "Verdict",
    "VerdictOutcome",
    "VerifiableCategory",
    "VerificationMethod",
    "VerificationMode",
    "call_fields",
]
