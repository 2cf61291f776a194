"""`local`: the embedded llama.cpp model (delivered by the embedded-model work; not available yet)."""

from __future__ import annotations

from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.providers.base import Provider


def build(settings: Settings, model_id: str | None) -> Provider:
    raise ConfigurationError(
        "The embedded local model is not available in this build yet. Set CALLEDIT_MODEL to "
        "bedrock, anthropic:ID, openai:ID (with OPENAI_BASE_URL) or scripted (a test double)."
    )
