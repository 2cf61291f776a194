"""`calledit`: serve the app, make a call from the terminal, list and show logged calls."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.text import Text

from calledit.cli import eval as eval_cli
from calledit.cli import prove as prove_cli
from calledit.cli import stats as stats_cli
from calledit.cli import tracker as tracker_cli
from calledit.cli import verify as verify_cli
from calledit.cli.access import Target, open_tracker
from calledit.cli.render import call_panel, clean, draft_panel, error_line, plain
from calledit.cli.tracker import UserOption, target_of
from calledit.config import Settings
from calledit.domain.call import CallCreate
from calledit.domain.errors import CalledItError
from calledit.domain.events import CallEvent, CompleteEvent, ErrorEvent, MakeCall, StatusEvent, TextEvent, ToolEvent
from calledit.domain.forecasts import parse_probability
from calledit.domain.frames import describe_validation
from calledit.domain.tags import normalize_tags, split_tags

app = typer.Typer(
    name="calledit",
    help="CalledIt turns a prediction in plain words into a verifiable call, and checks it when its time comes.",
    epilog='Examples:  calledit serve  |  calledit make "The Celtics win tonight" --log  |  calledit list',
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

ModelOption = Annotated[
    str | None,
    typer.Option("--model", "-m", help="local | scripted | bedrock[:ID] | anthropic:ID | openai:ID "
                 "(default: $CALLEDIT_MODEL, else local)", show_default=False),
]


@app.callback()
def global_options(
    ctx: typer.Context,
    server: Annotated[str | None, typer.Option(
        "--server", envvar="CALLEDIT_SERVER", show_default=False,
        help="Talk to a running server over REST (list, search, show, tag, export, import, stats), e.g. "
             "http://127.0.0.1:8000. Default: this machine's database.")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="CALLEDIT_TOKEN", show_default=False,
        help="A personal API token (cit_...) for --server: make one on the server's account page.")] = None,
) -> None:
    """CalledIt turns a prediction in plain words into a verifiable call, and checks it when its time comes."""
    if token and not server:
        raise fail("--token goes with --server: it signs you in to that server.")
    ctx.obj = Target(server=server.rstrip("/"), token=token) if server else None


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def fail(message: str, code: int = 1, *, reason: str | None = None) -> typer.Exit:
    """Print `error: MESSAGE (reason)` on stderr (as text: it may quote the user) and exit with `code`."""
    errors.print(error_line(message, reason))
    return typer.Exit(code)


def local_timezone() -> str:
    """This machine's IANA zone name, or UTC when it has none."""
    try:
        import tzlocal

        return str(tzlocal.get_localzone_name() or "UTC")
    except Exception:  # no zone configured (containers): UTC is the honest default
        return "UTC"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).", show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).", show_default=False)] = None,
    model: ModelOption = None,
    via_lambda: Annotated[
        bool,
        typer.Option("--via-lambda", help="Serve /ws through the AWS Lambda handlers behind a local API Gateway "
                     "emulator (docs/deploy-aws.md)."),
    ] = False,
) -> None:
    """Run the app: web UI at /, WebSocket at /ws, REST under /api, API docs at /docs."""
    import uvicorn

    from calledit.server import create_app
    from calledit.server.observability import configure_logging
    from calledit.server.proxies import uvicorn_proxy_options
    from calledit.server.uvicorn_protocols import server_options

    settings = settings_with(host=host, port=port, model=model)
    if settings.scheduler is None:  # calls are checked inside serve unless CALLEDIT_SCHEDULER=false
        settings = settings.model_copy(update={"scheduler": True})
    if settings.notify is None:  # and notifications delivered, unless CALLEDIT_NOTIFY=false
        settings = settings.model_copy(update={"notify": True})
    if "web" not in settings.model_fields_set:  # a user expects calls to check themselves: keyless sources live
        settings = settings.model_copy(update={"web": "live", "web_search": settings.web_search or False})
    if settings.auth == "none" and not is_loopback(settings.host):
        raise fail(
            f"Refusing to bind {settings.host} without authentication: anyone on the network could read and "
            "delete calls. Bind 127.0.0.1, or set CALLEDIT_AUTH=local (accounts) or CALLEDIT_AUTH=oidc."
        )
    configure_logging(settings)  # JSON with CALLEDIT_LOG_JSON=true; tokens redacted either way
    try:
        if via_lambda:
            from calledit.aws.emulator import create_emulator_app

            application = create_emulator_app(settings)
        else:
            application = create_app(settings)
    except CalledItError as exc:
        raise fail(exc.message) from None
    console.print(Text.assemble(
        "CalledIt on ", (clean(f"http://{settings.host}:{settings.port}/"), "bold"),
        clean(f"  (model: {application.state.calledit.session.agent.provider.name}, "
              f"database: {settings.db or settings.sqlite_path()}, auth: {settings.auth})"),
    ))
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # keep configure_logging's handler: uvicorn's own would print tokens in URLs
        access_log=False,  # calledit.access logs each request, without its query string
        **uvicorn_proxy_options(settings.trusted_proxies),  # X-Forwarded-For only from CALLEDIT_TRUSTED_PROXIES
        **server_options(settings),  # WebSocket settings; idle and slow-header timeouts
    )


