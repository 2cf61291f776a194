"""The data-backed eval cases (eval/data): each recording, run through its case's reference check at the
case's `verify_at`, gives the verdict the case expects; a failed source gives `inconclusive`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from calledit.config import Settings
from calledit.domain.check import describe, parse_check
from calledit.evaluation.dataset import EvalCase, load_dataset
from calledit.sources.execute import run_check
from calledit.sources.http import build_source_client

DATA = Path(__file__).parents[3] / "eval" / "data"
CASES = load_dataset(DATA / "cases.json").cases
CHECKS: dict[str, Any] = json.loads((DATA / "checks.json").read_text(encoding="utf-8"))["checks"]


def test_the_dataset_covers_every_source_and_failures() -> None:
    assert len(CASES) >= 30
    assert set(CHECKS) == {case.id for case in CASES}
    sources = Counter(CHECKS[case.id]["source"] for case in CASES)
    assert set(sources) == {"weather", "market", "crypto", "sports", "economy"} and min(sources.values()) >= 5
    verdicts = Counter(case.expect.verdict for case in CASES)
    assert verdicts["inconclusive"] >= 5 and verdicts["confirmed"] >= 5 and verdicts["refuted"] >= 5
    for case in CASES:
        assert case.web is not None and case.web.is_file() and case.verify_at is not None
        assert case.expect.verifiable_category == ["api_tool_verifiable"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_the_recording_gives_the_expected_verdict(case: EvalCase, tmp_path: Path) -> None:
    check = parse_check(CHECKS[case.id])
    assert describe(check)
    settings = Settings(web=f"replay:{case.web}", data_dir=tmp_path)
    async with build_source_client(settings) as client:
        outcome = await run_check(check, client, now=case.verify_clock, timezone=case.timezone)
    verdict = {"failed": "inconclusive"}.get(outcome.status) or (
        {True: "confirmed", False: "refuted"}.get(outcome.holds) if outcome.status == "decided" else "pending"
    )
    assert verdict == case.expect.verdict, outcome.reason
    assert outcome.evidence and outcome.evidence[0].source.startswith("https://")
