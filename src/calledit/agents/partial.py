"""Incremental parsing of a call while the model is still writing it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import jiter
from pydantic import BaseModel, ValidationError

from calledit.domain.call import call_fields

_FIELDS = frozenset(call_fields())
_FENCE = re.compile(r"```(?:json)?\s*(.*?)(?:```|$)", re.S)


def json_object_text(text: str) -> str | None:
    """The JSON object inside a model's answer: fenced or bare, from the first `{` on."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    return body[start:] if start >= 0 else None


M = TypeVar("M", bound=BaseModel)


def parse_answer(
    text: str, model: type[M], label: str, normalize: Callable[[dict[str, Any]], None] | None = None
) -> tuple[M | None, str]:
    """A model's whole answer as `model`, or None and what was wrong with it (for the repair prompt).

    `normalize` may tidy the decoded object in place before validation."""
    body = json_object_text(text)
    if body is None:
        return None, "no JSON object found in the answer"
    try:
        payload = json.loads(body[: body.rfind("}") + 1])
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if normalize is not None and isinstance(payload, dict):
        normalize(payload)
    try:
        return model.model_validate(payload), ""
    except ValidationError as exc:
        return None, "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or label}: {error['msg']}" for error in exc.errors()
        )


class PartialCall:
    """Feeds on text deltas; `update()` returns the fields parsed so far when they changed, else None.

    Incomplete strings are left out (jiter partial mode "on"), so a field appears once its value is
    whole; lists and nested objects grow item by item.
    """

    def __init__(self) -> None:
        self.text = ""
        self._last: dict[str, Any] = {}
        self._in_string = False
        self._escaped = False
        self._in_object = False  # lexing starts at the first "{": prose before it may hold quotes

    def _stays_inside_a_string(self, delta: str) -> bool:
        """Scan the delta's characters; True when it starts and ends inside one JSON string.

        Then no value can have completed, so there is nothing new to parse (keeps long answers linear).
        """
        started_inside = self._in_string
        left = False
        if not self._in_object:
            brace = delta.find("{")
            if brace < 0:
                return False
            self._in_object, delta = True, delta[brace + 1 :]
        for char in delta:
            if self._escaped:
                self._escaped = False
            elif char == "\\" and self._in_string:
                self._escaped = True
            elif char == '"':
                self._in_string = not self._in_string
                left = True
        return started_inside and not left

    def feed(self, delta: str) -> dict[str, Any] | None:
        self.text += delta
        if self._stays_inside_a_string(delta):
            return None
        body = json_object_text(self.text)
        if body is None:
            return None
        end = body.rfind("}")
        try:
            parsed = jiter.from_json(body.encode(), partial_mode="on")
        except ValueError:
            # trailing prose after a complete object: parse up to its last brace
            try:
                parsed = json.loads(body[: end + 1]) if end >= 0 else None
            except ValueError:
                return None
        if not isinstance(parsed, dict):
            return None
        fields = {key: value for key, value in parsed.items() if key in _FIELDS}
        if fields == self._last:
            return None
        self._last = fields
        return fields