@app.command()
def make(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="The prediction, in plain words.")],
    model: ModelOption = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", "-z", help="Your IANA timezone, e.g. Europe/Paris (default: this machine's).",
                      show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the call as JSON, no live output.")] = False,
    log: Annotated[bool, typer.Option("--log", help="Log (save) the call when it is ready.")] = False,
    confidence: Annotated[
        str | None, typer.Option(help="Your own chance it comes true (with --log): 70, 70%, 0.7, 3:1 or 1 in 4.",
                                 show_default=False)
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag for the call (with --log; repeat "
                   "or comma-separate).", show_default=False)] = None,
    user: UserOption = None,
    raw: Annotated[bool, typer.Option("--raw", help="Show the model's raw text as it streams, too.")] = False,
) -> None:
    """Turn a prediction into a call, showing the call as it is written (the fields so far, in words)."""
    from calledit.wiring import build_session

    if target_of(ctx) is not None:
        raise fail("`make` runs the model on this machine: leave out --server (log calls on a server from its "
                   "web UI, or log here and `calledit export` / `calledit --server URL import` them).")
    try:
        chance = parse_probability(confidence) if confidence is not None else None
        tags = normalize_tags([part for value in tag or [] for part in split_tags(value)])
    except (CalledItError, ValueError) as exc:
        raise fail(exc.message if isinstance(exc, CalledItError) else str(exc), reason="bad_request") from None
    settings = settings_with(model=model)
    try:
        session = build_session(settings)
    except CalledItError as exc:
        raise fail(exc.message) from None
    try:
        request = MakeCall(action="makecall", prompt=prompt, timezone=timezone or local_timezone())
    except ValidationError as exc:  # the same words the WebSocket answers with
        raise fail(describe_validation(exc), reason="bad_request") from None
    result = asyncio.run(_stream_make(session, request, quiet=as_json, raw=raw))
    if isinstance(result, ErrorEvent):
        raise fail(result.message, reason=result.code.value)
    content = result.content
    if log:
        try:
            tracker = open_tracker(None, user)
            try:
                stored = tracker.log(CallCreate(**content.model_dump(), confidence=chance, tags=tags))
            finally:
                tracker.close()
        except CalledItError as exc:
            raise fail(exc.message) from None
        if as_json:
            sys.stdout.write(stored.model_dump_json(indent=2) + "\n")
        else:
            console.print(call_panel(stored))
            console.print(Text.assemble(("Logged", "green"), f" as {clean(stored.id)}"))
        return
    if as_json:
        sys.stdout.write(content.model_dump_json(indent=2) + "\n")
    else:
        console.print(call_panel(content))


async def _stream_make(session: Any, request: MakeCall, quiet: bool, raw: bool = False) -> CompleteEvent | ErrorEvent:
    """Run the agent, showing the call as it is written: a live card of the fields known so far (the model's
    raw text too with --raw), on stderr and gone once the call is whole."""
    fields: dict[str, Any] = {}
    activity: list[str] = []
    text = ""
    outcome: CompleteEvent | ErrorEvent = ErrorEvent(code="internal", message="The run ended without a call.")
    if quiet:
        async for event in session.run(request):
            if isinstance(event, CompleteEvent | ErrorEvent):
                outcome = event
        return outcome
    card = draft_panel(fields, request.timezone, activity)
    screen = Console(stderr=True)  # made now: whether stderr is a terminal is known when the command runs
    with Live(card, console=screen, transient=True, refresh_per_second=12, redirect_stdout=False) as live:
        async for event in session.run(request):
            if isinstance(event, CallEvent):  # the fields parsed so far
                fields.update(event.call)
            elif isinstance(event, TextEvent) and raw:
                text += event.content
            elif isinstance(event, ToolEvent):
                activity.append(f"Used {event.name.replace('_', ' ')}")
            elif isinstance(event, StatusEvent) and event.status == "queued" and event.message:
                activity.append(event.message)
            if isinstance(event, CompleteEvent | ErrorEvent):
                outcome = event
            # Drawn at once when a field or a step changes; raw text waits for the next refresh tick.
            live.update(draft_panel(fields, request.timezone, activity, text),
                        refresh=isinstance(event, CallEvent | ToolEvent | StatusEvent))
    return outcome


