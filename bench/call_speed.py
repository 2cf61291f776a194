"""How long a whole call takes with the project's decoding, against a naive baseline in the same run.

Both paths use one loaded engine (the default GGUF), the creation agent's system prompt and user prompt,
temperature 0. The baseline is raw llama-cpp-python: `create_chat_completion` with the call's whole JSON
Schema as its grammar, every token sampled, no tricks. The project's path is the creation agent as
`calledit serve` runs it: code-known fields left out of the grammar, forced JSON fed in batches
(providers/decoding.py), the typed check's query, the guards. Runs alternate per prediction after one
warm-up, so both see the same KV-cache state.

Also printed: the median time to the first `call` event with the statement, resident memory with the model
loaded, and the first call of a fresh engine (load + warm-up + call) against a warm call.

Usage: python -m bench.call_speed [--dataset eval/dev.json] [--cases 12] [--threads N] [--json]
Targets (issue 14): project median / baseline median <= 0.45; project median < 5 s quiet, < 10 s with one
core busy (run a CPU hog pinned to one core beside it: `taskset -c 1 python -c 'while 1: pass'`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TARGET_RATIO = 0.45


@dataclass
class Timing:
    prediction: str
    baseline_s: float
    project_s: float
    statement_s: float | None
    baseline_tokens: int
    project_sampled: int
    project_forced: int


@dataclass
class Report:
    cases: list[Timing] = field(default_factory=list)
    threads: int = 0
    rss_mb: float = 0.0
    cold_first_call_s: float = 0.0
    load_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        base = statistics.median(t.baseline_s for t in self.cases)
        project = statistics.median(t.project_s for t in self.cases)
        statements = [t.statement_s for t in self.cases if t.statement_s is not None]
        return {
            "n": len(self.cases),
            "threads": self.threads,
            "median_baseline_s": round(base, 2),
            "median_project_s": round(project, 2),
            "ratio": round(project / base, 3),
            "target_ratio": TARGET_RATIO,
            "median_first_statement_s": round(statistics.median(statements), 2) if statements else None,
            "rss_mb": round(self.rss_mb),
            "load_s": round(self.load_s, 2),
            "cold_first_call_s": round(self.cold_first_call_s, 2),
            "cold_over_warm": round(self.cold_first_call_s / project, 2),
        }


def baseline(engine: Any, messages: list[dict[str, str]], schema: dict[str, Any], max_tokens: int) -> tuple[float, int]:
    """Raw llama-cpp-python, the whole call sampled under its grammar."""

    def work() -> tuple[float, int]:
        started = time.perf_counter()
        tokens = 0
        for chunk in engine.llama.create_chat_completion(
            messages=messages, response_format={"type": "json_object", "schema": schema},
            max_tokens=max_tokens, temperature=0.0, stream=True,
        ):
            if chunk["choices"][0].get("delta", {}).get("content"):
                tokens += 1
        return time.perf_counter() - started, tokens

    result: tuple[float, int] = engine.submit(work).result()
    return result


async def project(agent: Any, prediction: str, timezone: str) -> tuple[float, float | None]:
    from calledit.domain.events import CallEvent, CompleteEvent

    started = time.perf_counter()
    statement: float | None = None
    async for event in agent.stream(prediction, timezone):
        if isinstance(event, CallEvent) and statement is None and "prediction_statement" in event.call:
            statement = time.perf_counter() - started
        if isinstance(event, CompleteEvent):
            break
    return time.perf_counter() - started, statement


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=Path("eval/dev.json"))
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: the provider's)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from calledit.agents.creation import CALL_OUTPUT, CallContext
    from calledit.agents.prompts import SYSTEM_PROMPT, USER_PREFIX, build_user_prompt
    from calledit.agents.sanitize import quote_prediction
    from calledit.agents.setup import creation_agent
    from calledit.config import Settings
    from calledit.evaluation.dataset import load_dataset
    from calledit.providers import build_provider

    settings = Settings(local_threads=args.threads) if args.threads else Settings()
    started = time.perf_counter()
    provider = build_provider(settings)
    report = Report()
    report.load_s = time.perf_counter() - started
    engine = provider.model.engine
    report.threads = int(engine.llama.context_params.n_threads)
    cases = load_dataset(args.dataset).cases[: args.cases]

    first = cases[0]
    agent = creation_agent(settings, provider, clock=lambda: first.now)  # warms the system prompt
    cold, _ = await project(agent, first.prediction, first.timezone)
    report.cold_first_call_s = report.load_s + cold

    for case in cases:
        agent = creation_agent(settings, provider, clock=lambda case=case: case.now)  # type: ignore[misc]
        context = CallContext(case.prediction, case.timezone, case.now.astimezone(_zone(case.timezone)))
        hints: list[str] = []
        for hinter in agent.hinters:
            hints.extend(hinter(context)[0])
        messages = [{"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": build_user_prompt(quote_prediction(case.prediction), context.now,
                                                                  case.timezone, hints)}]
        # Each path starts from the same cache: the system prompt only (what a server holds between calls);
        # otherwise the second path would find the first one's user turn already evaluated.
        engine.submit(engine.restore_prefix, SYSTEM_PROMPT, USER_PREFIX).result()
        base_s, base_tokens = baseline(engine, messages, CALL_OUTPUT.schema, settings.max_tokens)
        engine.submit(engine.restore_prefix, SYSTEM_PROMPT, USER_PREFIX).result()
        project_s, statement_s = await project(agent, case.prediction, case.timezone)
        sampled, forced = engine.last_decode
        report.cases.append(Timing(case.prediction, round(base_s, 3), round(project_s, 3),
                                   None if statement_s is None else round(statement_s, 3), base_tokens,
                                   sampled, forced))
        if not args.json:
            print(f"{base_s:6.2f}s baseline ({base_tokens} tokens)  {project_s:6.2f}s project "
                  f"({sampled} sampled, {forced} forced)  {case.prediction[:60]}")
    report.rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = report.summary()
    if args.json:
        print(json.dumps({"summary": summary, "cases": [asdict(t) for t in report.cases]}, indent=2))
    else:
        print(json.dumps(summary, indent=2))


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


if __name__ == "__main__":
    asyncio.run(main())
