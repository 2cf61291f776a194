"""Runs the creation agent over a dataset, one case at a time with the clock frozen at the case's `now`,
and scores what comes back: schema validity, date in window, mode and category, statement fidelity (the
rules of agents/fidelity.py), score in its band, time to first event and in total. A verifier (the
verification agent) can plug in per case to score verdicts too."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from calledit.agents.creation import Clock, CreationAgent
from calledit.agents.fidelity import Reading, call_failures, rebuild
from calledit.domain.call import CallContent, VerdictOutcome, VerificationMode
from calledit.domain.errors import CalledItError
from calledit.domain.events import CallEvent, CompleteEvent, TextEvent, ToolEvent
from calledit.evaluation.dataset import Dataset, EvalCase

AgentFactory = Callable[[Clock], CreationAgent]
# Checks a case's call at the case's `now`; returns the verdict, or None when it could not decide.
Verifier = Callable[[EvalCase, CallContent], Awaitable[VerdictOutcome | None]]


@dataclass
class CaseResult:
    id: str
    prediction: str
    valid: bool
    date_in_window: bool | None  # None: the case sets no window
    mode_ok: bool
    category_ok: bool
    first_event_s: float | None  # any event, the resolver's tool event included
    first_text_s: float | None  # the model's first text
    total_s: float
    first_statement_s: float | None = None  # the first `call` event that carries the statement
    call: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    tools: list[str] = field(default_factory=list)
    verdict: str | None = None
    verdict_ok: bool | None = None  # None: not verified, or no expected verdict
    expected_verdict: str | None = None  # set when the case was verified
    fidelity_ok: bool | None = None  # None: no call
    fidelity_failures: list[str] = field(default_factory=list)  # "field: what is wrong (rule)"
    statement_rebuilt: bool | None = None  # the statement is the one rebuilt from the prediction
    score_ok: bool | None = None  # None: the case sets no expect.score band

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Summary:
    n: int
    validity: float
    date_in_window: float | None
    mode_accuracy: float
    category_accuracy: float
    median_first_event_s: float | None
    median_first_text_s: float | None
    median_total_s: float
    median_first_statement_s: float | None = None  # the first `call` event with the statement
    statement_fidelity: float | None = None  # share of calls that keep every fidelity rule
    statement_rebuilt: float | None = None  # share of calls whose statement was rebuilt from the prediction
    score_in_band: float | None = None  # share of cases with expect.score whose score is in the band
    verdict_accuracy: float | None = None
    # expected verdict -> verdict given -> cases; "none" when the check failed
    verdict_confusion: dict[str, dict[str, int]] | None = None

    def as_dict(self, *, with_verdicts: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_verdicts:
            data.pop("verdict_accuracy")
            data.pop("verdict_confusion")
        return data


@dataclass
class EvalReport:
    cases: list[CaseResult]
    summary: Summary
    verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": [case.as_dict() for case in self.cases],
            "summary": self.summary.as_dict(with_verdicts=self.verified),
        }


def _frozen(moment: datetime) -> Clock:
    return lambda: moment


async def run_case(make_agent: AgentFactory, case: EvalCase, verifier: Verifier | None = None) -> CaseResult:
    """One case: the agent's full run with the clock at `case.now`, scored against `case.expect`."""
    agent = make_agent(_frozen(case.now))
    started = time.perf_counter()
    first_event: float | None = None
    first_text: float | None = None
    first_statement: float | None = None
    content: CallContent | None = None
    error: dict[str, str] | None = None
    tools: list[str] = []
    try:
        async for event in agent.stream(case.prediction, case.timezone):
            elapsed = time.perf_counter() - started
            first_event = elapsed if first_event is None else first_event
            if isinstance(event, TextEvent) and first_text is None:
                first_text = elapsed
            elif isinstance(event, CallEvent) and first_statement is None and \
                    event.call.get("prediction_statement"):
                first_statement = elapsed
            elif isinstance(event, ToolEvent):
                tools.append(event.name)
            elif isinstance(event, CompleteEvent):
                content = event.content
    except CalledItError as exc:
        error = {"code": exc.code.value, "message": exc.message}
    total = time.perf_counter() - started
    expect = case.expect
    window = expect.verification_date
    result = CaseResult(
        id=case.id,
        prediction=case.prediction,
        valid=content is not None,
        date_in_window=None if window is None else content is not None and content.verification_date in window,
        mode_ok=content is not None and content.verification_mode in expect.verification_mode,
        category_ok=content is not None and content.verifiable_category in expect.verifiable_category,
        first_event_s=_round(first_event),
        first_text_s=_round(first_text),
        first_statement_s=_round(first_statement),
        total_s=round(total, 3),
        call=content.model_dump(mode="json") if content is not None else None,
        error=error,
        tools=tools,
    )
    if content is not None:
        reading = Reading.of(case.prediction, case.now, case.timezone, content.verification_date,
                             immediate=content.verification_mode is VerificationMode.IMMEDIATE)
        failures = call_failures(content, reading)
        result.fidelity_ok = not failures
        result.fidelity_failures = [failure.describe() for failure in failures]
        result.statement_rebuilt = content.prediction_statement == rebuild(reading)
    if expect.score is not None:
        low, high = expect.score
        result.score_ok = content is not None and low <= content.verifiability_score <= high
    if verifier is not None and expect.verdict is not None:
        verdict = None
        if content is not None:
            try:
                verdict = await verifier(case, content)
            except CalledItError as exc:
                result.error = {"code": exc.code.value, "message": f"verification: {exc.message}"}
        result.verdict = verdict.value if verdict is not None else None
        result.expected_verdict = expect.verdict.value
        result.verdict_ok = verdict is expect.verdict
    return result


