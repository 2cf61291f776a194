"""The local provider: llama.cpp as a Strands model. A fake llama for the mechanics (streaming, schema,
cancellation, errors); the real default GGUF, once per session, for what only it can show (marked model)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from strands import Agent

from calledit.agents.prompts import call_grammar_schema
from calledit.config import Settings
from calledit.domain.call import CallDraft
from calledit.domain.errors import ConfigurationError, ModelError
from calledit.providers import build_provider
from calledit.providers.base import Provider
from calledit.providers.decoding import SchemaDecoder, _greedy_under, prose_grammar, string_grammar
from calledit.providers.llama import Engine, LlamaModel, chat_messages, explain
from calledit.providers.local import build


class FakeLlama:
    """Speaks llama_cpp.Llama's create_chat_completion(stream=True): one chunk per token, at a set pace."""

    def __init__(self, tokens: list[str], *, delay: float = 0.0, fail_after: int | None = None) -> None:
        self.tokens = tokens
        self.delay = delay
        self.fail_after = fail_after
        self.calls: list[dict[str, Any]] = []
        self.produced = 0
        self.closed = threading.Event()

    def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.calls.append(kwargs)
        return self._chunks(kwargs["max_tokens"])

    def _chunks(self, max_tokens: int) -> Iterator[dict[str, Any]]:
        try:
            yield {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]}
            for index, token in enumerate(self.tokens[:max_tokens]):
                if self.fail_after is not None and index == self.fail_after:
                    raise RuntimeError("llama_decode returned -3")
                time.sleep(self.delay)
                self.produced += 1
                yield {"choices": [{"delta": {"content": token}, "finish_reason": None}]}
            reason = "length" if len(self.tokens) > max_tokens else "stop"
            yield {"choices": [{"delta": {}, "finish_reason": reason}]}
        finally:
            self.closed.set()


def fake_model(llama: FakeLlama, **config: Any) -> LlamaModel:
    return LlamaModel(Engine(llama, path=Path("fake.gguf"), n_ctx=2048), model_id="fake", **config)


async def test_text_streams_through_a_strands_agent() -> None:
    llama = FakeLlama(['{"answer"', ': "', 'yes', '"}'])
    agent = Agent(model=fake_model(llama, json_schema={"type": "object"}), system_prompt="Be brief.",
                  callback_handler=None)
    deltas = [event["data"] async for event in agent.stream_async("Is it?") if event.get("data")]
    assert deltas == ['{"answer"', ': "', "yes", '"}']
    (call,) = llama.calls
    assert call["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is it?"}]
    assert call["response_format"] == {"type": "json_object", "schema": {"type": "object"}}
    assert call["stream"] is True and call["temperature"] == 0.0


async def test_without_a_schema_the_output_is_free() -> None:
    llama = FakeLlama(["Hi"])
    model = fake_model(llama)
    events = [event async for event in model.stream([{"role": "user", "content": [{"text": "hello"}]}])]
    assert llama.calls[0]["response_format"] is None
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}
    assert events[-1]["metadata"]["usage"]["outputTokens"] == 1


async def test_the_token_limit_is_reported() -> None:
    model = fake_model(FakeLlama(["a", "b", "c", "d"]), max_tokens=2)
    events = [event async for event in model.stream([{"role": "user", "content": [{"text": "go"}]}])]
    assert {"messageStop": {"stopReason": "max_tokens"}} in events


async def test_the_cancel_signal_stops_generation_between_tokens() -> None:
    llama = FakeLlama([f"t{i} " for i in range(200)], delay=0.01)
    model = fake_model(llama)
    cancel = threading.Event()
    seen = 0
    async for event in model.stream([{"role": "user", "content": [{"text": "go"}]}], cancel_signal=cancel):
        if "contentBlockDelta" in event:
            seen += 1
            if seen == 3:
                cancel.set()
    assert llama.closed.wait(2)
    assert llama.produced < 10  # stopped within a token or two, not after all 200
    assert model.engine.submit(lambda: "free").result(timeout=2) == "free"  # the engine thread moved on


