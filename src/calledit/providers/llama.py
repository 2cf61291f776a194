"""llama.cpp in process (llama-cpp-python) as a Strands `Model`.

One `Engine` per GGUF file and settings, loaded once per process and shared: it owns the llama context,
whose KV cache keeps the longest common token prefix between requests, so an identical system prompt
is evaluated once (at warm-up) and every call after that only pays for its own words.

Generation runs in a worker thread (llama.cpp blocks) and streams tokens back through an asyncio queue;
between tokens the thread checks the run's cancel signal, and closing the stream (asyncio cancellation,
a client leaving) sets it too. The engine's lock serialises generations; the fair queue in front of it
(`ModelGate`, sized by the provider's concurrency of 1) is what tells clients their place in line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from strands.models import Model

from calledit.domain.errors import ConfigurationError, ModelError

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

_ENGINES: dict[tuple[str, int, int], Engine] = {}
_ENGINES_LOCK = threading.Lock()


class Engine:
    """A loaded GGUF and the lock that lets one generation at a time use it."""

    def __init__(self, llama: Any, *, path: Path, n_ctx: int) -> None:
        self.llama = llama  # a llama_cpp.Llama (tests pass a fake with the same create_chat_completion)
        self.path = path
        self.n_ctx = n_ctx
        self.lock = threading.Lock()
        self.warmed = threading.Event()
        self._warm_lock = threading.Lock()
        self._warmed_prompts: set[str] = set()

    @classmethod
    def load(cls, path: Path, *, n_ctx: int, n_threads: int) -> Engine:
        """Load a GGUF with llama.cpp (memory-mapped: about a second for the default model)."""
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - the local extra is part of the default install
            raise ConfigurationError(
                'The local model needs llama-cpp-python: install the project with `pip install -e ".[local]"`, '
                "or set CALLEDIT_MODEL to another provider."
            ) from exc
        started = time.perf_counter()
        try:
            llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                          verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ConfigurationError(
                f"llama.cpp could not load {path}: {exc}. Point CALLEDIT_LOCAL_MODEL_PATH at a valid GGUF file, "
                "or unset it to use the default model."
            ) from exc
        log.info("path=<%s>, seconds=<%.2f> | local model loaded", path, time.perf_counter() - started)
        return cls(llama, path=path, n_ctx=n_ctx)

    def warm(self, system_prompt: str) -> None:
        """Evaluate the system prompt so its KV cache is ready before the first request (blocking).

        Once per engine and prompt: later requests keep the prefix in the cache themselves."""
        with self._warm_lock:
            if system_prompt in self._warmed_prompts:
                return
            self._warmed_prompts.add(system_prompt)
        started = time.perf_counter()
        with self.lock:
            for _ in self.llama.create_chat_completion(
                messages=[{"role": "system", "content": system_prompt}, {"role": "user", "content": "."}],
                max_tokens=1,
                temperature=0.0,
                stream=True,
            ):
                pass
        self.warmed.set()
        log.info("seconds=<%.2f> | local model warm", time.perf_counter() - started)

    def warm_in_background(self, system_prompt: str) -> threading.Thread | None:
        if system_prompt in self._warmed_prompts:
            return None
        thread = threading.Thread(target=self.warm, args=(system_prompt,), name="calledit-llama-warm", daemon=True)
        thread.start()
        return thread

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
        should_stop: Callable[[], bool],
    ) -> Iterator[tuple[str, str | None]]:
        """(text delta, finish reason) pairs; stops between tokens once `should_stop()` is true.

        The caller must hold `self.lock`.
        """
        response_format = {"type": "json_object", "schema": json_schema} if json_schema is not None else None
        stream = self.llama.create_chat_completion(
            messages=messages,
            response_format=response_format,
            max_tokens=max_tokens,
            temperature=temperature,
            stream=True,
        )
        try:
            for chunk in stream:
                if should_stop():
                    return
                choice = chunk["choices"][0]
                delta = choice.get("delta", {}).get("content") or ""
                yield delta, choice.get("finish_reason")
        finally:
            stream.close()


def load_engine(path: Path, *, n_ctx: int, n_threads: int | None = None) -> Engine:
    """The process's engine for this file and settings, loading it on first use."""
    threads = n_threads or os.cpu_count() or 1
    key = (str(path.resolve()), n_ctx, threads)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = Engine.load(path, n_ctx=n_ctx, n_threads=threads)
        return engine


