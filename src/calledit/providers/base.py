"""The provider port: a Strands model and the facts CalledIt needs about it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calledit.domain.errors import ModelError


def _no_hint(exc: BaseException) -> str | None:
    del exc
    return None


@dataclass
class Provider:
    """A ready-to-use model.

    `model` is any `strands.models.Model`; `name` is what a call records in its `model` field;
    `concurrency` is how many generations it may run at once (the embedded model: one);
    `explain` turns a vendor exception into a message that says what to set or fix, or None.
    """

    name: str
    model: Any
    concurrency: int = 8
    json_schema_native: bool = False
    explain: Callable[[BaseException], str | None] = field(default=_no_hint)

    def model_error(self, exc: BaseException) -> ModelError:
        """The user-facing error for a failure inside the model."""
        if isinstance(exc, ModelError):
            return exc
        hint = self.explain(exc)
        detail = hint or f"{type(exc).__name__}: {exc}"
        return ModelError(f"The model ({self.name}) failed: {detail}")