async def test_asyncio_cancellation_stops_the_worker_and_frees_the_model() -> None:
    llama = FakeLlama([f"t{i} " for i in range(500)], delay=0.01)
    model = fake_model(llama)
    started = asyncio.Event()

    async def consume() -> None:
        async for event in model.stream([{"role": "user", "content": [{"text": "go"}]}]):
            if "contentBlockDelta" in event:
                started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(llama.closed.wait, 2)
    assert llama.produced < 50
    # The next generation gets the model (the engine thread moved on).
    llama.tokens, llama.delay = ["ok"], 0.0
    texts = [e for e in [event async for event in model.stream([{"role": "user", "content": [{"text": "again"}]}])]
             if "contentBlockDelta" in e]
    assert len(texts) == 1


async def test_generations_are_serialised() -> None:
    llama = FakeLlama(["a", "b", "c"], delay=0.02)
    model = fake_model(llama)
    order: list[str] = []

    async def run(name: str) -> None:
        async for event in model.stream([{"role": "user", "content": [{"text": name}]}]):
            if "contentBlockDelta" in event:
                order.append(name)

    await asyncio.gather(run("first"), run("second"))
    assert order in (["first"] * 3 + ["second"] * 3, ["second"] * 3 + ["first"] * 3)


async def test_a_llama_failure_becomes_a_model_error() -> None:
    model = fake_model(FakeLlama(["a", "b", "c"], fail_after=1))
    with pytest.raises(ModelError, match="llama_decode returned -3"):
        async for _ in model.stream([{"role": "user", "content": [{"text": "go"}]}]):
            pass


async def test_structured_output_uses_the_output_models_schema() -> None:
    llama = FakeLlama(['{"prediction_statement": "x"', "}"])
    model = fake_model(llama)

    from pydantic import BaseModel

    class Answer(BaseModel):
        prediction_statement: str

    results = [item async for item in model.structured_output(Answer, [{"role": "user", "content": [{"text": "?"}]}])]
    assert results[-1]["output"] == Answer(prediction_statement="x")
    assert llama.calls[0]["response_format"]["schema"] == Answer.model_json_schema()


def test_messages_become_chat_turns() -> None:
    messages = [
        {"role": "user", "content": [{"text": "first"}, {"text": " part"}]},
        {"role": "assistant", "content": [{"text": "{}"}]},
        {"role": "user", "content": [{"toolResult": {"content": [{"text": "tool says"}]}}]},
    ]
    assert chat_messages(messages, "system") == [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "first part"},
        {"role": "assistant", "content": "{}"},
        {"role": "user", "content": "tool says"},
    ]


def test_context_overflow_is_explained() -> None:
    hint = explain(ValueError("Requested tokens (5000) exceed context window of 4096"))
    assert hint is not None and "CALLEDIT_LOCAL_CONTEXT" in hint
    assert explain(RuntimeError("something else")) is None
    from strands.types.exceptions import MaxTokensReachedException

    hint = explain(MaxTokensReachedException("Model stopped generating due to maximum token limit."))
    assert hint is not None and "CALLEDIT_MAX_TOKENS" in hint


def test_a_missing_model_file_says_what_to_set(tmp_path: Path) -> None:
    settings = Settings(model="local", local_model_path=tmp_path / "nope.gguf", cache_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="CALLEDIT_LOCAL_MODEL_PATH"):
        build_provider(settings)


def test_a_file_that_is_not_a_gguf_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(ConfigurationError, match="could not load"):
        build(Settings(local_model_path=junk, cache_dir=tmp_path), None)


def test_the_grammar_schema_accepts_only_valid_calls() -> None:
    schema = call_grammar_schema()
    assert schema["required"] == list(schema["properties"])
    assert set(schema["properties"]) <= set(CallDraft.model_fields)
    method = schema["properties"]["verification_method"]["properties"]
    assert set(method) == {"source"}  # the criterion and the steps are code's (MethodGuard)
    assert all(field["maxItems"] == 1 for field in method.values())


# --- the real default model (slow: seconds; one load per session) ----------------------------------------


@pytest.fixture(scope="session")
def local_provider() -> Provider:
    return build(Settings(max_tokens=24), None)


