"""The tracker commands in-process (CliRunner), on a temp database with the scripted model: users by name,
chances as people write them, the call shown as it is written, list/search/tag/forecast, export/import."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app

runner = CliRunner()
FATEBOOK = Path(__file__).parents[2] / "fixtures" / "fatebook-export.csv"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "calls.db"))
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CALLEDIT_SERVER", raising=False)
    monkeypatch.delenv("CALLEDIT_TOKEN", raising=False)


def ok(*args: str, **kwargs: Any) -> str:
    result = runner.invoke(app, list(args), **kwargs)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


def made(prompt: str, *options: str) -> dict[str, Any]:
    result = runner.invoke(app, ["make", prompt, "--log", "--json", *options])
    assert result.exit_code == 0, result.output
    call: dict[str, Any] = json.loads(result.stdout)
    return call


@pytest.mark.parametrize(("written", "stored"), [("70", 0.7), ("70%", 0.7), ("0.7", 0.7), ("3:1", 0.75),
                                                 ("1 in 4", 0.25), ("1", 1.0), ("12.5%", 0.125)])
def test_confidence_as_people_write_it(written: str, stored: float) -> None:
    assert made("It rains in Lima tomorrow", "--confidence", written)["confidence"] == stored


@pytest.mark.parametrize("written", ["150%", "seventy", "-3", "1:0:1"])
def test_a_confidence_that_is_not_a_chance_says_how_to_write_one(written: str) -> None:
    output = refused("make", "It rains", "--log", "--confidence", written)
    assert "70%" in output and "1 in 4" in output


def test_user_by_name_everywhere_a_user_is_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_NEW_PASSWORD", "correct horse battery")
    ok("user", "add", "dana")
    call = made("It rains in Lima tomorrow", "--user", "dana", "--confidence", "80")
    assert json.loads(ok("list", "--json", "--user", "Dana"))["items"][0]["id"] == call["id"]  # names ignore case
    assert json.loads(ok("list", "--json"))["items"] == []  # the local user's calls are apart
    assert call["id"][:8] in ok("show", call["id"][:8], "--user", "dana")
    ok("resolve", call["id"][:8], "confirmed", "--user", "dana")
    stats = json.loads(ok("stats", "--json", "--user", "dana"))
    assert (stats["called_it"], stats["scored"]) == (1, 1)
    assert "resolved" in ok("history", call["id"][:8], "--user", "dana")
    for command in (["list"], ["stats"], ["show", "x"], ["history", "x"], ["export"]):
        output = " ".join(refused(*command, "--user", "nobody").split())
        assert "No user named 'nobody'" in output and "calledit user add nobody" in output


def test_make_shows_the_call_as_it_is_written_not_raw_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # a terminal: the live card is drawn
    output = ok("make", "It rains in Lima tomorrow", "--timezone", "America/Lima")
    assert "writing\u2026" in output and "Check on" in output  # the live card, field by field
    assert "It rains in Lima tomorrow" in output
    assert '"prediction_statement"' not in output and '{"' not in output  # no raw model JSON, no tool JSON
    raw = ok("make", "It rains in Lima tomorrow", "--raw")
    assert '"prediction_statement"' in raw  # the raw stream, when asked for


def test_list_shows_chance_dates_with_their_zone_and_outcome_words() -> None:
    call = made("It rains in Paris tomorrow", "--timezone", "Europe/Paris", "--confidence", "65", "--tag", "weather")
    output = ok("list")
    assert "65%" in output and "checking" in output and "weather" in output
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CET", output), output
    assert "in " in output  # relative: "in 23 hours"
    ok("resolve", call["id"][:8], "refuted")
    assert "missed it" in ok("list")
    assert "missed it" in ok("list", "--status", "missed_it")
    assert "No call matches" in ok("list", "--status", "called_it")
    assert "unknown status" in refused("list", "--status", "maybe")


def test_search_tag_and_forecast() -> None:
    celtics = made("The Celtics win tonight")
    made("It snows in Zürich tomorrow")
    assert "Celtics" in ok("search", "celt") and "Zürich" not in ok("search", "celt")
    assert "Zürich" in ok("search", "zurich")
    assert "No call matches" in ok("search", "nothing")
    assert "nba, sports" in ok("tag", celtics["id"][:8], "NBA", "sports")
    assert "sports" in ok("list", "--tag", "nba") and "Zürich" not in ok("list", "--tag", "nba")
    assert "sports" in ok("tag", celtics["id"][:8], "nba", "--remove")
    assert "no tags" in ok("tag", celtics["id"][:8], "--clear")
    assert "Say which tags" in refused("tag", celtics["id"][:8])
    output = ok("forecast", celtics["id"][:8], "60%")
    assert "60%" in output
    ok("forecast", celtics["id"][:8], "0.8")
    shown = json.loads(ok("show", celtics["id"], "--json"))
    assert [f["probability"] for f in shown["forecasts"]] == [0.6, 0.8]
    actions = [c["action"] for c in json.loads(ok("history", celtics["id"], "--json"))]
    assert actions == ["tagged", "tagged", "tagged", "confidence", "confidence"]
    ok("undo", celtics["id"][:8])
    assert json.loads(ok("show", celtics["id"], "--json"))["confidence"] == 0.6


def test_export_then_import_into_another_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made("It rains in Paris tomorrow", "--confidence", "40", "--tag", "weather")
    made("The Celtics win tonight")
    out = tmp_path / "calls.json"
    ok("export", "--out", str(out))
    assert len(json.loads(out.read_text())["calls"]) == 2
    monkeypatch.setenv("CALLEDIT_NEW_PASSWORD", "correct horse battery")
    ok("user", "add", "erin")
    first = ok("import", str(out), "--user", "erin")
    assert "Imported 2" in first
    again = ok("import", str(out), "--user", "erin")
    assert "Imported 0" in again and "skipped 2" in again
    mine = json.loads(out.read_text())["calls"]
    theirs = json.loads(ok("export", "--user", "erin"))["calls"]
    assert [(c["prediction_statement"], c["forecasts"], c["tags"]) for c in theirs] == [
        (c["prediction_statement"], c["forecasts"], c["tags"]) for c in mine]
    csv_text = ok("export", "--format", "csv")
    assert csv_text.splitlines()[0].startswith("id,created_at,prediction_statement")


def test_import_fatebook_reports_what_it_skipped() -> None:
    output = ok("import", str(FATEBOOK))
    assert "Imported 4" in output and "2 row(s) not imported" in output
    assert "not a probability" in output
    assert "called it" in ok("list", "--status", "called_it")
    report = json.loads(ok("import", str(FATEBOOK), "--json"))
    assert (report["imported"], report["skipped"]) == (0, 4)


def test_token_without_server_and_make_with_server_are_refused() -> None:
    assert "--token goes with --server" in refused("--token", "cit_x", "list")
    assert "leave out --server" in refused("--server", "http://127.0.0.1:9", "make", "It rains", "--log")
    assert "--user picks an account" in refused("--server", "http://127.0.0.1:9", "list", "--user", "dana")
    unreachable = refused("--server", "http://127.0.0.1:9", "list")
    assert "Could not reach http://127.0.0.1:9" in unreachable