def _text_of(block: dict[str, Any]) -> str:
    if "text" in block:
        return str(block["text"])
    if "toolResult" in block:  # the local model gets no tools, but render a result if a history has one
        parts = block["toolResult"].get("content", [])
        return "\n".join(str(part.get("text") or json.dumps(part.get("json"))) for part in parts)
    if "toolUse" in block:
        return json.dumps({"tool": block["toolUse"]["name"], "input": block["toolUse"].get("input")})
    return ""


def chat_messages(messages: Any, system_prompt: str | None) -> list[dict[str, str]]:
    """Strands messages as llama.cpp chat messages (text only)."""
    chat: list[dict[str, str]] = []
    if system_prompt:
        chat.append({"role": "system", "content": system_prompt})
    for message in messages or []:
        text = "".join(_text_of(block) for block in message.get("content", []))
        chat.append({"role": message.get("role", "user"), "content": text})
    return chat


class LlamaModel(Model):
    """A Strands model over a shared llama.cpp `Engine`, output constrained to a JSON Schema when given.

    Tools are not offered to the model: its answer is grammar-constrained JSON, so it could not call them.
    The creation agent hands it the deterministic tools' results as prompt hints instead.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        model_id: str,
        max_tokens: int = 700,
        temperature: float = 0.0,
        json_schema: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.config: dict[str, Any] = {
            "model_id": model_id,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "json_schema": json_schema,
            "context_window_limit": engine.n_ctx,
        }

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return self.config

    def warm(self, system_prompt: str) -> threading.Thread | None:
        """Start evaluating the system prompt in the background; generations wait for it."""
        return self.engine.warm_in_background(system_prompt)

    async def stream(  # type: ignore[override]  # takes what Strands passes (cancel_signal in kwargs)
        self,
        messages: Any,
        tool_specs: Any = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterable[dict[str, Any]]:
        del tool_specs
        cancel_signal: threading.Event | None = kwargs.get("cancel_signal")
        chat = chat_messages(messages, system_prompt)
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        started = time.perf_counter()
        tokens = 0
        finish: str | None = None
        async for delta, reason in self._generate(chat, self.config["json_schema"], cancel_signal):
            finish = reason or finish
            if delta:
                tokens += 1
                yield {"contentBlockDelta": {"delta": {"text": delta}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "max_tokens" if finish == "length" else "end_turn"}}
        yield {
            "metadata": {
                "usage": {"inputTokens": 0, "outputTokens": tokens, "totalTokens": tokens},
                "metrics": {"latencyMs": int(1000 * (time.perf_counter() - started))},
            }
        }

    async def structured_output(
        self, output_model: type[T], prompt: Any, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, Any], None]:
        del kwargs
        text = ""
        async for delta, _ in self._generate(
            chat_messages(prompt, system_prompt), output_model.model_json_schema(), None
        ):
            text += delta
        yield {"output": output_model.model_validate_json(text)}

    async def _generate(
        self, chat: list[dict[str, str]], json_schema: dict[str, Any] | None, cancel_signal: threading.Event | None
    ) -> AsyncIterator[tuple[str, str | None]]:
        """Run one generation in a worker thread and relay its deltas; stop it if we are cancelled."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, str | None] | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def should_stop() -> bool:
            return stop.is_set() or (cancel_signal is not None and cancel_signal.is_set())

        def emit(item: tuple[str, str | None] | BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the consumer's loop is gone (cancelled and closed): nobody to tell
                stop.set()

        def work() -> None:
            try:
                with self.engine.lock:
                    if should_stop():
                        return
                    for item in self.engine.chat(
                        chat,
                        json_schema=json_schema,
                        max_tokens=int(self.config["max_tokens"]),
                        temperature=float(self.config["temperature"]),
                        should_stop=should_stop,
                    ):
                        emit(item)
            except Exception as exc:  # relayed to the consumer, which raises it in its own context
                emit(exc)
            finally:
                emit(None)

        worker = threading.Thread(target=work, name="calledit-llama", daemon=True)
        worker.start()
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise ModelError(f"The local model failed: {type(item).__name__}: {item}") from item
                yield item
        finally:
            stop.set()  # cancelled or closed early: the worker stops at its next token


def explain(exc: BaseException) -> str | None:
    """What to do about a llama.cpp failure."""
    text = str(exc)
    if "context window" in text or "exceed" in text.lower():
        return (
            "the prediction and instructions do not fit the local model's context; raise "
            "CALLEDIT_LOCAL_CONTEXT or shorten the prediction."
        )
    return None
