"""`calledit prove`: check a call's proof against the log's signed head, offline, and say exactly what it proves."""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from calledit.cli.render import clean, error_line, plain
from calledit.config import Settings
from calledit.domain.errors import CalledItError
from calledit.proof.bundle import CallProof, parse_proof, verify_proof

console = Console()
errors = Console(stderr=True)
LOCAL_USER = "local"


def _fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(error_line(message))
    return typer.Exit(code)


def _fetch(url: str, token: str | None) -> CallProof:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(url, headers=headers, timeout=30, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise _fail(f"Could not fetch {url}: {type(exc).__name__}. Check the address, or save the proof and pass "
                    "the file.") from None
    if response.status_code == 401:
        raise _fail(f"{url} needs your token: pass --token cit_... (or set CALLEDIT_TOKEN).")
    if response.status_code == 404:
        raise _fail(f"{url}: no such call in the log, or it is not shared (any more).")
    if response.status_code >= 400:
        raise _fail(f"{url} answered {response.status_code}: {response.text[:200]}")
    try:
        return parse_proof(response.content)
    except ValueError as exc:
        raise _fail(f"{url} did not send a proof: {exc}") from None


def _local(call_id: str, user: str) -> tuple[CallProof, bytes]:
    from calledit.wiring import build_store, instrument

    settings = Settings()
    try:
        store = build_store(settings)
    except CalledItError as exc:
        raise _fail(exc.message) from None
    try:
        services = instrument(store, settings)
        if services.log is None:
            raise _fail(f"The {type(store).__name__} storage adapter keeps no call log: prove against a server "
                        "with --server URL.")
        call = store.get(user, call_id)
        if call is None and len(call_id) < 32:
            matches = [c for c in store.list(user, limit=100).items if c.id.startswith(call_id)]
            call = matches[0] if len(matches) == 1 else None
        if call is None:
            raise _fail(f"No call with id {call_id!r}. `calledit list` shows your calls.")
        proof = services.log.prove(user, call)
        if proof is None:
            raise _fail(f"Call {call.id} is not in the log.", code=1)
        return proof, services.log.signer.public_key
    finally:
        store.close()


def _key(value: str | None) -> bytes | None:
    if value is None:
        return None
    text = Path(value).read_text().strip() if os.path.isfile(value) else value.strip()
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise _fail("--public-key must be the log's key as base64 (the public_key of GET /api/log/head), or a file "
                    "holding it.")
    return key


def prove(
    call: Annotated[str, typer.Argument(help="A call id (or unique prefix), a shared page's URL (https://…/c/…), or "
                                        "a saved proof file.")],
    server: Annotated[str | None, typer.Option(help="Fetch the proof of your call from this server "
                                               "(e.g. https://calledit.example) instead of the local database.",
                                               show_default=False)] = None,
    token: Annotated[str | None, typer.Option(envvar="CALLEDIT_TOKEN", help="Your API token for --server "
                                              "(or $CALLEDIT_TOKEN).", show_default=False)] = None,
    public_key: Annotated[str | None, typer.Option("--public-key", help="The log key you trust (base64, or a file): "
                                                   "the proof must be signed by it.", show_default=False)] = None,
    save: Annotated[Path | None, typer.Option(help="Also write the proof to this file.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verification report as JSON.")] = False,
    user: Annotated[str, typer.Option("--user", help="Whose call (local database only).")] = LOCAL_USER,
) -> None:
    """Check that a call is in the tamper-evident log, unchanged: every Merkle path and signature is recomputed
    here, trusting nothing the server says. Exit status 0 when proved, 1 when not.

    Examples:

        calledit prove 3f2a

        calledit prove https://calledit.example/c/Xy7… --public-key KEY

        calledit prove 3f2a… --server https://calledit.example --token cit_…
    """
    trusted = _key(public_key)
    if os.path.isfile(call):
        try:
            proof = parse_proof(Path(call).read_bytes())
        except ValueError as exc:
            raise _fail(f"{call}: {exc}") from None
    elif call.startswith(("https://", "http://")):
        page = call.rstrip("/")
        proof = _fetch(page if page.endswith("/proof.json") else f"{page}/proof.json", None)
    elif server is not None:
        proof = _fetch(f"{server.rstrip('/')}/api/calls/{call}/proof", token)
    else:
        proof, own_key = _local(call, user)
        trusted = trusted or own_key  # this machine's own log key
    if save is not None:
        save.write_text(proof.model_dump_json(indent=2) + "\n")
    report = verify_proof(proof, trusted)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        style = "green" if report.ok else "red"
        console.print(Text.assemble((("Proved" if report.ok else "NOT proved"), f"bold {style}"),
                                    clean(f": call {proof.call_id}")))
        for line in report.sentences():
            console.print(plain(f"  {line}"))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(prove)
