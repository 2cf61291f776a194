"""Choose and build a provider from a model spec such as `local`, `scripted`, `bedrock:ID`, `openai:ID`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from calledit.domain.errors import ConfigurationError

if TYPE_CHECKING:
    from calledit.config import Settings
    from calledit.providers.base import Provider

PROVIDER_NAMES = ("local", "scripted", "bedrock", "anthropic", "openai")
_REQUIRES_ID = {"anthropic", "openai"}


def parse_model_spec(spec: str) -> tuple[str, str | None]:
    """Split `kind[:model-id]`; raise a ConfigurationError that lists the valid kinds."""
    kind, _, model_id = spec.strip().partition(":")
    kind = kind.lower()
    if kind not in PROVIDER_NAMES:
        raise ConfigurationError(
            f"Unknown model {spec!r}. Set CALLEDIT_MODEL (or --model) to one of: local, scripted, "
            "bedrock[:MODEL_ID], anthropic:MODEL_ID, openai:MODEL_ID."
        )
    if kind in _REQUIRES_ID and not model_id:
        raise ConfigurationError(f"The {kind} provider needs a model id, e.g. CALLEDIT_MODEL={kind}:MODEL_ID.")
    return kind, model_id or None


def build_provider(settings: Settings, spec: str | None = None) -> Provider:
    """Build the provider named by `spec` (default: settings.model). Vendor modules load only here."""
    kind, model_id = parse_model_spec(spec or settings.model)
    module = importlib.import_module(f"calledit.providers.{kind}")
    provider: Provider = module.build(settings, model_id)
    if settings.model_concurrency is not None:
        provider.concurrency = settings.model_concurrency
    return provider
