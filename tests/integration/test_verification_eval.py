"""`calledit eval --verify`: each case with an expected verdict is verified at the case's `now`, and the
report gives the verdict accuracy and a confusion matrix."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app

runner = CliRunner()

CASES = [
    ("v1", "17 x 23 is 391", "confirmed"),
    ("v2", "2026 is a leap year", "refuted"),
    ("v3", "Today is a Saturday", "confirmed"),  # only true with the clock frozen at the case's now
    ("v4", "The Lakers will win tonight", None),  # no expected verdict: not verified
]


@pytest.fixture
def dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "calls.db"))
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"cases": [
        {"id": case_id, "prediction": prediction, "now": "2026-11-21T04:30:00Z", "timezone": "Asia/Kolkata",
         "expect": {"verification_mode": ["immediate", "at_date"], "verifiable_category": ["api_tool_verifiable"],
                    "verdict": verdict}}
        for case_id, prediction, verdict in CASES
    ]}))
    return path


def test_eval_verify_reports_accuracy_and_a_confusion_matrix(dataset: Path) -> None:
    result = runner.invoke(app, ["eval", "--dataset", str(dataset), "--verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    verdicts = {case["id"]: (case["verdict"], case["verdict_ok"]) for case in report["cases"]}
    assert verdicts == {"v1": ("confirmed", True), "v2": ("refuted", True), "v3": ("confirmed", True),
                        "v4": (None, None)}
    summary = report["summary"]
    assert summary["verdict_accuracy"] == 1.0
    assert summary["verdict_confusion"]["confirmed"] == {"confirmed": 2, "refuted": 0, "inconclusive": 0, "none": 0}
    assert summary["verdict_confusion"]["refuted"]["refuted"] == 1


def test_eval_prints_the_confusion_matrix(dataset: Path) -> None:
    result = runner.invoke(app, ["eval", "--dataset", str(dataset), "--verify"])
    assert result.exit_code == 0, result.output
    assert "verdict accuracy" in result.stdout and "Verdicts: expected (rows) by given (columns)" in result.stdout


def test_without_verify_there_is_no_verdict_summary(dataset: Path) -> None:
    result = runner.invoke(app, ["eval", "--dataset", str(dataset), "--json"])
    summary = json.loads(result.stdout)["summary"]
    assert "verdict_accuracy" not in summary and "verdict_confusion" not in summary
