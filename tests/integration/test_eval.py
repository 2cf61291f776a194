"""`calledit eval` end to end on the 3-case smoke dataset with the scripted model, and the runner's scoring."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.agents.setup import creation_agent
from calledit.cli.main import app
from calledit.config import Settings
from calledit.domain.call import CallContent, VerdictOutcome
from calledit.evaluation import Dataset, EvalCase, load_dataset, run_eval
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel

SMOKE = Path(__file__).resolve().parents[2] / "eval" / "smoke.json"
DEV = Path(__file__).resolve().parents[2] / "eval" / "dev.json"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "calls.db"))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")


def test_eval_json_reports_every_case_and_a_summary() -> None:
    result = runner.invoke(app, ["eval", "--dataset", str(SMOKE), "--model", "scripted", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stdout is the JSON alone; progress went to stderr
    assert [case["id"] for case in report["cases"]] == ["s01", "s02", "s03"]
    summary = report["summary"]
    assert set(summary) == {"n", "validity", "date_in_window", "mode_accuracy", "category_accuracy",
                            "median_first_event_s", "median_first_text_s", "median_total_s",
                            "median_first_statement_s", "statement_fidelity", "statement_rebuilt", "score_in_band"}
    assert summary["statement_fidelity"] == 1.0
    # the statement reaches the screen after the first event and no later than the complete call
    for case in report["cases"]:
        assert case["first_event_s"] <= case["first_statement_s"] <= case["total_s"]
    # The scripted model calls every prediction api_tool_verifiable; 17 x 23 carries an arithmetic check
    # (the pattern reads the whole claim), so code sets its category.
    assert summary["n"] == 3
    assert summary["validity"] == 1.0
    assert summary["mode_accuracy"] == 1.0
    assert summary["date_in_window"] == 1.0
    assert summary["category_accuracy"] == 1.0
    arithmetic = report["cases"][2]
    assert arithmetic["category_ok"] is True and arithmetic["mode_ok"] is True
    assert arithmetic["call"]["check"]["source"] == "arithmetic"
    assert arithmetic["call"]["verification_mode"] == "immediate"
    assert arithmetic["tools"] == ["resolve_dates"]
    assert summary["median_total_s"] >= summary["median_first_event_s"] >= 0


def test_eval_prints_a_readable_report() -> None:
    result = runner.invoke(app, ["eval", "--dataset", str(SMOKE), "--model", "scripted"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for words in ("schema validity", "100%", "category accuracy", "median total", "s03",
                  "statement fidelity", "score in band"):
        assert words in result.stdout


def test_eval_runs_chosen_cases_only() -> None:
    result = runner.invoke(app, ["eval", "-d", str(SMOKE), "--json", "--only", "s02"])
    assert result.exit_code == 0, result.output
    assert [case["id"] for case in json.loads(result.stdout)["cases"]] == ["s02"]
    unknown = runner.invoke(app, ["eval", "-d", str(SMOKE), "--only", "zz9"])
    assert unknown.exit_code == 1
    assert "No case with id zz9" in unknown.output


def test_a_broken_dataset_is_refused_with_the_place_to_fix(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"cases": [')
    result = runner.invoke(app, ["eval", "--dataset", str(broken)])
    assert result.exit_code == 1
    assert "not valid JSON" in said(result.output)

    wrong = tmp_path / "wrong.json"
    case = json.loads(SMOKE.read_text())["cases"][0]
    case["expect"]["verification_mode"] = ["sometimes"]
    case["timezone"] = "Mars/Olympus"
    wrong.write_text(json.dumps({"cases": [case]}))
    result = runner.invoke(app, ["eval", "--dataset", str(wrong)])
    assert result.exit_code == 1
    assert "cases.0 (id 's01').expect.verification_mode.0" in said(result.output)
    assert "Mars/Olympus" in said(result.output)

    missing = runner.invoke(app, ["eval", "--dataset", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "Cannot read the dataset" in said(missing.output)


def said(output: str) -> str:
    """The output as one line (rich wraps long messages at the terminal width)."""
    return " ".join(output.split())


async def test_each_case_runs_with_its_own_clock_and_timezone(settings: Settings) -> None:
    model = ScriptedModel(rate=0)
    provider = Provider(name="scripted", model=model)
    report = await run_eval(lambda clock: creation_agent(settings, provider, clock), load_dataset(SMOKE))
    # The dates are code's for these cases (agents/prompts.py): the model gets the day in words, in each
    # case's own timezone (the date of "tonight" in Los Angeles), and no clock for arithmetic (s03).
    assert '"tonight" is Saturday' in model.requests[0] and "Today:" not in model.requests[0]
    assert "Today:" not in model.requests[2] and "Current date" not in model.requests[2]
    assert report.cases[0].call is not None and report.cases[0].call["timezone"] == "America/Los_Angeles"


async def test_a_failed_run_counts_against_every_rate(settings: Settings) -> None:
    model = ScriptedModel(rate=0, fail_on="Bitcoin")
    provider = Provider(name="scripted", model=model)
    report = await run_eval(lambda clock: creation_agent(settings, provider, clock), load_dataset(SMOKE))
    failed = report.cases[1]
    assert not failed.valid and not failed.mode_ok and failed.date_in_window is False
    assert failed.error is not None and failed.error["code"] == "model_error"
    assert report.summary.validity == pytest.approx(2 / 3, abs=1e-3)


async def test_a_verifier_plugs_in_per_case(settings: Settings) -> None:
    checked: list[tuple[str, datetime]] = []

    async def verifier(case: EvalCase, call: CallContent) -> VerdictOutcome | None:
        checked.append((case.id, case.now))
        return VerdictOutcome.REFUTED

    provider = Provider(name="scripted", model=ScriptedModel(rate=0))
    report = await run_eval(lambda clock: creation_agent(settings, provider, clock), load_dataset(SMOKE),
                            verifier=verifier)
    assert checked == [("s03", datetime(2026, 11, 21, 9, 0, tzinfo=UTC))]  # only where a verdict is expected
    assert report.cases[2].verdict == "refuted" and report.cases[2].verdict_ok is False
    assert report.summary.verdict_accuracy == 0.0
    assert "verdict_accuracy" in report.as_dict()["summary"]


def test_the_dev_set_covers_what_the_issue_asks() -> None:
    dev: Dataset = load_dataset(DEV)
    cases = dev.cases
    assert len(cases) >= 60
    assert len({case.timezone for case in cases}) >= 10
    modes = {mode for case in cases for mode in case.expect.verification_mode}
    categories = {category for case in cases for category in case.expect.verifiable_category}
    assert len(modes) == 4 and len(categories) == 5
    verdicts = [case.expect.verdict for case in cases if case.expect.verdict is not None]
    assert len(verdicts) >= 12 and VerdictOutcome.REFUTED in verdicts
