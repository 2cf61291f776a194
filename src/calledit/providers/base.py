"""The provider port: a Strands model, what it can do, and how to hold it to an answer's JSON Schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calledit.domain.errors import ModelError


def _no_hint(exc: BaseException) -> str | None:
    del exc
    return None


@dataclass(frozen=True)
class OutputSchema:
    """The JSON the caller wants back: a name (some APIs require one) and the JSON Schema itself."""

    name: str
    schema: dict[str, Any]


Constrain = Callable[[Any, OutputSchema], Any]


@dataclass
class Provider:
    """A ready-to-use model and its capabilities.

    `model` is any `strands.models.Model`, unconstrained; `name` is what a call records in its `model`
    field; `concurrency` is how many generations it may run at once (the embedded model: one);
    `supports_tools`: the model can call tools itself (hosted models; the embedded one answers under a
    grammar and gets tool results in its prompt instead); `native_structured_output`: `constrain` holds the
    model to a JSON Schema (a grammar, or the API's structured outputs) rather than the prompt alone;
    `explain` turns a vendor exception into a message that says what to set or fix, or None.
    """

    name: str
    model: Any
    concurrency: int = 8
    supports_tools: bool = False
    native_structured_output: bool = False
    constrain: Constrain | None = None
    explain: Callable[[BaseException], str | None] = field(default=_no_hint)

    def model_for(self, output: OutputSchema | None) -> Any:
        """The model to answer one request in `output`'s schema (the caller's, never the provider's idea).

        Providers without native structured output get the plain model: the caller's prompt states the shape
        and its validator checks the answer."""
        if output is None or self.constrain is None:
            return self.model
        return self.constrain(self.model, output)

    def model_error(self, exc: BaseException) -> ModelError:
        """The user-facing error for a failure inside the model."""
        if isinstance(exc, ModelError):
            return exc
        hint = self.explain(exc)
        detail = hint or f"{type(exc).__name__}: {exc}"
        return ModelError(f"The model ({self.name}) failed: {detail}")
