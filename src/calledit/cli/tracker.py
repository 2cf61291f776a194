"""`calledit list | search | show | tag | forecast | export | import`: your calls as a tracker, from this
machine's database (`--user NAME` picks an account) or a running server (`calledit --server URL --token
cit_... list`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from calledit.cli.access import Target, Tracker, open_tracker
from calledit.cli.render import call_panel, calls_table, error_line, percent, plain
from calledit.domain.call import VerifiableCategory
from calledit.domain.errors import CalledItError
from calledit.domain.exchange import ExportFormat, ImportFormat
from calledit.domain.forecasts import PROBABILITY_HELP, parse_probability
from calledit.domain.queries import STATUS_FILTERS, CallQuery, Sort, parse_status
from calledit.domain.tags import normalize_tag, split_tags
from calledit.tracker.edits import CallUpdate

console = Console()
errors = Console(stderr=True)

UserOption = Annotated[str | None, typer.Option(
    "--user", "-u", show_default=False,
    help="Whose calls, by username (accounts: CALLEDIT_AUTH=local); default: the local user.")]
StatusOption = Annotated[list[str] | None, typer.Option(
    "--status", "-s", show_default=False,
    help=f"Only calls with one of these statuses or outcomes (repeat): {', '.join(STATUS_FILTERS)}.")]
TagOption = Annotated[list[str] | None, typer.Option(
    "--tag", "-t", show_default=False, help="Only calls with every one of these tags (repeat or comma-separate).")]
SortOption = Annotated[Sort, typer.Option(help="newest, oldest, or due (soonest first).")]
LimitOption = Annotated[int, typer.Option(min=1, max=100, help="How many to show.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (as the REST API answers).")]
DateOption = Annotated[datetime | None, typer.Option(
    formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%z"], show_default=False,
    help="A date (YYYY-MM-DD, UTC) or a time with its offset.")]


def fail(message: str, reason: str | None = None) -> typer.Exit:
    errors.print(error_line(message, reason))
    return typer.Exit(1)


def target_of(ctx: typer.Context) -> Target | None:
    """The global `--server/--token`, if the command line gave them."""
    found = ctx.find_root().obj
    return found if isinstance(found, Target) else None


def _run(ctx: typer.Context, user: str | None, action: Any) -> Any:
    """`action(tracker)`, with a domain error (a bad filter, an unknown id, the server's answer) as one line."""
    try:
        tracker = open_tracker(target_of(ctx), user)
    except CalledItError as exc:
        raise fail(exc.message) from None
    try:
        return action(tracker)
    except CalledItError as exc:
        raise fail(exc.message, exc.code.value) from None
    finally:
        tracker.close()


def _query(q: str | None, status: list[str] | None, tag: list[str] | None, sort: Sort, limit: int,
           due_before: datetime | None = None, due_after: datetime | None = None,
           category: VerifiableCategory | None = None) -> CallQuery:
    def aware(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    try:
        return CallQuery(
            q=q,
            tags=tuple(normalize_tag(t) for value in tag or [] for t in split_tags(value)),
            statuses=tuple(parse_status(s) for value in status or [] for s in split_tags(value)),
            due_before=aware(due_before), due_after=aware(due_after), category=category, sort=sort, limit=limit,
        )
    except ValueError as exc:
        raise fail(str(exc), "bad_request") from None


def _show_page(ctx: typer.Context, query: CallQuery, user: str | None, as_json: bool, title: str,
               empty: str) -> None:
    page = _run(ctx, user, lambda tracker: tracker.find(query))
    if as_json:
        sys.stdout.write(page.model_dump_json(indent=2) + "\n")
    elif not page.items:
        console.print(plain(empty))
    else:
        console.print(calls_table(page.items, title))
        if page.next_cursor:
            console.print(plain("More calls: raise --limit (up to 100), or narrow with --status/--tag.", "dim"))


def list_calls(
    ctx: typer.Context,
    status: StatusOption = None,
    tag: TagOption = None,
    sort: SortOption = Sort.NEWEST,
    due_before: DateOption = None,
    due_after: DateOption = None,
    category: Annotated[VerifiableCategory | None, typer.Option(show_default=False, help="Only this category.")] = None,
    limit: LimitOption = 20,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """List your calls: your chance, when each is checked (with its timezone) and where it stands."""
    query = _query(None, status, tag, sort, limit, due_before, due_after, category)
    title = {"newest": "Your calls, newest first", "oldest": "Your calls, oldest first",
             "due": "Your calls, soonest check first"}[sort.value]
    _show_page(ctx, query, user, as_json, title,
               "No calls here yet. Make one: calledit make \"It rains in Paris tomorrow\" --log"
               if not query.filtered else "No call matches those filters.")


def search(
    ctx: typer.Context,
    words: Annotated[str, typer.Argument(help="Words the statement, your prompt or the tags hold (prefixes work).")],
    status: StatusOption = None,
    tag: TagOption = None,
    sort: SortOption = Sort.NEWEST,
    limit: LimitOption = 20,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Search your calls (full text: "celt" finds the Celtics, accents and case ignored)."""
    query = _query(words, status, tag, sort, limit)
    quoted = f"\u201c{words}\u201d"
    _show_page(ctx, query, user, as_json, f"Calls matching {quoted}", f"No call matches {quoted}.")


def show(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="The call's id (from `calledit list`; a unique prefix works).")],
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Show one logged call: where it stands, your forecasts, its check."""
    call = _run(ctx, user, lambda tracker: tracker.get(call_id))
    if as_json:
        sys.stdout.write(call.model_dump_json(indent=2) + "\n")
    else:
        console.print(call_panel(call))


def tag(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="The call (id or unique prefix).")],
    tags: Annotated[list[str] | None, typer.Argument(help="Tags to add (or with --remove, to take off).",
                                                     show_default=False)] = None,
    remove: Annotated[bool, typer.Option("--remove", "-r", help="Take these tags off instead.")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Take every tag off.")] = False,
    user: UserOption = None,
) -> None:
    """Add tags to a call (or take them off); kept in its history, `calledit undo` takes it back."""
    if not tags and not clear:
        raise fail("Say which tags: `calledit tag ID work sports`, `--remove work`, or `--clear`.")
    try:
        given = [normalize_tag(t) for value in tags or [] for t in split_tags(value)]
    except ValueError as exc:
        raise fail(str(exc), "bad_request") from None

    def apply(tracker: Tracker) -> Any:
        current = tracker.get(call_id)
        if clear:
            new: list[str] = []
        elif remove:
            new = [t for t in current.tags if t not in given]
        else:
            new = [*current.tags, *(t for t in given if t not in current.tags)]
        return tracker.update(current.id, CallUpdate(tags=new))

    call = _run(ctx, user, apply)
    console.print(Text.assemble(plain(f"{call.id[:12]}: "), plain(", ".join(call.tags) or "no tags", "bold")))


def forecast(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="The call (id or unique prefix).")],
    chance: Annotated[str, typer.Argument(help=f"Your new chance it comes true. {PROBABILITY_HELP}")],
    user: UserOption = None,
) -> None:
    """Update your forecast on a call: each one is kept, and scored for the time it stood."""
    try:
        probability = parse_probability(chance)
    except CalledItError as exc:
        raise fail(exc.message, exc.code.value) from None
    call = _run(ctx, user, lambda tracker: tracker.update(call_id, CallUpdate(confidence=probability)))
    steps = " \u2192 ".join(percent(f.probability) for f in call.forecasts)
    console.print(Text.assemble(plain(f"{call.id[:12]}: "), (percent(probability), "bold"), "  ", (steps, "dim")))


def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="json (with history; import it back) or csv.")
                   ] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (default: standard output).",
                                             show_default=False)] = None,
    user: UserOption = None,
) -> None:
    """Export every call you logged: JSON (with the history; `calledit import` reads it back) or CSV."""
    def write(tracker: Tracker) -> int:
        count = 0
        handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            for chunk in tracker.export(fmt):
                handle.write(chunk)
                count += 1
        finally:
            if out:
                handle.close()
        return count

    _run(ctx, user, write)
    if out:
        errors.print(plain(f"Wrote {out}"))


def import_calls(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CalledIt JSON export, or Fatebook's CSV export.", exists=True,
                                         dir_okay=False, readable=True)],
    fmt: Annotated[ImportFormat | None, typer.Option("--format", "-f", show_default=False,
                   help="calledit or fatebook (default: from the file: .csv is Fatebook's).")] = None,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """Import calls from a file; calls already imported are skipped (the same file twice adds nothing)."""
    kind: ImportFormat = fmt or ("fatebook" if file.suffix.lower() == ".csv" else "calledit")
    data = file.read_bytes()
    report = _run(ctx, user, lambda tracker: tracker.import_file(kind, data))
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    console.print(Text.assemble(("Imported ", "green"), (str(report.imported), "bold"),
                                f" call(s); skipped {report.skipped} already there."))
    if report.errors:
        table = Table("row", "problem", title=plain(f"{len(report.errors)} row(s) not imported"))
        for problem in report.errors:
            table.add_row(str(problem.row), plain(problem.message))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("list")(list_calls)
    app.command()(search)
    app.command()(show)
    app.command()(tag)
    app.command()(forecast)
    app.command()(export)
    app.command("import")(import_calls)
