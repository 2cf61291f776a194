"""`calledit verify --due` (one scheduler pass, for cron), `verify ID`, and resolving calls by hand."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from calledit.cli.access import user_id
from calledit.cli.render import clean, error_line, plain
from calledit.config import Settings
from calledit.domain.errors import CalledItError
from calledit.storage.base import CallStore

console = Console()
errors = Console(stderr=True)
LOCAL_USER = "local"

UserOption = Annotated[str, typer.Option("--user", "-u", help="Whose calls, by username (accounts: "
                                          "CALLEDIT_AUTH=local); default: the local user.")]


def _fail(message: str) -> typer.Exit:
    errors.print(error_line(message))
    return typer.Exit(1)


def _settings(model: str | None = None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"verify_model": model}) if model else settings


def _store(settings: Settings) -> CallStore:
    from calledit.wiring import build_store, instrument

    try:
        store = build_store(settings)
        instrument(store, settings)  # verdicts and resolutions go into the call log and the outbox
        return store
    except CalledItError as exc:
        raise _fail(exc.message) from None


def _user(name: str) -> str:
    """The id of the account `--user NAME` names (by username), or a clear error: never an empty record."""
    try:
        return user_id(Settings(), name)
    except CalledItError as exc:
        raise _fail(exc.message) from None


def _find(store: CallStore, user: str, call_id: str) -> str:
    """A full id from an id or a unique prefix, as `calledit show` accepts."""
    if store.get(user, call_id) is not None:
        return call_id
    matches = [c.id for c in store.list(user, limit=100).items if c.id.startswith(call_id)]
    if len(matches) != 1:
        raise _fail(f"No call with id {call_id!r}. `calledit list` shows your calls.")
    return matches[0]


def verify(
    call_id: Annotated[str | None, typer.Argument(help="Check this call now (id or unique prefix).")] = None,
    due: Annotated[bool, typer.Option("--due", help="Check every call whose time has come (one pass).")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many checks in the pass.")] = 100,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model for verdicts (default: "
                     "$CALLEDIT_VERIFY_MODEL, else $CALLEDIT_MODEL).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    user: UserOption = LOCAL_USER,
) -> None:
    """Verify calls: `--due` runs one scheduler pass (put it in cron), `verify ID` checks one call now.

    Examples:

        calledit verify --due

        calledit verify 3f2a --json
    """
    user = _user(user)
    if not due and call_id is None:
        raise _fail("Say what to verify: `calledit verify --due`, or `calledit verify CALL_ID`.")
    from calledit.wiring import build_verifier

    settings = _settings(model)
    store = _store(settings)
    try:
        if call_id is not None:
            full = _find(store, user, call_id)
            call = store.get(user, full)
            assert call is not None
            store.record(user, call, None, next_check_at=datetime.now(UTC))
        verifier = build_verifier(settings, store)
        results = asyncio.run(verifier.run_once(limit))
    except CalledItError as exc:
        raise _fail(exc.message) from None
    finally:
        store.close()
    if as_json:
        rows = [{"call_id": r.call_id, "owner": r.owner, "result": r.result,
                 "verdict": r.verdict.value if r.verdict else None,
                 "next_check_at": r.next_check_at.isoformat() if r.next_check_at else None,
                 "tools": [t.model_dump() for t in r.tools]} for r in results]
        sys.stdout.write(json.dumps({"checked": rows}, indent=2) + "\n")
        return
    if not results:
        console.print("Nothing is due.")
        return
    table = Table(title=f"{len(results)} checked")
    for column in ("call", "result", "verdict", "next check"):
        table.add_column(column)
    for r in results:
        table.add_row(plain(r.call_id[:12]), plain(r.result), r.verdict.value if r.verdict else "",
                      r.next_check_at.strftime("%Y-%m-%d %H:%M %Z") if r.next_check_at else "-")
    console.print(table)


def resolve(
    call_id: Annotated[str, typer.Argument(help="The call (id or unique prefix).")],
    resolution: Annotated[str, typer.Argument(help="confirmed | refuted | void")],
    note: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    user: UserOption = LOCAL_USER,
) -> None:
    """Resolve a call by hand (overrides the agent's verdict). `calledit undo ID` takes it back."""
    user = _user(user)
    from calledit.scheduler import resolution as rules

    if resolution not in ("confirmed", "refuted", "void"):
        raise _fail(f"Unknown resolution {resolution!r}: use confirmed, refuted or void.")
    store = _store(Settings())
    try:
        call = rules.resolve(store, user, _find(store, user, call_id), resolution,  # type: ignore[arg-type]
                             now=datetime.now(UTC), note=note)
    finally:
        store.close()
    console.print(Text.assemble(f"{clean(call.id[:12])}: ", (call.status.value, "bold"),
                                f" ({call.verdict.verdict.value})" if call.verdict else ""))


def undo(
    call_id: Annotated[str, typer.Argument(help="The call (id or unique prefix).")],
    user: UserOption = LOCAL_USER,
) -> None:
    """Undo the latest change to a call (repeat to step further back)."""
    user = _user(user)
    from calledit.scheduler import resolution as rules

    store = _store(Settings())
    try:
        call = rules.undo(store, user, _find(store, user, call_id), now=datetime.now(UTC))
    except rules.NothingToUndo as exc:
        raise _fail(exc.message) from None
    finally:
        store.close()
    console.print(Text.assemble(f"{clean(call.id[:12])}: back to ", (call.status.value, "bold"),
                                f" ({call.verdict.verdict.value})" if call.verdict else ""))


def history(
    call_id: Annotated[str, typer.Argument(help="The call (id or unique prefix).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    user: UserOption = LOCAL_USER,
) -> None:
    """Every change to a call: the agent's checks, your resolutions, undos."""
    user = _user(user)
    store = _store(Settings())
    try:
        full = _find(store, user, call_id)
        changes, schedule = store.history(user, full), store.schedule(user, full)
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps([c.model_dump(mode="json") for c in changes], indent=2) + "\n")
        return
    table = Table(title=plain(f"History of {full[:12]}"))
    for column in ("when", "who", "what", "status", "verdict", "note"):
        table.add_column(column)
    for c in changes:
        table.add_row(c.at.strftime("%Y-%m-%d %H:%M"), plain(c.actor), plain(c.action), c.after.status.value,
                      c.after.verdict.verdict.value if c.after.verdict else "", plain(c.note or ""))
    console.print(table)
    when = schedule.next_check_at if schedule else None
    console.print(plain(f"Next agent check: {when.isoformat() if when else 'none (resolved, or waiting for you)'}"))


def register(app: typer.Typer) -> None:
    app.command()(verify)
    app.command()(resolve)
    app.command()(undo)
    app.command()(history)
