"""The eval's statement fidelity and score-in-band figures, and the dataset's optional `expect.score`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from calledit.agents.creation import Clock, CreationAgent
from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.errors import BadRequest
from calledit.evaluation import Dataset, load_dataset, run_eval
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

EVAL = Path(__file__).resolve().parents[3] / "eval"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def case(case_id: str, prediction: str, score: list[float] | None = None) -> dict[str, Any]:
    expect: dict[str, Any] = {"verification_mode": ["immediate", "at_date"],
                              "verifiable_category": ["api_tool_verifiable", "strands_tool_verifiable"]}
    if score is not None:
        expect["score"] = score
    return {"id": case_id, "prediction": prediction, "now": NOW.isoformat(), "timezone": "UTC", "expect": expect}


def dataset(*cases: dict[str, Any]) -> Dataset:
    return Dataset.model_validate({"cases": list(cases)})


def test_a_score_band_is_optional_and_checked(tmp_path: Path) -> None:
    loaded = dataset(case("a", "It rains", [0.5, 0.8]), case("b", "It snows"))
    assert loaded.cases[0].expect.score == (0.5, 0.8) and loaded.cases[1].expect.score is None
    for band, words in (([0.8, 0.5], "reversed"), ([0.5, 1.5], "less than or equal to 1"), ([0.5], "expect.score.1")):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({"cases": [case("x", "It rains", band)]}))
        with pytest.raises(BadRequest, match=words):
            load_dataset(path)


ANSWERS = {  # prediction -> what the model wrote as its statement (issue 18's examples)
    "12 times 31 is more than 380": "12 times 31 equals 372, which is more than 380.",
    "Christmas 2027 will be a Saturday": "Christmas 2027 will be a Saturday 2027-12-25T23:59:59+00:00.",
}


def answering(guarded: bool) -> Callable[[Clock], CreationAgent]:
    """One agent per case, in the dataset's order, each with its case's scripted answer."""
    answers = iter(ANSWERS.items())

    def make(clock: Clock) -> CreationAgent:
        prompt, statement = next(answers)
        answer = plausible_call(prompt, NOW) | {"prediction_statement": statement}
        provider = Provider(name="scripted", model=ScriptedModel(rate=0, responses=[json.dumps(answer)]))
        if guarded:
            return creation_agent(Settings(model="scripted"), provider, clock)
        return CreationAgent(provider, clock=clock)

    return make


async def test_fidelity_is_measured_per_call_with_its_failures() -> None:
    """An agent without the fidelity guard shows what the figure catches; the real agent passes."""
    data = dataset(*(case(f"c{i}", prompt) for i, prompt in enumerate(ANSWERS)))
    report = await run_eval(answering(guarded=False), data)
    first, second = report.cases
    assert first.fidelity_ok is False and second.fidelity_ok is False
    assert any("372" in failure and "(new_number)" in failure for failure in first.fidelity_failures)
    assert any("2027-12-25T23:59:59+00:00" in failure for failure in second.fidelity_failures)
    assert report.summary.statement_fidelity == 0.0
    assert report.as_dict()["cases"][0]["fidelity_failures"] == first.fidelity_failures

    fixed = await run_eval(answering(guarded=True), data)
    assert [c.fidelity_ok for c in fixed.cases] == [True, True]
    assert fixed.cases[0].call is not None
    assert fixed.cases[0].call["prediction_statement"] == "12 times 31 is more than 380."
    assert fixed.cases[0].statement_rebuilt is True
    assert fixed.summary.statement_fidelity == 1.0


async def test_score_in_band_counts_only_the_cases_with_a_band() -> None:
    settings = Settings(model="scripted")
    provider = Provider(name="scripted", model=ScriptedModel(rate=0))
    data = dataset(
        case("offline", "12 times 31 is more than 380", [0.9, 1.0]),
        case("web", "Apple will release a car in 2027", [0.9, 1.0]),  # a web search: 0.7, out of this band
        case("none", "Apple will release a car in 2028"),
    )
    report = await run_eval(lambda clock: creation_agent(settings, provider, clock), data)
    assert [c.score_ok for c in report.cases] == [True, False, None]
    assert report.summary.score_in_band == 0.5
    offline = report.cases[0].call
    assert offline is not None and offline["verifiability_score"] == 0.97
    assert offline["verifiability_factors"][0].startswith("Offline computation")  # with a typed check or not


def test_the_dev_set_has_score_bands_and_the_test_split_is_held_out() -> None:
    dev = load_dataset(EVAL / "dev.json")
    banded = [c for c in dev.cases if c.expect.score is not None]
    assert len(banded) >= len(dev.cases) * 2 // 3
    test = load_dataset(EVAL / "test.json")
    assert len(test.cases) >= 40
    assert not {c.id for c in test.cases} & {c.id for c in dev.cases}
    assert not {c.prediction for c in test.cases} & {c.prediction for c in dev.cases}
    assert "held-out" in str((test.model_extra or {}).get("description", "")).lower()
    modes = {m for c in test.cases for m in c.expect.verification_mode}
    categories = {k for c in test.cases for k in c.expect.verifiable_category}
    assert len(modes) == 4 and len(categories) == 5
    assert sum(c.expect.score is not None for c in test.cases) >= 30
