"""Sharing and proving over the real server: the public page and its Open Graph tags, the preview card, the
public proof (shared fields only), the owner's proof, `calledit prove`, and unshare → 404 at once."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from calledit.cli.main import app as cli
from calledit.config import Settings
from calledit.proof.bundle import parse_proof, verify_proof
from calledit.scheduler.worker import Verifier
from calledit.wiring import services_of
from tests.fixtures.server import LiveServer
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier, new_call

SECRET_PROMPT = "my private words <script>alert(1)</script>"
STATEMENT = 'The "Lakers" win by 3 < 5 points & cover the spread'


def body(statement: str, **extra: Any) -> dict[str, Any]:
    return new_call(statement, "at_date", datetime.now(UTC) + timedelta(days=3), **extra).model_dump(mode="json")


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.http, timeout=20) as client:
        yield client


def og(html: str) -> dict[str, str]:
    tree = LexborHTMLParser(html)
    tags = {}
    for node in tree.css("meta"):
        key = node.attributes.get("property") or node.attributes.get("name")
        if key and (key.startswith(("og:", "twitter:")) or key == "description"):
            tags[key] = node.attributes.get("content") or ""
    return tags


def test_share_page_og_tags_card_proof_and_unshare(api: httpx.Client, live_server: LiveServer) -> None:
    call = api.post("/api/calls", json=body(STATEMENT, raw_prompt=SECRET_PROMPT, confidence=0.73)).json()
    shared = api.post(f"/api/calls/{call['id']}/share")
    assert shared.status_code == 200, shared.text
    link = shared.json()
    assert link["path"].startswith("/c/") and link["url"] == live_server.http + link["path"]
    assert len(link["slug"]) >= 22  # 128 random bits
    assert api.get(f"/api/calls/{call['id']}/share").json()["slug"] == link["slug"]

    page = api.get(link["path"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    tags = og(page.text)
    assert call["prediction_statement"] == STATEMENT
    assert tags["og:title"] == STATEMENT and tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == link["url"] and tags["og:image"] == link["url"] + "/card.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert "Open: not checked yet" in tags["og:description"] and "Proved: log entry 0" in tags["og:description"]
    # Escaped, never markup; and nothing of the owner's beyond what sharing shows.
    assert STATEMENT not in page.text and "by 3 &lt; 5 points &amp; cover" in page.text
    assert "my private words" not in page.text and "73%" not in page.text and "local" not in page.text
    text = LexborHTMLParser(page.text).body.text()  # type: ignore[union-attr]
    assert "It happens" in text  # how it will be checked: the check's words
    assert "This statement was in the log at" in text and "entry 0, unchanged since" in text

    card = api.get(link["path"] + "/card.png")
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)

    public = api.get(link["path"] + "/proof.json")
    assert public.status_code == 200 and "my private words" not in public.text and "0.73" not in public.text
    head = api.get("/api/log/head").json()
    report = verify_proof(parse_proof(public.content), base64.b64decode(head["public_key"]))
    assert report.ok, report.problems
    assert set(public.json()["entries"][0]["disclosed"]) == {
        "prediction_statement", "verification_method", "verification_date", "created_at", "status", "verdict"}

    # Showing the confidence is the owner's choice, and keeps the address.
    again = api.post(f"/api/calls/{call['id']}/share", json={"show_confidence": True}).json()
    assert again["slug"] == link["slug"] and "73%" in api.get(link["path"]).text

    assert api.delete(f"/api/calls/{call['id']}/share").status_code == 204
    for path in ("", "/card.png", "/proof.json"):
        gone = api.get(link["path"] + path)
        assert gone.status_code == 404 and gone.headers["cache-control"] == "no-store"
    assert api.get(f"/api/calls/{call['id']}/share").status_code == 404
    assert api.delete(f"/api/calls/{call['id']}/share").status_code == 404
    assert api.post("/api/calls/nope/share").status_code == 404
    assert api.get("/c/not-a-real-slug").status_code == 404


def test_the_page_shows_the_verdict_and_a_tampered_call_fails(api: httpx.Client, live_server: LiveServer) -> None:
    call = api.post("/api/calls", json=body("Now is now", verification_mode="immediate")).json()
    state = live_server.app.state.calledit
    clock = FakeClock(datetime.now(UTC) + timedelta(seconds=1))
    worker = Verifier(state.store, ScriptedVerifier(clock, ["confirmed"]), clock=clock)  # type: ignore[arg-type]
    assert [r.result for r in asyncio.run(worker.run_once())] == ["verified"]
    link = api.post(f"/api/calls/{call['id']}/share").json()
    page = api.get(link["path"]).text
    assert og(page)["og:description"].startswith("Called it: confirmed")
    assert "The verdict was in the log at" in page

    # Behind the server's back: the proof fails, on the page and in the preview.
    with sqlite3.connect(state.store.path) as conn:
        doc = json.loads(conn.execute("SELECT document FROM calls WHERE id = ?", (call["id"],)).fetchone()[0])
        doc["prediction_statement"] = "Now is later"
        conn.execute("UPDATE calls SET document = ? WHERE id = ?", (json.dumps(doc), call["id"]))
    tampered = api.get(link["path"]).text
    assert "Not proved." in tampered and "differs from what the log holds" in tampered
    assert "Proof FAILED" in og(tampered)["og:description"]


def test_log_head_owner_proof_and_consistency(api: httpx.Client) -> None:
    first = api.post("/api/calls", json=body("First")).json()
    head_before = api.get("/api/log/head").json()
    api.post("/api/calls", json=body("Second"))
    api.patch(f"/api/calls/{first['id']}", json={"confidence": 0.5})
    head = api.get("/api/log/head").json()
    assert head["tree_size"] == head_before["tree_size"] + 2
    proof = api.get(f"/api/calls/{first['id']}/proof")
    assert proof.status_code == 200
    report = verify_proof(parse_proof(proof.content))
    assert report.ok and report.field("confidence") is not None and report.field("raw_prompt") is not None
    consistency = api.get("/api/log/consistency", params={"first": head_before["tree_size"]}).json()
    assert consistency["second"] == head["tree_size"] and consistency["proof"]
    assert api.get("/api/log/consistency", params={"first": 99}).status_code == 400
    assert api.get("/api/calls/nope/proof").status_code == 404


def test_calledit_prove_locally_from_a_url_and_after_tampering(
    api: httpx.Client, live_server: LiveServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(settings.db))
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(settings.data_dir))
    call = api.post("/api/calls", json=body("Prove me")).json()
    runner = CliRunner()
    local = runner.invoke(cli, ["prove", call["id"][:8]])
    assert local.exit_code == 0, local.output
    assert "Proved" in local.output and "This statement was in the log at" in local.output
    assert "entry 0, unchanged since." in local.output

    link = api.post(f"/api/calls/{call['id']}/share").json()
    key = api.get("/api/log/head").json()["public_key"]
    remote = runner.invoke(cli, ["prove", link["url"], "--public-key", key, "--json"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.output)["key_pinned"] is True
    wrong = runner.invoke(cli, ["prove", link["url"], "--public-key", base64.b64encode(bytes(32)).decode()])
    assert wrong.exit_code == 1 and "not the key you trust" in wrong.output
    owner = runner.invoke(cli, ["prove", call["id"], "--server", live_server.http])
    assert owner.exit_code == 0, owner.output

    store = live_server.app.state.calledit.store
    with sqlite3.connect(store.path) as conn:
        doc = json.loads(conn.execute("SELECT document FROM calls WHERE id = ?", (call["id"],)).fetchone()[0])
        doc["verification_date"] = "2030-01-01T00:00:00Z"
        conn.execute("UPDATE calls SET document = ? WHERE id = ?", (json.dumps(doc), call["id"]))
    failed = runner.invoke(cli, ["prove", call["id"]])
    assert failed.exit_code == 1 and "NOT proved" in failed.output and "verification_date" in failed.output
    assert services_of(store).log is not None


CHROMIUM = shutil.which("chromium")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_share_page_in_chromium(api: httpx.Client, tmp_path: Path) -> None:
    call = api.post("/api/calls", json=body("It snows in Lisbon on Christmas Day", confidence=0.1)).json()
    link = api.post(f"/api/calls/{call['id']}/share").json()

    dom = chromium(tmp_path, "--dump-dom", link["url"]).stdout  # the page as the browser built it
    tags = og(dom)
    assert tags["og:title"] == "It snows in Lisbon on Christmas Day"
    assert tags["og:image"] == link["url"] + "/card.png" and tags["twitter:card"] == "summary_large_image"
    assert "Proved by the tamper-evident call log." in dom

    shot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", link["url"])
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 900)
    low, high = image.getextrema()
    assert high - low > 100  # text on a background, not a blank or error page

    assert api.delete(f"/api/calls/{call['id']}/share").status_code == 204
    assert "Nothing is shared at this address" in chromium(tmp_path, "--dump-dom", link["url"]).stdout