@pytest.mark.model
def test_the_default_provider_is_local_and_runs_one_at_a_time(local_provider: Provider) -> None:
    assert Settings().model == "local"
    assert local_provider.concurrency == 1
    assert local_provider.name == "local:qwen2.5-coder-1.5b-instruct-q4_k_m"


@pytest.mark.model
@pytest.mark.parametrize("grammar", [
    string_grammar(","),  # a string's contents and its closing quote
    'root ::= "\\"" ("at_date" | "before_date" | "immediate") "\\""',  # an enum's first tokens
    'root ::= "-"? [0-9]+ ("." [0-9]+)? ","',  # a number and the character after it
])
def test_the_lazy_grammar_check_picks_the_tokens_llamas_sampler_picks(local_provider: Provider, grammar: str) -> None:
    """At temperature 0 the greedy path (the grammar asked about the best token only) writes exactly what
    llama.cpp's sampler chain (the grammar applied to every candidate) writes."""
    from llama_cpp import LlamaGrammar

    llama = local_provider.model.engine.llama
    text = ('<|im_start|>user\nRestate "The Celtics win tonight" as JSON.<|im_end|>\n<|im_start|>assistant\n'
            '{"statement": "')
    prompt = llama.tokenize(text.encode(), add_bos=False, special=True)
    compiled = LlamaGrammar.from_string(grammar, verbose=False)

    def first(tokens: Iterator[int], count: int = 16) -> list[int]:
        taken = []
        for token in tokens:
            taken.append(token)
            if len(taken) == count or llama.detokenize([token]).endswith((b'"', b",", b'",')):
                break
        return taken

    naive = first(llama.generate(prompt, temp=0.0, grammar=compiled, top_k=40, top_p=0.95, min_p=0.05,
                                 repeat_penalty=1.0))
    llama.reset()  # a cold cache for the lazy path
    lazy = first(_greedy_under(llama, compiled, list(prompt)))
    assert lazy == naive and lazy


def _grammar_takes(llama: Any, grammar: str, text: str) -> bool:
    """Whether llama.cpp's grammar sampler lets the model write `text` (as the tokenizer splits it)."""
    import ctypes

    import llama_cpp
    from llama_cpp import LlamaGrammar

    compiled = LlamaGrammar.from_string(grammar, verbose=False)
    sampler = llama_cpp.llama_sampler_init_grammar(
        llama._model.vocab, compiled._grammar.encode(), compiled._root.encode())
    one = (llama_cpp.llama_token_data * 1)()
    try:
        for token in llama.tokenize(text.encode(), add_bos=False, special=False):
            one[0].id, one[0].logit, one[0].p = token, 1.0, 0.0
            single = llama_cpp.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(single))
            if one[0].logit == float("-inf"):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


@pytest.mark.model
@pytest.mark.parametrize(("text", "prose"), [
    ('Tesla closes above $300 on 15 March 2027, 09:30.",', True),
    ('The Jets win 3 - 0 at home, COVID-19 or not.",', True),
    ('Tesla closes above $300 on March 15, 2027, 2027-03-15T00:00:00-05:00.",', False),
    ('It rains on 2026-12-02.",', False),
])
def test_a_statement_has_no_room_for_an_iso_timestamp(local_provider: Provider, text: str, prose: bool) -> None:
    llama = local_provider.model.engine.llama
    assert _grammar_takes(llama, string_grammar(","), text)  # any string
    assert _grammar_takes(llama, prose_grammar(","), text) is prose  # text for people: no digit then "-"


NEAR_TIE = 0.5  # logits: evaluating the same context in batches of other sizes moves them by ~0.1-0.2 here


