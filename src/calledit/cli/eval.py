"""`calledit eval --dataset FILE`: run the creation agent over a dataset and report how good its calls are."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from calledit.cli.render import clean, error_line, plain
from calledit.config import Settings
from calledit.domain.errors import CalledItError

if TYPE_CHECKING:
    from calledit.evaluation import CaseResult, EvalReport, Verifier
    from calledit.providers import Provider

console = Console()
errors = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    errors.print(error_line(message))
    return typer.Exit(1)


def _verifier(settings: Settings, provider: Provider) -> Verifier:
    """The verification agent, checking each case's call with the clock at the case's `verify_at` (or `now`),
    its outside data answered from the case's `web` recording."""
    try:
        from calledit.agents.verification import build_verification_agent
    except ImportError as exc:
        raise _fail("--verify needs the verification agent, which this build does not have.") from exc
    from calledit.domain.call import CallContent, VerdictOutcome
    from calledit.evaluation import EvalCase

    async def verify(case: EvalCase, call: CallContent) -> VerdictOutcome | None:
        # A case's recording answers its outside requests; without one, outside data is off for it.
        web = f"replay:{case.web}" if case.web is not None else "off"
        case_settings = settings.model_copy(update={"web": web})
        agent = build_verification_agent(case_settings, provider, clock=lambda: case.verify_clock)
        try:
            report = await agent.verify(call)
        finally:
            await agent.aclose()
        return report.verdict.verdict

    return verify


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _mark(ok: bool | None) -> Text:
    return Text("") if ok is None else (Text("yes", style="green") if ok else Text("no", style="red"))


def _with_mark(value: object, ok: bool | None) -> Text:
    """A dataset's or a model's value (shown as text, never markup) and whether it was right."""
    return Text.assemble(plain(str(value)), " ", _mark(ok))


def _print_report(report: EvalReport) -> None:
    table = Table(title="Cases", show_lines=False)
    for column in ("id", "valid", "verification_date", "mode", "category", "score", "first text", "total"):
        table.add_column(column, no_wrap=True)
    if report.verified:
        table.add_column("verdict")
    for case in report.cases:
        call = case.call or {}
        if case.error or not call:
            detail = (case.error or {}).get("message", "no call")
            row: list[Text | str] = [plain(case.id), _mark(False), plain(str(detail), "red"), "", "", "",
                                     _seconds(case.first_text_s), _seconds(case.total_s)]
        else:
            row = [plain(case.id), _mark(True), _with_mark(call["verification_date"], case.date_in_window),
                   _with_mark(call["verification_mode"], case.mode_ok),
                   _with_mark(call["verifiable_category"], case.category_ok),
                   _with_mark(f"{call['verifiability_score']:.2f}", case.score_ok),
                   _seconds(case.first_text_s), _seconds(case.total_s)]
        if report.verified:
            row.append(_with_mark(case.verdict or "-", case.verdict_ok))
        table.add_row(*row)
    console.print(table)
    for case in report.cases:  # what broke a fidelity rule, case by case (model and user text: plain)
        for failure in case.fidelity_failures:
            console.print(Text.assemble(("fidelity ", "bold red"), plain(case.id, "bold"), " ", plain(failure)))
    summary = report.summary
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", justify="right")
    facts.add_column()
    facts.add_row("cases", str(summary.n))
    facts.add_row("schema validity", _percent(summary.validity))
    facts.add_row("date in window", _percent(summary.date_in_window))
    facts.add_row("mode accuracy", _percent(summary.mode_accuracy))
    facts.add_row("category accuracy", _percent(summary.category_accuracy))
    facts.add_row("statement fidelity", _percent(summary.statement_fidelity))
    facts.add_row("statement rebuilt", _percent(summary.statement_rebuilt))
    facts.add_row("score in band", _percent(summary.score_in_band))
    if report.verified:
        facts.add_row("verdict accuracy", _percent(summary.verdict_accuracy))
    facts.add_row("median first event", _seconds(summary.median_first_event_s))
    facts.add_row("median first text", _seconds(summary.median_first_text_s))
    facts.add_row("median statement", _seconds(summary.median_first_statement_s))
    facts.add_row("median total", _seconds(summary.median_total_s))
    console.print(facts)
    if report.verified and summary.verdict_confusion:
        matrix = Table(title="Verdicts: expected (rows) by given (columns)")
        given = list(next(iter(summary.verdict_confusion.values())))
        matrix.add_column("expected")
        for label in given:
            matrix.add_column(label, justify="right")
        for expected, counts in summary.verdict_confusion.items():
            matrix.add_row(plain(expected), *(str(counts[label]) for label in given))
        console.print(matrix)


def eval_command(
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="The dataset JSON (format: docs/eval.md).")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="local | scripted | bedrock[:ID] | "
                                              "anthropic:ID | openai:ID (default: $CALLEDIT_MODEL, else local)",
                                              show_default=False)] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Also verify the cases that expect a verdict, "
                                         "and report verdict accuracy.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print {cases, summary} as JSON on stdout.")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only these case ids (repeatable).",
                                                   show_default=False)] = None,
) -> None:
    """Measure the creation agent on a dataset: validity, dates, mode, category, fidelity, score, speed."""
    from calledit.agents.setup import creation_agent
    from calledit.evaluation import load_dataset, run_eval
    from calledit.providers import build_provider

    try:
        data = load_dataset(dataset)
        if only:
            unknown = sorted(set(only) - {case.id for case in data.cases})
            if unknown:
                raise _fail(f"No case with id {', '.join(unknown)} in {dataset}.")
            data = data.model_copy(update={"cases": [case for case in data.cases if case.id in set(only)]})
        settings = Settings(model=model) if model else Settings()
        provider = build_provider(settings)
    except CalledItError as exc:
        raise _fail(exc.message) from None
    verifier = _verifier(settings, provider) if verify else None
    warm = getattr(provider.model, "warm", None)
    if callable(warm):  # measure calls as a running server makes them: system prompt already evaluated
        from calledit.agents.prompts import SYSTEM_PROMPT

        with errors.status("Warming the model (evaluating the system prompt once)"):
            warming = warm(SYSTEM_PROMPT)
            if warming is not None:
                warming.result()

    with Progress(TextColumn("[bold]eval[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=errors, transient=as_json) as progress:
        task = progress.add_task(escape(clean(f"{dataset.name} on {provider.name}")), total=len(data.cases))

        def advance(result: CaseResult) -> None:  # the description is markup: the case id is escaped
            progress.update(task, advance=1,
                            description=escape(clean(f"{result.id} {'ok' if result.valid else 'failed'}")))

        report = asyncio.run(run_eval(lambda clock: creation_agent(settings, provider, clock), data,
                                      verifier=verifier, on_case=advance))
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        _print_report(report)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
