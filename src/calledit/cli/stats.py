"""`calledit stats`: your track record, with a calibration chart drawn in the terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from calledit.cli.render import plain
from calledit.cli.tracker import UserOption, _run
from calledit.domain.track_record import TrackRecord

console = Console()
CHART_WIDTH = 40


def calibration_chart(record: TrackRecord, width: int = CHART_WIDTH) -> Text:
    """One row per bin: the observed rate as a bar, the ideal (mean forecast) as a '|' on the same scale."""
    chart = Text()
    chart.append("forecast     observed (bar) vs ideal (|)\n", style="bold")
    for b in record.calibration:
        label = f"{b.lower:>4.0%}-{b.upper:<4.0%} "
        if not b.count or b.observed_rate is None or b.mean_forecast is None:
            chart.append(f"{label}{'':{width}}  -\n", style="dim")
            continue
        filled = round(b.observed_rate * width)
        ideal = min(round(b.mean_forecast * width), width - 1)
        row = ["#" if i < filled else " " for i in range(width)]
        row[ideal] = "|"
        chart.append(label)
        chart.append("".join(row), style="green")
        chart.append(f"  {b.observed_rate:.0%} of {b.count} (forecast {b.mean_forecast:.0%})\n")
    return chart


def summary_table(record: TrackRecord) -> Table:
    table = Table(title="Your track record", show_header=False)
    table.add_column(style="bold cyan", justify="right")
    table.add_column()
    table.add_row("Called it", str(record.called_it))
    table.add_row("Missed it", str(record.missed_it))
    table.add_row("Pending", str(record.pending))
    table.add_row("Inconclusive", str(record.inconclusive))
    table.add_row("Void", str(record.void))
    brier = "no resolved call with a confidence yet" if record.brier is None else (
        f"{record.brier:.3f} over {record.scored} calls (0 best, 0.25 = always saying 50%, 1 worst)"
    )
    table.add_row("Brier score", brier)
    if record.brier_time_weighted is not None:
        table.add_row("Time-weighted", f"{record.brier_time_weighted:.3f} (each forecast counted for as long as "
                      "it stood, as Fatebook scores)")
    return table


def tags_table(record: TrackRecord) -> Table:
    """Calibration by tag: how each kind of call goes."""
    table = Table("tag", "calls", "called it", "missed it", "Brier", "time-weighted", title="By tag")
    for tag in record.by_tag:
        table.add_row(plain(tag.tag), str(tag.total), str(tag.called_it), str(tag.missed_it),
                      "-" if tag.brier is None else f"{tag.brier:.3f}",
                      "-" if tag.brier_time_weighted is None else f"{tag.brier_time_weighted:.3f}")
    return table


def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (as GET /api/stats).")] = False,
    user: UserOption = None,
) -> None:
    """Your track record: called it / missed it, both Brier scores, a calibration chart, and by tag."""
    record: TrackRecord = _run(ctx, user, lambda tracker: tracker.stats())
    if as_json:
        sys.stdout.write(record.model_dump_json(indent=2) + "\n")
        return
    parts: list[RenderableType] = [summary_table(record), calibration_chart(record)]
    if record.by_tag:
        parts.append(tags_table(record))
    console.print(Group(*parts))


def register(app: typer.Typer) -> None:
    app.command()(stats)
