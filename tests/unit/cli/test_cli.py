"""The `calledit` command line, run in-process with the scripted model and a temp database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "calls.db"))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")


def test_make_json_prints_a_valid_call() -> None:
    result = runner.invoke(app, ["make", "It rains in Lima tomorrow", "--json", "--timezone", "America/Lima"])
    assert result.exit_code == 0, result.output
    call = json.loads(result.stdout)
    assert call["raw_prompt"] == "It rains in Lima tomorrow"
    assert call["timezone"] == "America/Lima"
    assert call["model"].startswith("scripted")


def test_make_log_then_list_and_show() -> None:
    made = runner.invoke(app, ["make", "It rains in Lima tomorrow", "--log", "--json", "--confidence", "0.8"])
    assert made.exit_code == 0, made.output
    stored = json.loads(made.stdout)
    assert stored["confidence"] == 0.8
    listed = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert [c["id"] for c in listed["items"]] == [stored["id"]]
    shown = runner.invoke(app, ["show", stored["id"][:8]])
    assert shown.exit_code == 0
    assert "Lima" in shown.stdout
    missing = runner.invoke(app, ["show", "nope"])
    assert missing.exit_code == 1
    assert "calledit list" in missing.output


def test_errors_are_one_clear_line_not_a_traceback() -> None:
    bad_model = runner.invoke(app, ["make", "x", "--model", "gpt4"])
    assert bad_model.exit_code == 1
    assert "CALLEDIT_MODEL" in bad_model.output
    assert "Traceback" not in bad_model.output
    bad_zone = runner.invoke(app, ["make", "It rains", "--timezone", "Mars/Base"])
    assert bad_zone.exit_code == 1
    assert "IANA" in bad_zone.output
    for prompt, words in (("", "at least 1 character"), ("x" * 2001, "at most 2000 characters")):
        bad_prompt = runner.invoke(app, ["make", prompt])
        assert bad_prompt.exit_code == 1
        assert f"prompt: String should have {words}" in bad_prompt.output
        assert "bad_request" in bad_prompt.output


def test_serve_refuses_a_public_bind_without_auth() -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "CALLEDIT_AUTH" in result.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "make", "list", "show"):
        assert command in result.stdout
