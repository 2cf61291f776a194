"""llama.cpp in process (llama-cpp-python) as a Strands `Model`.

One `Engine` per GGUF file and settings, loaded once per process and shared: it owns the llama context,
whose KV cache keeps the longest common token prefix between requests, so an identical system prompt
is evaluated once (at warm-up) and every call after that only pays for its own words.

Everything that touches llama.cpp runs on the engine's one thread, in order. That serialises generations,
and it matters for speed: llama.cpp's OpenMP worker pool belongs to the thread that drives it, and a second
driving thread gets a second pool whose spinning workers take the CPU from the first (measured on 2 cores:
24 tokens/s from one thread, 18 when another thread had driven the model before). Tokens come back to the
event loop through an asyncio queue; between tokens the engine thread checks the run's cancel signal, and
closing the stream (asyncio cancellation, a client leaving) sets it too. The fair queue in front of the
model (`ModelGate`, sized by the provider's concurrency of 1) is what tells clients their place in line.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import json
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from strands.models import Model

from calledit.domain.errors import ConfigurationError, ModelError

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

# llama.cpp's OpenMP workers spin while they wait for each other. On a machine with another busy program
# that spinning takes the core the other worker needs: measured on 2 cores with the other core loaded,
# 0.9-1.6 tokens/s spinning against 6.6 sleeping. libgomp reads this when llama_cpp is first imported
# (never before this module); an explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
R = TypeVar("R")

_ENGINES: dict[tuple[str, int, int], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="calledit-llama")


def _load_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:  # pragma: no cover - the local extra is part of the default install
        raise ConfigurationError(
            'The local model needs llama-cpp-python: install the project with `pip install -e ".[local]"`, '
            "or set CALLEDIT_MODEL to another provider."
        ) from exc
    try:
        return Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                     verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise ConfigurationError(
            f"llama.cpp could not load {path}: {exc}. Point CALLEDIT_LOCAL_MODEL_PATH at a valid GGUF file, "
            "or unset it to use the default model."
        ) from exc


class Engine:
    """A loaded GGUF and the one thread that runs it."""

    def __init__(
        self,
        llama: Any,
        *,
        path: Path,
        n_ctx: int,
        thread: ThreadPoolExecutor | None = None,
        state_dir: Path | None = None,
    ) -> None:
        self.llama = llama  # a llama_cpp.Llama (tests pass a fake with the same create_chat_completion)
        self.path = path
        self.n_ctx = n_ctx
        # Where the evaluated system prompt's KV cache is kept between processes (None: evaluate every start).
        self.state_dir = state_dir
        self.warm_source = ""  # "evaluated" or "loaded": how the latest warm-up got its prefix (benchmarks)
        self._thread = thread or _engine_thread()
        self._warm_lock = threading.Lock()
        self._warming: dict[str, Future[None]] = {}
        self._formatter: Any = None
        self.last_decode: tuple[int, int] = (0, 0)  # (sampled, forced) tokens of the latest schema decode
        self.last_speculation: tuple[int, int] = (0, 0)  # (drafted, accepted) tokens of the latest one

    @classmethod
    def load(cls, path: Path, *, n_ctx: int, n_threads: int, state_dir: Path | None = None) -> Engine:
        """Load a GGUF with llama.cpp on a new engine thread (memory-mapped: about a second)."""
        started = time.perf_counter()
        thread = _engine_thread()
        try:
            llama = thread.submit(_load_llama, path, n_ctx, n_threads).result()
        except BaseException:
            thread.shutdown(wait=False)
            raise
        log.info("path=<%s>, seconds=<%.2f> | local model loaded", path, time.perf_counter() - started)
        return cls(llama, path=path, n_ctx=n_ctx, thread=thread, state_dir=state_dir)

    def close(self) -> None:
        """Stop the engine thread and free the model (idempotent)."""
        self._thread.shutdown(wait=True, cancel_futures=True)
        close = getattr(self.llama, "close", None)
        if callable(close):
            close()

    def submit(self, work: Callable[..., R], *args: Any) -> Future[R]:
        """Run `work(*args)` on the engine thread, after everything submitted before it."""
        return self._thread.submit(work, *args)

    def warm(self, system_prompt: str, user_prefix: str = "") -> Future[None]:
        """Evaluate the system prompt (and the fixed start of every user turn, `user_prefix`) so its KV cache
        is ready before the first request.

        Queued on the engine thread, so a request made meanwhile waits for it; once per engine and prompt
        (later requests keep the prefix in the cache themselves)."""
        key = system_prompt + "\0" + user_prefix
        with self._warm_lock:
            future = self._warming.get(key)
            if future is None:
                future = self._warming[key] = self.submit(self._warm, system_prompt, user_prefix)
            return future

    def _warm(self, system_prompt: str, user_prefix: str = "") -> None:
        started = time.perf_counter()
        if self.state_dir is None:
            for _ in self.llama.create_chat_completion(
                messages=[{"role": "system", "content": system_prompt}, {"role": "user", "content": "."}],
                max_tokens=1,
                temperature=0.0,
                stream=True,
            ):
                pass
            self.warm_source = "evaluated"
        else:
            self.restore_prefix(system_prompt, user_prefix)
        log.info("seconds=<%.2f>, source=<%s> | local model warm", time.perf_counter() - started, self.warm_source)

    def prefix_tokens(self, system_prompt: str, user_prefix: str = "") -> list[int]:
        """The tokens every request with this system prompt starts with (the system turn and the user turn's
        fixed opening): what the KV cache keeps between calls."""
        first = self.prompt_tokens([{"role": "system", "content": system_prompt},
                                    {"role": "user", "content": user_prefix + "A"}])
        second = self.prompt_tokens([{"role": "system", "content": system_prompt},
                                     {"role": "user", "content": user_prefix + "B"}])
        length = next((i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b), len(first))
        return first[:length]

    def restore_prefix(self, system_prompt: str, user_prefix: str = "", *, cut: bool = True) -> None:
        """Leave exactly the prompt prefix in the KV cache: cut back to it when it is cached, else load it from
        the state file the first warm-up on this machine saved, else evaluate it (and save that file).

        On two cores the 1,400-token system prompt takes ~40 s to evaluate and ~0.1 s to load: with the file,
        the first call of a fresh server costs about what a warm one does. Call it on the engine thread."""
        llama = self.llama
        tokens = self.prefix_tokens(system_prompt, user_prefix)
        held = list(llama.input_ids[: min(llama.n_tokens, len(tokens))])
        common = next((i for i, (a, b) in enumerate(zip(held, tokens, strict=False)) if a != b), len(held))
        if common == len(tokens):
            if cut:  # (a request keeps what it holds beyond the prefix: a repair round continues its turn)
                self._keep(len(tokens))
            self.warm_source = "cached"
            return
        path = self._state_path(tokens)
        if path is not None and path.is_file() and self._load_state(path, tokens):
            self.warm_source = "loaded"
            return
        if common == 0:
            llama.reset()
        self._keep(common)  # evaluate only what differs from what is held (another source's lead, say)
        llama.eval(tokens[common:])
        self.warm_source = "evaluated"
        if path is not None:
            self._save_state(path, tokens)

    MAX_STATE_FILES = 12  # ~45 MB each; old prompt versions and rare sources age out

    def _prune(self, keep: Path) -> None:
        """Remove all but the most recently used state files (a prompt change leaves its old files behind)."""
        files = sorted(keep.parent.glob("prefix-*.bin"), key=lambda found: found.stat().st_mtime, reverse=True)
        for stale in files[self.MAX_STATE_FILES:]:
            if stale != keep:
                stale.unlink(missing_ok=True)

    def _keep(self, count: int) -> None:
        """Drop everything in the KV cache after the first `count` tokens."""
        llama = self.llama
        if llama.n_tokens > count:
            llama._ctx.kv_cache_seq_rm(-1, count, -1)
            llama.n_tokens = count

    def _state_path(self, tokens: list[int]) -> Path | None:
        if self.state_dir is None:
            return None
        import hashlib

        import llama_cpp

        stat = self.path.stat()
        identity = json.dumps([self.path.name, stat.st_size, llama_cpp.__version__, self.n_ctx, tokens])
        return self.state_dir / f"prefix-{hashlib.sha256(identity.encode()).hexdigest()[:24]}.bin"

    def _load_state(self, path: Path, tokens: list[int]) -> bool:
        import ctypes

        import llama_cpp

        llama = self.llama
        llama.reset()
        found = (llama_cpp.llama_token * len(tokens))()
        count = ctypes.c_size_t(0)
        ok = llama_cpp.llama_state_load_file(llama._ctx.ctx, str(path).encode(), found, len(tokens),
                                             ctypes.byref(count))
        if not ok or list(found[: count.value]) != tokens:
            log.warning("path=<%s> | the saved prompt state does not fit this model; evaluating instead", path)
            llama.reset()
            llama._ctx.kv_cache_clear()
            return False
        llama.input_ids[: len(tokens)] = tokens
        llama.n_tokens = len(tokens)
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruning keeps it
        return True

    def _save_state(self, path: Path, tokens: list[int]) -> None:
        import llama_cpp

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            array = (llama_cpp.llama_token * len(tokens))(*tokens)
            if not llama_cpp.llama_state_save_file(self.llama._ctx.ctx, str(partial).encode(), array, len(tokens)):
                raise OSError("llama.cpp could not write the state file")
            partial.replace(path)  # whole or absent: a crash mid-write leaves no half file under the real name
            self._prune(keep=path)
        except OSError as exc:
            log.warning("path=<%s>, error=<%s> | could not keep the prompt state; the next start evaluates it",
                        path, exc)

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
        should_stop: Callable[[], bool],
        decoder: str = "grammar",
        cache_prefix: str = "",
        drafts: dict[str, str] | None = None,
        prose: Collection[str] = (),
    ) -> Iterator[tuple[str, str | None]]:
        """(text delta, finish reason) pairs; stops between tokens once `should_stop()` is true.

        `cache_prefix`: the fixed start of the user turn (after the system prompt). Its KV cache is restored
        (held, loaded from its state file, or evaluated once and saved) before the rest is evaluated, so
        requests that share it pay only for what follows, even when the previous request had another one.
        Only an engine that keeps prompt states (`state_dir`, as `calledit serve` loads it) manages this.

        `decoder`: "schema" walks an object schema and feeds forced text in batches (providers/decoding.py);
        "grammar" samples every token under llama.cpp's grammar for the schema. With "schema": `drafts`, text
        a top-level field likely starts with, checked by the model several tokens at a time (a guess that is
        wrong costs a larger batch, never a different answer); `prose`, top-level fields written for people
        (no ISO timestamps: decoding.prose_grammar). Call it on the engine thread.
        """
        if (cache_prefix and self.state_dir is not None and len(messages) >= 2 and messages[0]["role"] == "system"
                and messages[1]["content"].startswith(cache_prefix)):
            self.restore_prefix(messages[0]["content"], cache_prefix, cut=False)
        if decoder == "schema" and json_schema is not None and json_schema.get("type") == "object":
            yield from self._decode(messages, json_schema, max_tokens, temperature, should_stop, drafts or {}, prose)
            return
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


    def prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The chat as the model's own template writes it, tokenized as llama-cpp-python's chat completion
        does (so the warm-up's KV cache is a prefix of every request)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if self._formatter is None:
            eos = self.llama.detokenize([self.llama.token_eos()], special=True).decode("utf-8", "replace")
            self._formatter = Jinja2ChatFormatter(template=self.llama.metadata["tokenizer.chat_template"],
                                                  eos_token=eos, bos_token="")
        prompt = self._formatter(messages=messages).prompt
        return list(self.llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _decode(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float,
        should_stop: Callable[[], bool],
        drafts: dict[str, str],
        prose: Collection[str],
    ) -> Iterator[tuple[str, str | None]]:
        from calledit.providers.decoding import SchemaDecoder, Stopped

        # Drafts are looked up in the last user turn: the call's own words, hints and instructions.
        lookup = self.llama.tokenize(messages[-1]["content"].encode("utf-8"), add_bos=False, special=False)
        decoder = SchemaDecoder(self.llama, temperature=temperature, max_tokens=max_tokens, should_stop=should_stop,
                                lookup=lookup, drafts=drafts, prose=prose)
        try:
            for piece in decoder.run(self.prompt_tokens(messages), schema):
                if piece:
                    yield piece, None
        except Stopped:
            return
        self.last_decode = (decoder.sampled, decoder.forced)
        self.last_speculation = (decoder.speculation.drafted, decoder.speculation.accepted)
        yield "", "length" if decoder.budget.left <= 0 else "stop"


def load_engine(path: Path, *, n_ctx: int, n_threads: int | None = None, state_dir: Path | None = None) -> Engine:
    """The process's engine for this file and settings, loading it on first use."""
    threads = n_threads or os.cpu_count() or 1
    key = (str(path.resolve()), n_ctx, threads)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if not _ENGINES:
                atexit.register(close_engines)
            engine = _ENGINES[key] = Engine.load(path, n_ctx=n_ctx, n_threads=threads, state_dir=state_dir)
        return engine


