"""Terminal rendering of calls and streams (rich)."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calledit.domain.call import Call, CallContent

MODE_WORDS = {
    "immediate": "check now",
    "at_date": "check at the date",
    "before_date": "must happen before the date",
    "recurring": "checked again and again",
}


def _when(value: datetime) -> str:
    return value.strftime("%a %d %b %Y, %H:%M %Z").strip() or value.isoformat()


def call_panel(call: CallContent) -> Panel:
    """A readable card for one call."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", justify="right")
    facts.add_column()
    facts.add_row("Check on", f"{_when(call.verification_date)}  [dim]({call.timezone})[/dim]")
    facts.add_row("Why then", call.date_reasoning)
    mode = MODE_WORDS[call.verification_mode.value]
    if call.recurring_interval:
        mode += f", {call.recurring_interval.value}"
    facts.add_row("Mode", f"{call.verification_mode.value} [dim]({mode})[/dim]")
    facts.add_row("Category", f"{call.verifiable_category.value} [dim]- {call.category_reasoning}[/dim]")
    facts.add_row("Verifiability", f"{call.verifiability_score:.0%}")
    method = call.verification_method
    facts.add_row("Sources", "\n".join(f"- {s}" for s in method.source))
    facts.add_row("Criteria", "\n".join(f"- {c}" for c in method.criteria))
    facts.add_row("Steps", "\n".join(f"{i}. {s}" for i, s in enumerate(method.steps, 1)))
    if isinstance(call, Call):
        facts.add_row("Status", call.status.value)
        if call.confidence is not None:
            facts.add_row("Your confidence", f"{call.confidence:.0%}")
        if call.verdict:
            facts.add_row("Verdict", f"{call.verdict.verdict.value} ({call.verdict.confidence:.0%}): "
                          f"{call.verdict.reasoning}")
    title = f"[bold]{call.prediction_statement}[/bold]"
    subtitle = f"id {call.id}" if isinstance(call, Call) else f"model: {call.model}"
    return Panel(Group(Text(f"\u201c{call.raw_prompt}\u201d", style="italic dim"), facts),
                 title=title, subtitle=subtitle, title_align="left")


def calls_table(calls: list[Call]) -> Table:
    table = Table(title="Your calls, newest first", show_lines=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("prediction")
    table.add_column("check on", no_wrap=True)
    table.add_column("mode")
    table.add_column("status")
    table.add_column("verdict")
    for call in calls:
        table.add_row(
            call.id[:12],
            call.prediction_statement,
            call.verification_date.strftime("%Y-%m-%d %H:%M"),
            call.verification_mode.value,
            call.status.value,
            call.verdict.verdict.value if call.verdict else "",
        )
    return table
