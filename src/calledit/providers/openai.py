"""`openai:MODEL_ID`: any OpenAI-compatible chat completions server (OpenAI, Ollama, vLLM, llama-server)
through Strands' OpenAIModel. OPENAI_BASE_URL points at the server; OPENAI_API_KEY when it wants one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.providers.base import OutputSchema, Provider

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def explainer(where: str) -> Callable[[BaseException], str | None]:
    def explain(exc: BaseException) -> str | None:
        name = type(exc).__name__
        if name in {"APIConnectionError", "APITimeoutError", "ConnectError"}:
            return f"could not reach the OpenAI-compatible server at {where}: is it running? Check OPENAI_BASE_URL."
        if name in {"AuthenticationError", "PermissionDeniedError"}:
            return f"the server at {where} refused the key: check OPENAI_API_KEY."
        if name == "NotFoundError":
            return f"the server at {where} does not know this model: check CALLEDIT_MODEL=openai:MODEL_ID."
        return None

    return explain


def build(settings: Settings, model_id: str | None) -> Provider:
    try:
        from strands.models.openai import OpenAIModel
    except ImportError as exc:
        raise ConfigurationError("The openai provider needs its SDK: pip install 'calledit[openai]'.") from exc
    base_url = settings.openai_base_url
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not api_key and not base_url:
        raise ConfigurationError(
            "The openai provider needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for an OpenAI-compatible "
            "server such as Ollama, vLLM or llama-server, e.g. http://127.0.0.1:11434/v1)."
        )
    client_args: dict[str, object] = {"api_key": api_key or "not-needed", "max_retries": 1}
    if base_url:
        client_args["base_url"] = base_url
    params: dict[str, object] = {"max_tokens": settings.max_tokens, "temperature": 0.2}
    model = OpenAIModel(client_args=client_args, model_id=model_id or "", params=params)

    def constrain(base: Any, output: OutputSchema) -> Any:
        """A model whose requests carry `output` as structured outputs: the server then always parses."""
        config = base.get_config()
        with_format = {
            **config.get("params", {}),
            "response_format": {"type": "json_schema", "json_schema": {"name": output.name, "schema": output.schema}},
        }
        return OpenAIModel(client_args=client_args, model_id=config["model_id"], params=with_format)

    # Servers that support structured outputs (OpenAI, vLLM, llama-server, Ollama); CALLEDIT_OPENAI_JSON_SCHEMA=
    # false for one that does not (the prompt then states the shape and the answer is validated all the same).
    native = settings.openai_json_schema
    return Provider(
        name=f"openai:{model_id}", model=model, concurrency=8, supports_tools=True, native_structured_output=native,
        constrain=constrain if native else None, explain=explainer(base_url or DEFAULT_BASE_URL),
    )
