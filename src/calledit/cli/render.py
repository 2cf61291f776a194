"""Terminal rendering of calls and streams (rich).

Words from users and models are printed as text, never as markup: they go into `Text` objects (which
rich does not parse) after `clean` has removed the characters a terminal would act on. So a prompt
holding `[/bold]` cannot crash a command, `[link=...]` cannot make a hyperlink, and an escape sequence
cannot retitle the window, hide text or plant an OSC 8 link.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calledit.agents.sanitize import strip_controls
from calledit.domain.call import Call, CallContent

MODE_WORDS = {
    "immediate": "check now",
    "at_date": "check at the date",
    "before_date": "must happen before the date",
    "recurring": "checked again and again",
}


def clean(text: str) -> str:
    """`text` without the characters a terminal would act on instead of showing: C0 and C1 controls but
    tab and newline (ESC starts every escape sequence, U+009B is a one-character CSI, CR overwrites the
    line) and the bidi overrides that reorder what is shown."""
    return strip_controls(text)


def plain(text: str, style: str = "") -> Text:
    """Outside text (a user's, a model's, a file's) as a rich renderable: shown literally, never parsed."""
    return Text(clean(text), style=style)


def error_line(message: str, code: str | None = None) -> Text:
    """`error: MESSAGE (code)`: the message may quote what the user typed, so it is text, not markup."""
    line = Text.assemble(("error:", "bold red"), " ", clean(message))
    if code:
        line.append(f" ({clean(code)})", style="dim")
    return line


def _when(value: datetime) -> str:
    return value.strftime("%a %d %b %Y, %H:%M %Z").strip() or value.isoformat()


def _lines(items: list[str], numbered: bool = False) -> Text:
    return Text("\n").join(plain(f"{i}. {item}" if numbered else f"- {item}")
                           for i, item in enumerate(items, 1))


def call_panel(call: CallContent) -> Panel:
    """A readable card for one call."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", justify="right")
    facts.add_column()
    facts.add_row("Check on", Text.assemble(_when(call.verification_date), "  ",
                                            (f"({clean(call.timezone)})", "dim")))
    facts.add_row("Why then", plain(call.date_reasoning))
    mode = MODE_WORDS[call.verification_mode.value]
    if call.recurring_interval:
        mode += f", {call.recurring_interval.value}"
    facts.add_row("Mode", Text.assemble(call.verification_mode.value, " ", (f"({mode})", "dim")))
    facts.add_row("Category", Text.assemble(call.verifiable_category.value, " ",
                                            plain(f"- {call.category_reasoning}", "dim")))
    score = Text(f"{call.verifiability_score:.0%}")
    if call.verifiability_factors:  # why this score: one line per factor (model and user words: plain)
        why = _lines(call.verifiability_factors)
        why.stylize("dim")
        score.append("\n").append_text(why)
    facts.add_row("Verifiability", score)
    method = call.verification_method
    facts.add_row("Sources", _lines(method.source))
    facts.add_row("Criteria", _lines(method.criteria))
    facts.add_row("Steps", _lines(method.steps, numbered=True))
    if isinstance(call, Call):
        facts.add_row("Status", call.status.value)
        if call.confidence is not None:
            facts.add_row("Your confidence", f"{call.confidence:.0%}")
        if call.verdict:
            facts.add_row("Verdict", plain(f"{call.verdict.verdict.value} ({call.verdict.confidence:.0%}): "
                                           f"{call.verdict.reasoning}"))
    title = plain(call.prediction_statement, "bold")
    subtitle = plain(f"id {call.id}" if isinstance(call, Call) else f"model: {call.model}")
    return Panel(Group(plain(f"\u201c{call.raw_prompt}\u201d", "italic dim"), facts),
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
            plain(call.id[:12]),
            plain(call.prediction_statement),
            call.verification_date.strftime("%Y-%m-%d %H:%M"),
            call.verification_mode.value,
            call.status.value,
            call.verdict.verdict.value if call.verdict else "",
        )
    return table
