"""`openai:MODEL_ID`: any OpenAI-compatible chat completions server (OpenAI, Ollama, vLLM, llama-server)
through Strands' OpenAIModel. OPENAI_BASE_URL points at the server; OPENAI_API_KEY when it wants one."""

from __future__ import annotations

import os

from calledit.agents.prompts import call_json_schema
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.providers.base import Provider


def explain(exc: BaseException) -> str | None:
    name = type(exc).__name__
    where = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
    if name in {"APIConnectionError", "APITimeoutError", "ConnectError"}:
        return f"could not reach the OpenAI-compatible server at {where}: is it running? Check OPENAI_BASE_URL."
    if name in {"AuthenticationError", "PermissionDeniedError"}:
        return f"the server at {where} refused the key: check OPENAI_API_KEY."
    if name == "NotFoundError":
        return f"the server at {where} does not know this model: check CALLEDIT_MODEL=openai:MODEL_ID."
    return None


def build(settings: Settings, model_id: str | None) -> Provider:
    try:
        from strands.models.openai import OpenAIModel
    except ImportError as exc:
        raise ConfigurationError("The openai provider needs its SDK: pip install 'calledit[openai]'.") from exc
    base_url = os.environ.get("OPENAI_BASE_URL")
    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key and not base_url:
        raise ConfigurationError(
            "The openai provider needs OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for an OpenAI-compatible "
            "server such as Ollama, vLLM or llama-server, e.g. http://127.0.0.1:11434/v1)."
        )
    client_args: dict[str, object] = {"api_key": api_key or "not-needed", "max_retries": 1}
    if base_url:
        client_args["base_url"] = base_url
    params: dict[str, object] = {"max_tokens": settings.max_tokens, "temperature": 0.2}
    if os.environ.get("CALLEDIT_OPENAI_JSON_SCHEMA", "1") != "0":
        # Servers that support structured outputs (OpenAI, vLLM, llama-server, Ollama) then always parse.
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "call", "schema": call_json_schema()},
        }
    model = OpenAIModel(client_args=client_args, model_id=model_id or "", params=params)
    return Provider(name=f"openai:{model_id}", model=model, concurrency=8, json_schema_native=True,
                    explain=explain)