@app.command()
def schema(
    out: Annotated[str, typer.Option(help="Directory to write the JSON Schemas to.")] = "docs/schema",
) -> None:
    """Export the JSON Schemas of the protocol and the call (docs/schema/)."""
    from pathlib import Path

    from calledit.domain.schema import export

    for path in export(Path(out)):
        console.print(plain(f"wrote {path}"))


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the outside data sources calls are checked against: configured or not, the hosts contacted,
    and the last success and failure the server's checks saw."""
    from rich.table import Table

    from calledit.sources.status import STATUS_FILE, StatusBook, source_statuses

    settings = settings_with()
    if "web" not in settings.model_fields_set:  # as `calledit serve` runs it
        settings = settings.model_copy(update={"web": "live"})
    statuses = source_statuses(settings, StatusBook(settings.data_dir / STATUS_FILE))
    if as_json:
        print(json.dumps([status.model_dump(mode="json") for status in statuses], indent=2))
        return
    table = Table("source", "configured", "hosts", "last success", "last failure")
    for status in statuses:
        failure = (f"{status.last_failure_at:%Y-%m-%d %H:%M} {status.last_failure_reason}"
                   if status.last_failure_at else "-")
        table.add_row(
            plain(f"{status.name}: {status.title}"),
            plain(("yes: " if status.configured else "no: ") + status.detail),
            plain(", ".join(status.hosts) or "-"),
            plain(f"{status.last_success_at:%Y-%m-%d %H:%M}" if status.last_success_at else "-"),
            plain(failure),
        )
    console.print(table)


user_app = typer.Typer(help="Local accounts (CALLEDIT_AUTH=local): add users, sign them out, delete them.",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(user_app, name="users", hidden=True)  # `calledit users delete NAME` reads naturally too


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="3-64 characters: letters, digits and . _ @ + -")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="CALLEDIT_NEW_PASSWORD",
                                          help="Asked for when not given (or $CALLEDIT_NEW_PASSWORD).")],
) -> None:
    """Create an account in this server's database (works with sign-up closed: CALLEDIT_SIGNUP=false)."""
    from calledit.auth.service import build_authenticator

    settings = settings_with(auth="local")
    try:
        auth = build_authenticator(settings)
        assert auth.local is not None
        user = auth.local.add_user(username, password)
    except CalledItError as exc:
        raise fail(exc.message) from None
    auth.close()
    console.print(Text.assemble("Created ", (clean(user.username), "bold"), f" (id {user.id})"))


@user_app.command("signout")
def user_signout(username: Annotated[str, typer.Argument(help="The account to sign out everywhere.")]) -> None:
    """End every session of a user: their refresh tokens stop working and access tokens are refused."""
    from calledit.auth.service import build_authenticator

    try:
        auth = build_authenticator(settings_with(auth="local"))
    except CalledItError as exc:
        raise fail(exc.message) from None
    assert auth.local is not None
    user = auth.local.users.user_by_name(username)
    if user is None:
        auth.close()
        raise fail(f"No user named {username!r}.")
    ended = auth.local.logout(everywhere_for=user.id)
    auth.close()
    console.print(plain(f"Signed {user.username} out of {ended} session(s)."))


@user_app.command("delete")
def user_delete(
    username: Annotated[str, typer.Argument(help="The account to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete an account and every call it logged, in one transaction; cannot be undone.

    Its sessions end: its access and personal API tokens are refused at once and its refresh tokens answer
    401. The calls (with their history and schedule) go too, so nobody can read them and the verifier stops
    checking them: save them first (`calledit export --user NAME --out calls.json`) if they are wanted. The
    username is free again.
    """
    from calledit.auth.service import build_authenticator

    try:
        auth = build_authenticator(settings_with(auth="local"))
    except CalledItError as exc:
        raise fail(exc.message) from None
    assert auth.local is not None
    try:
        if auth.local.users.user_by_name(username) is None:
            raise fail(f"No user named {username!r}: check the spelling (usernames ignore case).")
        if not yes and not typer.confirm(clean(f"Delete {username} and all of their calls? This cannot be undone."),
                                         err=True):
            raise fail("Nothing deleted.")
        deleted = auth.local.delete_user(username)
    finally:
        auth.close()
    if deleted is None:
        raise fail(f"No user named {username!r}: check the spelling (usernames ignore case).")
    user, calls = deleted
    console.print(plain(f"Deleted {user.username} (id {user.id}) and {calls} call(s); their tokens no longer work."))


tracker_cli.register(app)
verify_cli.register(app)
eval_cli.register(app)
stats_cli.register(app)
prove_cli.register(app)


def main() -> None:  # pragma: no cover
    app()
