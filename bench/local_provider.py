"""Tokens per second through the local provider (Strands agent included) against raw llama-cpp-python.

Both paths use one loaded engine, the creation agent's system prompt, one user prompt, the call's grammar
schema, temperature 0 (so both generate the same tokens) and the same token limit. Runs alternate
(raw, provider, raw, provider, ...) after one warm-up, so both see the same KV-cache state: the prompt
is cached and only decoding is measured. Decode rate = (tokens - 1) / (last token time - first token time),
taken where the tokens arrive: the llama iterator for raw, the Strands agent's stream for the provider.

Usage: python -m bench.local_provider [--runs 3] [--max-tokens 400] [--prediction TEXT] [--json]
Target (issue 3): provider / raw >= 0.95. Prints the figures; exit status 1 when the ratio is below it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TARGET_RATIO = 0.95


@dataclass
class Run:
    path: str
    tokens: int
    first_token_s: float
    decode_tps: float
    text: str
    span_s: float = 0.0  # first to last delta


def _rate(stamps: list[float]) -> float:
    if len(stamps) < 2 or stamps[-1] == stamps[0]:
        return 0.0
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def raw_run(llama: Any, messages: list[dict[str, str]], schema: dict[str, object], max_tokens: int) -> Run:
    """Plain llama-cpp-python: create_chat_completion(stream=True) and a for loop, nothing else."""
    started = time.perf_counter()
    stamps: list[float] = []
    text = ""
    for chunk in llama.create_chat_completion(
        messages=messages,
        response_format={"type": "json_object", "schema": schema},
        max_tokens=max_tokens,
        temperature=0.0,
        stream=True,
    ):
        delta = chunk["choices"][0].get("delta", {}).get("content")
        if delta:
            stamps.append(time.perf_counter())
            text += delta
    return Run("raw llama-cpp-python", len(stamps), stamps[0] - started if stamps else 0.0, _rate(stamps), text)


async def provider_run(model: object, system_prompt: str, user_prompt: str) -> Run:
    from strands import Agent

    agent = Agent(model=model, system_prompt=system_prompt, callback_handler=None)
    started = time.perf_counter()
    stamps: list[float] = []
    text = ""
    async for event in agent.stream_async(user_prompt):
        if event.get("data"):
            stamps.append(time.perf_counter())
            text += event["data"]
    return Run("provider via Strands agent", len(stamps), stamps[0] - started if stamps else 0.0, _rate(stamps),
               text, stamps[-1] - stamps[0] if stamps else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="measured runs per path (default 3)")
    parser.add_argument("--max-tokens", type=int, default=400, help="room for the whole call (default 400)")
    parser.add_argument("--prediction", default="Bitcoin will trade above $150,000 before the end of 2027")
    parser.add_argument("--stream-interval", type=float, default=None,
                        help="the provider's delta batching in seconds (default: as configured)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from calledit.agents.prompts import SYSTEM_PROMPT, build_user_prompt, call_grammar_schema
    from calledit.config import Settings
    from calledit.providers.local import build

    settings = Settings(max_tokens=args.max_tokens)
    provider = build(settings, None)
    engine = provider.model.engine
    schema = call_grammar_schema()
    model = provider.model
    model.update_config(max_tokens=args.max_tokens)
    if args.stream_interval is not None:
        model.update_config(stream_interval=args.stream_interval)
    now = datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    user_prompt = build_user_prompt(args.prediction, now, "Europe/London")
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user_prompt}]

    print(f"model {engine.path.name}, n_ctx {engine.n_ctx}, threads {settings.local_threads or os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    # The raw loop runs on the engine's thread too: llama.cpp's OpenMP pool belongs to the thread that
    # drives it, and a second driving thread would make two pools spin against each other.
    def raw() -> Run:
        return engine.submit(raw_run, engine.llama, messages, schema, args.max_tokens).result()

    warm = raw()  # evaluates the prompt once for both paths
    print(f"warm-up: {warm.tokens} tokens, first token {warm.first_token_s:.2f} s", file=sys.stderr)
    raws: list[Run] = []
    through: list[Run] = []
    for index in range(args.runs):
        raws.append(raw())
        through.append(asyncio.run(provider_run(model, SYSTEM_PROMPT, user_prompt)))
        print(f"run {index + 1}: raw {raws[-1].decode_tps:.2f} tok/s ({raws[-1].tokens} tokens), provider "
              f"{through[-1].decode_tps:.2f} tok/s ({through[-1].tokens} tokens)", file=sys.stderr)
    for run in through:  # batched deltas: count the tokens the raw loop saw for the same text
        if run.text == raws[0].text and run.span_s:
            run.tokens, run.decode_tps = raws[0].tokens, (raws[0].tokens - 1) / run.span_s
    raw_tps = statistics.median(run.decode_tps for run in raws)
    provider_tps = statistics.median(run.decode_tps for run in through)
    ratio = provider_tps / raw_tps if raw_tps else 0.0
    same_text = all(run.text == raws[0].text for run in raws + through)
    figures = {
        "raw_tokens_per_s": round(raw_tps, 2),
        "provider_tokens_per_s": round(provider_tps, 2),
        "ratio": round(ratio, 3),
        "target": TARGET_RATIO,
        "met": ratio >= TARGET_RATIO,
        "same_output": same_text,
        "tokens": raws[0].tokens,
        "load_average": round(os.getloadavg()[0], 2),
        "runs": [asdict(run) | {"text": None} for run in raws + through],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"raw llama-cpp-python : {raw_tps:6.2f} tokens/s (median of {args.runs})")
        print(f"provider (Strands)   : {provider_tps:6.2f} tokens/s (median of {args.runs})")
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"ratio                : {ratio:6.3f} (target >= {TARGET_RATIO}) {verdict}")
        print(f"same output          : {same_text} ({raws[0].tokens} tokens each)")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
