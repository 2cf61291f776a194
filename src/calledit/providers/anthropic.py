"""`anthropic:MODEL_ID`: Anthropic's Messages API through Strands' AnthropicModel."""

from __future__ import annotations

import os

from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.providers.base import Provider


def explain(exc: BaseException) -> str | None:
    name = type(exc).__name__
    if name in {"APIConnectionError", "APITimeoutError", "ConnectError"}:
        where = os.environ.get("ANTHROPIC_BASE_URL", "api.anthropic.com")
        return f"could not reach the Anthropic API at {where}: check your network or ANTHROPIC_BASE_URL."
    if name in {"AuthenticationError", "PermissionDeniedError"}:
        return "the Anthropic API refused the key: check ANTHROPIC_API_KEY."
    if name == "NotFoundError":
        return "unknown model id: set CALLEDIT_MODEL=anthropic:MODEL_ID to a model your key can use."
    return None


def build(settings: Settings, model_id: str | None) -> Provider:
    try:
        from strands.models.anthropic import AnthropicModel
    except ImportError as exc:  # the optional extra is missing
        raise ConfigurationError(
            "The anthropic provider needs its SDK: pip install 'calledit[anthropic]'."
        ) from exc
    api_key = os.environ.get("ANTHROPIC_API_KEY")
    if not api_key:
        raise ConfigurationError("The anthropic provider needs an API key: set ANTHROPIC_API_KEY.")
    client_args: dict[str, object] = {"api_key": api_key, "max_retries": 1}
    if base_url := os.environ.get("ANTHROPIC_BASE_URL"):
        client_args["base_url"] = base_url
    model = AnthropicModel(client_args=client_args, model_id=model_id or "", max_tokens=settings.max_tokens,
                           params={"temperature": 0.2})
    return Provider(name=f"anthropic:{model_id}", model=model, concurrency=8, supports_tools=True, explain=explain)