@pytest.mark.model
@pytest.mark.parametrize("prediction", [
    "The Celtics beat the Heat tonight",
    "Bitcoin will close above $120,000 on 31 December 2026",
    "I'll finish my novel by the end of the month",
])
def test_drafts_change_how_fast_the_answer_comes_not_what_it_is(local_provider: Provider, prediction: str) -> None:
    """At temperature 0 the answer with drafts (the prediction's words for the statement, prompt lookup after)
    is the answer without them; where the two part, it is at a near tie, which the rounding of a batch of
    another size decides (jump-forward batches have the same property), never a guess the model refused."""
    import numpy as np

    llama = local_provider.model.engine.llama
    schema = {"type": "object", "properties": {
        "statement": {"type": "string"}, "mode": {"enum": ["at_date", "before_date", "immediate"]},
        "source": {"type": "string"}}, "required": ["statement", "mode", "source"]}
    turn = (f"Restate the prediction with its date in words, then its mode and where to check it.\n"
            f"<prediction>\n{prediction}\n</prediction>\nToday: Tuesday 1 December 2026.")
    prompt = llama.tokenize(f"<|im_start|>user\n{turn}<|im_end|>\n<|im_start|>assistant\n".encode(),
                            add_bos=False, special=True)
    llama.reset()
    plain = SchemaDecoder(llama, max_tokens=120)
    without = "".join(plain.run(prompt, schema))
    llama.reset()
    drafted = SchemaDecoder(llama, max_tokens=120, drafts={"statement": prediction},
                            lookup=llama.tokenize(turn.encode(), add_bos=False))
    with_drafts = "".join(drafted.run(prompt, schema))
    assert json.loads(with_drafts) and json.loads(without)
    assert drafted.speculation.accepted > 0 and plain.speculation.drafted == 0
    if with_drafts != without:
        ours, theirs = drafted.tokens, plain.tokens
        at = next(index for index, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
        llama.reset()
        llama.eval(theirs[:at])
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),))
        assert abs(float(logits[ours[at]]) - float(logits[theirs[at]])) < NEAR_TIE, (with_drafts, without)


@pytest.mark.model
async def test_the_real_model_streams_json_that_follows_the_schema(local_provider: Provider) -> None:
    schema = {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}, "required": ["answer"],
              "additionalProperties": False}
    model = local_provider.model
    model_copy = LlamaModel(model.engine, model_id="probe", max_tokens=12, json_schema=schema)
    deltas = [event["contentBlockDelta"]["delta"]["text"]
              async for event in model_copy.stream([{"role": "user", "content": [{"text": "Is 2+2 four?"}]}])
              if "contentBlockDelta" in event]
    assert len(deltas) > 1  # streamed token by token
    assert json.loads("".join(deltas))["answer"] in ("yes", "no")


@pytest.mark.model
async def test_the_real_model_stops_when_cancelled(local_provider: Provider) -> None:
    model = LlamaModel(local_provider.model.engine, model_id="probe", max_tokens=200)
    cancel = threading.Event()
    seen = 0
    started = time.perf_counter()
    async for event in model.stream([{"role": "user", "content": [{"text": "Count from 1 to 100."}]}],
                                    cancel_signal=cancel):
        if "contentBlockDelta" in event:
            seen += 1
            if seen == 2:
                cancel.set()
    assert seen <= 3
    assert await asyncio.to_thread(lambda: model.engine.submit(lambda: "free").result(timeout=10)) == "free"
    assert time.perf_counter() - started < 60


async def test_a_second_run_waits_in_line_and_is_told_its_place() -> None:
    from calledit.agents.session import CallSession
    from calledit.agents.setup import creation_agent
    from calledit.domain.events import MakeCall, StatusEvent
    from calledit.providers.scripted import plausible_call

    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    answer = json.dumps(plausible_call("It rains tomorrow", now))
    llama = FakeLlama([answer[i:i + 8] for i in range(0, len(answer), 8)], delay=0.002)
    provider = Provider(name="local:fake", model=fake_model(llama, json_schema=call_grammar_schema()), concurrency=1)
    session = CallSession(creation_agent(Settings(model="local"), provider, clock=lambda: now))
    request = MakeCall(action="makecall", prompt="It rains tomorrow", timezone="UTC")

    async def run() -> list[Any]:
        return [event async for event in session.run(request)]

    first, second = await asyncio.gather(run(), run())
    queued = [e for e in second if isinstance(e, StatusEvent) and e.status == "queued"]
    assert [e.position for e in queued] == [1]
    assert not any(isinstance(e, StatusEvent) and e.status == "queued" for e in first)
    assert first[-1].status == second[-1].status == "complete"