def close_engines() -> None:
    """Free every loaded model while the interpreter can still run llama.cpp's cleanup.

    Left to the garbage collector at exit, `Llama.__del__` runs after the module globals it needs are gone
    and prints a TypeError. By the time atexit handlers run the engine threads have finished their work."""
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        engine.close()


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
        stream_interval: float = 0.0,
        decoder: str = "grammar",
    ) -> None:
        self.engine = engine
        self.config: dict[str, Any] = {
            "decoder": decoder,
            "model_id": model_id,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "json_schema": json_schema,
            "context_window_limit": engine.n_ctx,
            "stream_interval": stream_interval,
        }

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return self.config

    def with_schema(self, json_schema: dict[str, Any] | None) -> LlamaModel:
        """This model held to `json_schema` by a grammar, for one request; it shares the engine (and so
        the KV cache and the one thread)."""
        clone = copy.copy(self)
        clone.config = {**self.config, "json_schema": json_schema}
        return clone

    def with_cache_prefix(self, user_prefix: str) -> LlamaModel:
        """This model, told that every user turn it gets starts with `user_prefix` (Engine.chat's
        `cache_prefix`): for one request, like `with_schema`."""
        clone = copy.copy(self)
        clone.config = {**self.config, "cache_prefix": user_prefix}
        return clone

    def with_fields(self, *, drafts: dict[str, str], prose: Collection[str] = ()) -> LlamaModel:
        """This model, told what the named fields likely start with and which are written for people
        (Engine.chat's `drafts` and `prose`): for one request, like `with_schema`."""
        clone = copy.copy(self)
        clone.config = {**self.config, "drafts": dict(drafts), "prose": tuple(prose)}
        return clone

    def warm(self, system_prompt: str, user_prefix: str = "") -> Future[None]:
        """Start evaluating the system prompt on the engine thread; generations queue behind it."""
        return self.engine.warm(system_prompt, user_prefix)

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
                if should_stop():  # cancelled while waiting for the engine thread
                    return
                interval = float(self.config["stream_interval"])
                pending, finish, flushed = "", None, 0.0
                for delta, reason in self.engine.chat(
                    chat,
                    json_schema=json_schema,
                    max_tokens=int(self.config["max_tokens"]),
                    temperature=float(self.config["temperature"]),
                    should_stop=should_stop,
                    decoder=str(self.config["decoder"]),
                    cache_prefix=str(self.config.get("cache_prefix") or ""),
                    drafts=self.config.get("drafts") or None,
                    prose=self.config.get("prose") or (),
                ):
                    pending, finish = pending + delta, reason or finish
                    # Fewer, slightly larger deltas: every wake-up of the event loop takes CPU from llama.cpp.
                    if time.monotonic() - flushed >= interval:
                        emit((pending, finish))
                        pending, flushed = "", time.monotonic()
                if pending or finish:
                    emit((pending, finish))
            except Exception as exc:  # relayed to the consumer, which raises it in its own context
                emit(exc)
            finally:
                emit(None)

        self.engine.submit(work)
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
    if type(exc).__name__ == "MaxTokensReachedException":
        return "the answer hit the token limit before it was complete; raise CALLEDIT_MAX_TOKENS."
    if "context window" in text or "exceed" in text.lower():
        return (
            "the prediction and instructions do not fit the local model's context; raise "
            "CALLEDIT_LOCAL_CONTEXT or shorten the prediction."
        )
    return None
