"""How much of an offline dataset code translates by itself: no model, deterministic, a few seconds.

    .venv/bin/python eval/offline/translate_report.py                    # eval/offline/dev.json
    .venv/bin/python eval/offline/translate_report.py --dataset F --json
    .venv/bin/python eval/offline/translate_report.py --misses           # list the cases code does not settle

For each case, `agents.checks.plan_check` runs at the case's clock and timezone. A case is *read* when code
has the whole query (`plan.complete`: the model would only write the source), and *right* when that query,
executed as at verify time (`agents.offline.run_offline`, same clock), gives the expected verdict. Fact
cases are never computed in code (a model states them at verification), so for them the report counts only
whether they were routed to the `fact` kind; they are left out of the headline figure's numerator and
denominator (the figure is over the computable families) and reported on their own.

Tune on dev only: the held-out split is measured by the lead, once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from calledit.agents.checks import plan_check
from calledit.agents.offline import run_offline
from calledit.domain.check import ArithmeticCheck, CalendarCheck, ClockCheck, parse_check

HERE = Path(__file__).parent


def family_of(data: dict[str, Any], case: dict[str, Any]) -> str:
    note = data.get("notes", {}).get(case["id"], {})
    return str(note.get("family") or case["id"].split("-")[1])


def judge(case: dict[str, Any]) -> dict[str, Any]:
    """What code alone makes of one case: the kind, whether it read it all, the verdict it computes."""
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    timezone = case["timezone"]
    expected = case["expect"]["verdict"]
    plan = plan_check(case["prediction"], now=now, timezone=timezone)
    row: dict[str, Any] = {"id": case["id"], "prediction": case["prediction"], "expected": expected,
                           "kind": plan.source if plan else None, "read": bool(plan and plan.complete),
                           "verdict": None, "query": None, "why": None}
    if plan is None:
        row["why"] = "no check planned"
        return row
    if not plan.complete:
        row["why"] = f"incomplete: code knows {sorted(k for k in plan.known if plan.known[k] is not None)}"
        return row
    row["query"] = plan.known
    check = parse_check(plan.known)
    if not isinstance(check, CalendarCheck | ArithmeticCheck | ClockCheck):
        row["why"] = "not computable in code"
        return row
    outcome = run_offline(check, now=now, timezone=timezone)
    if outcome.status != "decided":
        row["why"] = f"failed: {outcome.finding}"
        return row
    row["verdict"] = "confirmed" if outcome.holds else "refuted"
    if row["verdict"] != expected:
        row["why"] = f"wrong verdict: {outcome.finding}"
    return row


def report(data: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for case in data["cases"]:
        if case["expect"].get("verdict") is None:
            continue
        row = judge(case)
        row["family"] = family_of(data, case)
        rows.append(row)
    computable = [r for r in rows if r["family"] != "fact"]
    facts = [r for r in rows if r["family"] == "fact"]
    right = [r for r in computable if r["read"] and r["verdict"] == r["expected"]]
    families: dict[str, Counter[str]] = defaultdict(Counter)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in computable:
        counts = families[r["family"]]
        counts["n"] += 1
        counts["read"] += r["read"]
        counts["right"] += r["read"] and r["verdict"] == r["expected"]
        confusion[r["expected"]][r["verdict"] or "unread"] += 1
    return {
        "n": len(computable),
        "read": sum(r["read"] for r in computable),
        "right": len(right),
        "share": round(len(right) / len(computable), 4) if computable else None,
        "wrong_verdicts": sum(1 for r in computable if r["read"] and r["verdict"] not in (None, r["expected"])),
        "facts": {"n": len(facts), "routed_to_fact": sum(r["kind"] == "fact" for r in facts)},
        "families": {name: dict(counts) for name, counts in sorted(families.items())},
        "confusion": {name: dict(counts) for name, counts in sorted(confusion.items())},
        "cases": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=HERE / "dev.json")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON on stdout")
    parser.add_argument("--misses", action="store_true", help="also list each case code does not settle")
    args = parser.parse_args(argv)
    data = json.loads(args.dataset.read_text(encoding="utf-8"))
    result = report(data)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    print(f"{args.dataset}: {result['right']}/{result['n']} = {result['share']:.1%} read completely by code and "
          f"executed to the expected verdict ({result['read']} read, {result['wrong_verdicts']} read wrongly)")
    print(f"facts: {result['facts']['routed_to_fact']}/{result['facts']['n']} routed to the fact kind "
          "(a model decides those)")
    for name, counts in result["families"].items():
        print(f"  {name:<16} {counts.get('right', 0):>3}/{counts['n']:<3} right  ({counts.get('read', 0)} read)")
    print("confusion (expected -> code's verdict):")
    for expected, counts in result["confusion"].items():
        print(f"  {expected:<9} " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    if args.misses:
        for row in result["cases"]:
            if row["family"] != "fact" and not (row["read"] and row["verdict"] == row["expected"]):
                print(f"- {row['id']}: {row['prediction']!r} [{row['kind']}] {row['why']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