async def test_each_request_is_held_to_the_schema_it_brings() -> None:
    """The provider knows no agent: the creation agent's call schema and the verifier's verdict schema each
    become that request's grammar, and the shared model stays unconstrained."""
    from calledit.agents.creation import CALL_OUTPUT
    from calledit.agents.verification import VERDICT_OUTPUT
    from calledit.providers.local import constrain

    llama = FakeLlama(['{"answer": "yes"}'])
    provider = Provider(name="local:fake", model=fake_model(llama), concurrency=1, native_structured_output=True,
                        constrain=constrain)
    for output in (CALL_OUTPUT, VERDICT_OUTPUT):
        agent = Agent(model=provider.model_for(output), system_prompt="Be brief.", callback_handler=None)
        async for _ in agent.stream_async("Is it?"):
            pass
    assert [call["response_format"]["schema"] for call in llama.calls] == [CALL_OUTPUT.schema, VERDICT_OUTPUT.schema]
    assert provider.model.get_config()["json_schema"] is None
    assert provider.model_for(None) is provider.model


def test_the_thread_setting_is_honoured_and_workers_sleep_while_they_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    import calledit.providers.llama as llama_module
    from calledit.providers import local

    monkeypatch.setenv("CALLEDIT_LLAMA_THREADS", "1")
    settings = Settings()
    assert settings.local_threads == 1
    seen: dict[str, Any] = {}

    def fake_load(path: Any, *, n_ctx: int, n_threads: int | None = None, **_: Any) -> Engine:
        seen["n_threads"] = n_threads
        return Engine(FakeLlama(["{}"]), path=Path("fake.gguf"), n_ctx=n_ctx)

    monkeypatch.setattr(local, "load_engine", fake_load)
    monkeypatch.setattr(local, "model_path", lambda *_: Path("fake.gguf"))
    local.build(settings, None)
    assert seen["n_threads"] == 1
    assert llama_module.os.environ["OMP_WAIT_POLICY"]  # set before llama_cpp is imported (PASSIVE by default)


@pytest.mark.model
def test_the_prompt_prefix_is_kept_on_disk_for_the_next_start(local_provider: Provider, tmp_path: Path) -> None:
    """The first start evaluates the system prompt and saves its KV cache; a fresh engine loads it instead
    and continues exactly as if it had evaluated it; a damaged file is evaluated again, never trusted."""
    path = local_provider.model.engine.path
    system = "You answer in one short word."
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "Is ice cold?"}]

    def greedy(engine: Engine) -> list[int]:
        tokens = []
        for token in engine.llama.generate(engine.prompt_tokens(messages), temp=0.0):
            tokens.append(token)
            if len(tokens) == 6:
                break
        return tokens

    engines = [Engine.load(path, n_ctx=256, n_threads=2, state_dir=tmp_path) for _ in range(3)]
    try:
        first, second, third = engines
        first.submit(first.restore_prefix, system).result()
        assert first.warm_source == "evaluated"
        (saved,) = tmp_path.glob("prefix-*.bin")
        first.submit(first.restore_prefix, system).result()
        assert first.warm_source == "cached"
        expected = first.submit(greedy, first).result()

        second.submit(second.restore_prefix, system).result()
        assert second.warm_source == "loaded"
        assert second.submit(greedy, second).result() == expected

        saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
        third.submit(third.restore_prefix, system).result()
        assert third.warm_source == "evaluated"
        assert third.submit(greedy, third).result() == expected
    finally:
        for engine in engines:
            engine.close()


def test_old_prompt_states_are_pruned_newest_kept(tmp_path: Path) -> None:
    """A prompt change leaves its old state files behind: only the most recently used dozen stay."""
    import os

    engine = Engine(FakeLlama(["{}"]), path=Path("fake.gguf"), n_ctx=64, state_dir=tmp_path)
    try:
        files = []
        for index in range(Engine.MAX_STATE_FILES + 3):
            file = tmp_path / f"prefix-{index:02d}.bin"
            file.write_bytes(b"x")
            os.utime(file, (1_000_000 + index, 1_000_000 + index))
            files.append(file)
        engine._prune(keep=files[-1])
        left = sorted(path.name for path in tmp_path.glob("prefix-*.bin"))
        assert left == [file.name for file in files[3:]]
    finally:
        engine.close()
