"""`scripted`: a deterministic test double. It streams a plausible, schema-valid call for any prompt,
chunk by chunk at a set rate, and always names itself in the call's `model` field.

It is never the default. Tests and demos may also give it a queue of canned responses, read what it
was asked (`requests`), and make it fail mid-stream (`fail_on`)."""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from strands.models import Model

from calledit.config import Settings
from calledit.domain.errors import ModelError
from calledit.providers.base import Provider

NAME = "scripted"
T = TypeVar("T", bound=BaseModel)

_PREDICTION = re.compile(r"<prediction>\n(.*?)\n</prediction>", re.S)
_NOW = re.compile(r"Current date and time: (\S+)")
_TODAY = re.compile(r"\nToday: \w+ (\d{1,2} \w+ \d{4})\.")  # when the date is code's: the day only
_VERIFICATION = re.compile(r"^<prediction>(.*?)</prediction>\nNow: ", re.S)  # the verification agent's turn


def _last_user_text(messages: Any) -> str:
    for message in reversed(messages or []):
        if message.get("role") == "user":
            return "".join(block.get("text", "") for block in message.get("content", []))
    return ""


def plausible_call(prediction: str, now: datetime) -> dict[str, Any]:
    """A schema-valid call derived from simple cues in the prediction (no model involved)."""
    text = prediction.lower()
    mode, interval, when = "at_date", None, now + timedelta(days=1)
    if re.search(r"\b(every|each|daily|weekly|stays?)\b", text):
        mode = "recurring"
        interval = "weekly" if "week" in text else "daily"
    elif re.search(r"\b(by|before|within|until)\b", text):
        mode, when = "before_date", now + timedelta(days=30)
    elif re.search(r"\b(is|are|equals?)\b", text) and not re.search(r"\b(will|going to|tonight)\b", text):
        mode, when = "immediate", now
    if "tonight" in text:
        when = now.replace(hour=23, minute=59, second=0)
    elif "end of the year" in text or "end of year" in text:
        when = now.replace(month=12, day=31, hour=23, minute=59, second=0)
    if when < now:
        when = now
    statement = prediction.strip().rstrip(".!?")
    return {
        "prediction_statement": f"{statement[:1].upper()}{statement[1:]}.",
        "verification_date": when.isoformat(timespec="seconds"),
        "date_reasoning": f"Scripted model: derived from the cues in the prediction relative to {now:%Y-%m-%d}.",
        "verification_mode": mode,
        "recurring_interval": interval,
        "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "Scripted model: checking it needs data from outside the conversation.",
        "verifiability_score": 0.7,
        "verification_method": {
            "source": ["A reliable public record of the outcome"],
            "criteria": [f"The outcome matches: {statement}"],
            "steps": ["Find the outcome in the source on the verification date", "Compare it to the criteria"],
        },
        "initial_status": "pending",
    }


def scripted_verdict(statement: str) -> dict[str, Any]:
    """The test double looks nothing up, so the only honest verdict it can give is inconclusive."""
    return {
        "question": f"Is it true that {statement.rstrip('.')}?",
        "answer": "Scripted model (a test double): it looks nothing up, so it cannot tell.",
        "verdict": "inconclusive",
        "confidence": 0.5,
        "evidence": [],
    }


class ScriptedModel(Model):
    """A Strands `Model` that streams canned text. Implements the same interface as the real adapters."""

    def __init__(
        self,
        *,
        rate: float = 40.0,
        chunk_chars: int = 12,
        responses: Iterable[str] | None = None,
        fail_on: str | None = None,
    ) -> None:
        self.config: dict[str, Any] = {"model_id": NAME, "rate": rate, "chunk_chars": chunk_chars}
        self.responses: deque[str] = deque(responses or [])
        self.fail_on = fail_on
        self.requests: list[str] = []  # the user turns it was asked, in order (the latest 1000)

    # --- strands.models.Model interface -------------------------------------------------------------
    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return self.config

    async def structured_output(
        self, output_model: type[T], prompt: Any, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        text = self._answer(_last_user_text(prompt))
        yield {"output": output_model.model_validate_json(text)}

    async def stream(  # type: ignore[override]  # a test double: accepts what Strands passes, yields plain dicts
        self,
        messages: Any,
        tool_specs: Any = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterable[dict[str, Any]]:
        asked = _last_user_text(messages)
        self.requests.append(asked)
        del self.requests[:-1000]
        text = self._answer(asked)
        failing = bool(self.fail_on and self.fail_on in asked)
        delay = 1.0 / self.config["rate"] if self.config["rate"] else 0.0
        size = int(self.config["chunk_chars"])
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        for index, start in enumerate(range(0, len(text), size)):
            if failing and index == 5:
                raise ModelError(f"Scripted failure: the prompt contains {self.fail_on!r} (CALLEDIT_SCRIPTED_FAIL_ON).")
            if delay:
                await asyncio.sleep(delay)
            yield {"contentBlockDelta": {"delta": {"text": text[start : start + size]}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "end_turn"}}
        yield {
            "metadata": {
                "usage": {"inputTokens": len(asked) // 4, "outputTokens": len(text) // 4, "totalTokens": 0},
                "metrics": {"latencyMs": 0},
            }
        }

    # --- canned answers -----------------------------------------------------------------------------
    def _answer(self, asked: str) -> str:
        if self.responses:
            return self.responses.popleft()
        checking = _VERIFICATION.search(asked)
        if checking:
            return json.dumps(scripted_verdict(checking.group(1)))
        prediction_match = _PREDICTION.search(asked)
        prediction = prediction_match.group(1) if prediction_match else asked or "something happens"
        now_match = _NOW.search(asked)
        today_match = _TODAY.search(asked)
        if now_match:
            now = datetime.fromisoformat(now_match.group(1))
        elif today_match:  # noon UTC of that day: the dates it writes are code's anyway
            now = datetime.strptime(today_match.group(1), "%d %B %Y").replace(hour=12, tzinfo=UTC)
        else:
            now = datetime.now().astimezone()
        answer = plausible_call(prediction, now)
        for name in ("criteria", "steps"):  # as a model asked for the call writes it: these are code's
            del answer["verification_method"][name]
        return json.dumps(answer, indent=1)


def build(settings: Settings, model_id: str | None) -> Provider:
    del model_id
    model = ScriptedModel(rate=settings.scripted_rate, fail_on=settings.scripted_fail_on)
    return Provider(name=f"{NAME} (test double)", model=model, concurrency=1000)
