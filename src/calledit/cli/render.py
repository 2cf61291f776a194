"""Terminal rendering of calls and streams (rich).

Words from users and models are printed as text, never as markup: they go into `Text` objects (which
rich does not parse) after `clean` has removed the characters a terminal would act on. So a prompt
holding `[/bold]` cannot crash a command, `[link=...]` cannot make a hyperlink, and an escape sequence
cannot retitle the window, hide text or plant an OSC 8 link.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from calledit.agents.sanitize import strip_controls
from calledit.domain.call import Call, CallContent
from calledit.domain.outcomes import MEANINGS, CallView, Outcome

OUTCOME_STYLES = {
    Outcome.CALLED_IT: "bold green",
    Outcome.MISSED_IT: "bold red",
    Outcome.WAITING_FOR_YOU: "bold yellow",
    Outcome.CHECKING: "cyan",
    Outcome.VOID: "dim",
}
_DATE = TypeAdapter(datetime)

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


def in_zone(value: datetime, timezone: str) -> datetime:
    """`value` on the clock of `timezone` (the call's own), or as it is when the name is unknown."""
    try:
        return value.astimezone(zoneinfo.ZoneInfo(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return value


def _when(value: datetime, timezone: str | None = None) -> str:
    shown = in_zone(value, timezone) if timezone else value
    return shown.strftime("%a %d %b %Y, %H:%M %Z").strip() or value.isoformat()


def short_when(value: datetime, timezone: str) -> str:
    """`2026-11-22 23:59 CET`: the date and time on the call's clock, with that zone's name."""
    return in_zone(value, timezone).strftime("%Y-%m-%d %H:%M %Z").strip()


def relative(value: datetime, now: datetime | None = None) -> str:
    """How far away a moment is, in words: `in 3 days`, `2 hours ago`, `now`."""
    seconds = (value - (now or datetime.now(UTC))).total_seconds()
    ahead, amount = seconds >= 0, abs(seconds)
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):
        if amount >= size:
            count = int(amount // size)
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if ahead else f"{words} ago"
    return "now"


def percent(value: float) -> str:
    return f"{value:.0%}" if round(value * 100, 6) == round(value * 100) else f"{value:.1%}"


def outcome_text(call: CallView) -> Text:
    return Text(call.outcome_label, style=OUTCOME_STYLES[call.outcome])


def _lines(items: list[str], numbered: bool = False) -> Text:
    return Text("\n").join(plain(f"{i}. {item}" if numbered else f"- {item}")
                           for i, item in enumerate(items, 1))


def call_panel(call: CallContent) -> Panel:
    """A readable card for one call."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", justify="right")
    facts.add_column()
    facts.add_row("Check on", Text.assemble(_when(call.verification_date, call.timezone), "  ",
                                            (f"({clean(call.timezone)}, {relative(call.verification_date)})", "dim")))
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
    if isinstance(call, CallView):
        facts.add_row("Outcome", Text.assemble(outcome_text(call), "  ", (MEANINGS[call.outcome], "dim")))
        if call.next_check_at is not None:
            facts.add_row("Next check", Text.assemble(_when(call.next_check_at, call.timezone), "  ",
                                                      (f"({relative(call.next_check_at)})", "dim")))
    elif isinstance(call, Call):
        facts.add_row("Status", call.status.value)
    if isinstance(call, Call):
        if call.confidence is not None:
            facts.add_row("Your confidence", percent(call.confidence))
        if len(call.forecasts) > 1:
            facts.add_row("Your forecasts", Text(" \u2192 ".join(
                f"{percent(f.probability)} ({f.at:%Y-%m-%d})" for f in call.forecasts)))
        if call.tags:
            facts.add_row("Tags", plain(", ".join(call.tags)))
        if call.verdict:
            facts.add_row("Verdict", plain(f"{call.verdict.verdict.value} ({call.verdict.confidence:.0%}): "
                                           f"{call.verdict.reasoning}"))
    title = plain(call.prediction_statement, "bold")
    subtitle = plain(f"id {call.id}" if isinstance(call, Call) else f"model: {call.model}")
    return Panel(Group(plain(f"\u201c{call.raw_prompt}\u201d", "italic dim"), facts),
                 title=title, subtitle=subtitle, title_align="left")


def calls_table(calls: list[CallView], title: str = "Your calls, newest first") -> Table:
    """One row per call: its words, your chance, when it is checked (on its own clock, with the zone),
    where it stands in the one vocabulary (called it, missed it, waiting for you, checking, void), tags."""
    table = Table(title=plain(title), show_lines=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("prediction")
    table.add_column("chance", justify="right", no_wrap=True)
    table.add_column("check on", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("tags")
    for call in calls:
        table.add_row(
            plain(call.id[:12]),
            plain(call.prediction_statement),
            percent(call.confidence) if call.confidence is not None else Text("-", style="dim"),
            Text.assemble(short_when(call.verification_date, call.timezone), "\n",
                          (relative(call.verification_date), "dim")),
            outcome_text(call),
            plain(", ".join(call.tags), "dim"),
        )
    return table


DRAFT_FIELDS = (
    ("verification_date", "Check on"), ("verification_mode", "Mode"), ("verifiable_category", "Category"),
    ("verifiability_score", "Verifiability"),
)


def draft_panel(fields: dict[str, Any], timezone: str, activity: list[str], raw: str = "") -> Panel:
    """The call as it is written: each field once it is known, in words (what `make` shows live)."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold cyan", justify="right")
    facts.add_column()
    for name, label in DRAFT_FIELDS:
        value = fields.get(name)
        if value is None:
            facts.add_row(label, Text("\u2026", style="dim"))
        elif name == "verification_date":
            try:
                facts.add_row(label, Text(_when(_DATE.validate_python(value), timezone)))
            except ValidationError:
                facts.add_row(label, plain(str(value)))
        elif name == "verification_mode":
            facts.add_row(label, plain(MODE_WORDS.get(str(value), str(value))))
        elif name == "verifiability_score" and isinstance(value, int | float):
            facts.add_row(label, Text(percent(float(value))))
        else:
            facts.add_row(label, plain(str(value).replace("_", " ")))
    method = fields.get("verification_method")
    if isinstance(method, dict):
        for key, label in (("source", "Sources"), ("criteria", "Criteria"), ("steps", "Steps")):
            items = [str(item) for item in method.get(key) or [] if isinstance(item, str | int | float)]
            if items:
                facts.add_row(label, _lines(items, numbered=key == "steps"))
    parts: list[Any] = [facts]
    if activity:
        parts.append(Text("\n".join(clean(line) for line in activity[-3:]), style="yellow"))
    if raw:
        parts.append(Text(clean(raw[-600:]), style="dim"))
    statement = fields.get("prediction_statement")
    title = plain(str(statement), "bold") if isinstance(statement, str) else Text("Writing the call\u2026", "dim")
    return Panel(Group(*parts), title=title, title_align="left", subtitle=Text("writing\u2026", style="dim"))