async def run_eval(
    make_agent: AgentFactory,
    dataset: Dataset,
    *,
    verifier: Verifier | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> EvalReport:
    """Every case in order (the embedded model runs one generation at a time anyway)."""
    results = []
    for case in dataset.cases:
        result = await run_case(make_agent, case, verifier)
        results.append(result)
        if on_case is not None:
            on_case(result)
    return EvalReport(results, summarize(results, verified=verifier is not None), verified=verifier is not None)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _ratio(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def summarize(results: list[CaseResult], *, verified: bool = False) -> Summary:
    """Rates over all cases (a failed run counts as wrong), date windows and score bands over the cases that
    set one (a failed run is a miss), statement fidelity over the calls made."""
    n = len(results)
    return Summary(
        n=n,
        validity=_ratio([r.valid for r in results]) or 0.0,
        date_in_window=_ratio([r.date_in_window for r in results if r.date_in_window is not None]),
        mode_accuracy=_ratio([r.mode_ok for r in results]) or 0.0,
        category_accuracy=_ratio([r.category_ok for r in results]) or 0.0,
        median_first_event_s=_median([r.first_event_s for r in results]),
        median_first_text_s=_median([r.first_text_s for r in results]),
        median_total_s=_median([r.total_s for r in results]) or 0.0,
        median_first_statement_s=_median([r.first_statement_s for r in results]),
        statement_fidelity=_ratio([r.fidelity_ok for r in results if r.fidelity_ok is not None]),
        statement_rebuilt=_ratio([r.statement_rebuilt for r in results if r.statement_rebuilt is not None]),
        score_in_band=_ratio([r.score_ok for r in results if r.score_ok is not None]),
        verdict_accuracy=_ratio([r.verdict_ok for r in results if r.verdict_ok is not None]) if verified else None,
        verdict_confusion=_confusion(results) if verified else None,
    )


def _confusion(results: list[CaseResult]) -> dict[str, dict[str, int]]:
    outcomes = [outcome.value for outcome in VerdictOutcome]
    matrix = {expected: dict.fromkeys([*outcomes, "none"], 0) for expected in outcomes}
    for result in results:
        if result.expected_verdict is not None:
            matrix[result.expected_verdict][result.verdict or "none"] += 1
    return matrix
