"""`calledit verify / resolve / undo / history / stats`, in-process, on a temp database, scripted model."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app
from calledit.cli.stats import calibration_chart
from calledit.domain.track_record import track_record
from calledit.storage.sqlite import SqliteCallStore
from tests.unit.scheduler.fakes import new_call

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calls.db"
    monkeypatch.setenv("CALLEDIT_DB", str(path))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    return path


def test_verify_due_checks_what_is_due_once(db: Path) -> None:
    store = SqliteCallStore(db)
    due = store.add("local", new_call("17 times 23 is 391", "immediate", datetime.now(UTC), confidence=0.9))
    store.add("local", new_call("Rain in 2030", "at_date", datetime(2030, 1, 1, tzinfo=UTC)))
    store.close()
    result = runner.invoke(app, ["verify", "--due", "--json"])
    assert result.exit_code == 0, result.output
    checked = json.loads(result.stdout)["checked"]
    assert [(c["call_id"], c["result"], c["verdict"]) for c in checked] == [(due.id, "verified", "confirmed")]
    assert [t["name"] for t in checked[0]["tools"]] == ["current_time", "calculate"]
    again = runner.invoke(app, ["verify", "--due"])
    assert again.exit_code == 0 and "Nothing is due." in again.stdout


def test_verify_needs_a_target(db: Path) -> None:
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1 and "calledit verify --due" in result.output


def test_verify_one_call_now_even_before_its_date(db: Path) -> None:
    store = SqliteCallStore(db)
    later = store.add("local", new_call("2028 is a leap year", "at_date", datetime(2030, 1, 1, tzinfo=UTC)))
    store.close()
    result = runner.invoke(app, ["verify", later.id[:8], "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["checked"][0]["verdict"] == "confirmed"


def test_resolve_undo_history_and_stats(db: Path) -> None:
    store = SqliteCallStore(db)
    call = store.add("local", new_call("It snows", "at_date", datetime.now(UTC) + timedelta(days=1), confidence=0.7))
    store.close()
    resolved = runner.invoke(app, ["resolve", call.id[:8], "refuted", "--note", "No snow."])
    assert resolved.exit_code == 0 and "verified (refuted)" in resolved.stdout
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert (stats["missed_it"], stats["brier"]) == (1, pytest.approx(0.49))
    shown = runner.invoke(app, ["stats"])
    assert "Missed it" in shown.stdout and "0.490" in shown.stdout
    history = json.loads(runner.invoke(app, ["history", call.id, "--json"]).stdout)
    assert [(h["actor"], h["action"], h["note"]) for h in history] == [("owner", "resolved", "No snow.")]
    undone = runner.invoke(app, ["undo", call.id])
    assert undone.exit_code == 0 and "back to pending" in undone.stdout
    nothing = runner.invoke(app, ["undo", call.id])
    assert nothing.exit_code == 1 and "Nothing to undo" in nothing.output
    assert runner.invoke(app, ["resolve", call.id, "maybe"]).exit_code == 1
    assert "No call with id" in runner.invoke(app, ["undo", "zzzz"]).output


def test_the_terminal_calibration_chart_draws_observed_against_ideal() -> None:
    from calledit.domain.call import CallStatus, VerdictOutcome
    from tests.unit.domain.test_track_record import make_call

    calls = [make_call(1, CallStatus.VERIFIED, VerdictOutcome.CONFIRMED, 0.75),
             make_call(2, CallStatus.VERIFIED, VerdictOutcome.REFUTED, 0.75)]
    lines = calibration_chart(track_record(calls), width=20).plain.splitlines()
    row = next(line for line in lines if line.startswith(" 70%"))
    assert row.endswith("50% of 2 (forecast 75%)")
    bar = row[10:30]
    assert bar == "##########     |    "  # half the width filled, the ideal mark at 75%
    assert lines[1].rstrip().endswith("-")  # empty bins are drawn as empty
