"""Schema-guided decoding for llama.cpp: the model samples only what it decides; the rest is fed in batches.

Grammar-constrained decoding of a JSON object spends one decode step per token, also on the tokens the
grammar forces: keys, quotes, commas, the rest of an enum value once its first token picked it. Here code
walks the JSON Schema instead. Forced text (`{"prediction_statement": "`) is appended to the context and
evaluated in one batch with whatever the model sampled before it (jump-forward decoding); the model
samples only string contents (under a grammar that ends at the closing quote), the first tokens of an enum
value (the remainder is forced once one value is left), numbers, and whether a list goes on. Parts of a
schema this walker does not take apart (`anyOf` of objects, string patterns) are sampled under llama.cpp's
own grammar for that part, so the output always follows the schema.

The KV cache keeps every token: each step's prompt is the previous one plus what was added, and the
longest common prefix is reused, so nothing is evaluated twice. At temperature 0 the grammar is asked
about the best token only, and applied to the whole vocabulary only when it refuses that one
(`_greedy_under`: the same tokens as llama.cpp's sampler chain, without its ~25 ms a step).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from calledit.domain.schema import inline_refs

_STRING_BODY = r'[^"\\\x7F\x00-\x1F]*'


def string_grammar(follow: str) -> str:
    """A string's contents and its closing quote, which may come with the one character that must follow
    it (the model's tokenizer writes `",` and `"}` as single tokens; forbidding them would make it ramble)."""
    tail = " | ".join(json.dumps(char) for char in follow)
    return f'root ::= {_STRING_BODY} "\\"" ({tail})?' if follow else f'root ::= {_STRING_BODY} "\\""'
def prose_grammar(follow: str) -> str:
    """`string_grammar` for text written for people: no digit is followed by "-" ("2027-03-15T00:00", an ISO
    timestamp a small model copies from its examples and that code then removes: ~20 decode steps)."""
    tail = " | ".join(json.dumps(char) for char in follow)
    ending = f'"\\"" ({tail})?' if follow else '"\\""'
    return (f"root ::= item* [0-9]* {ending}\n"
            r'item ::= [^"\\\x7F\x00-\x1F0-9] | [0-9]+ [^"\\\x7F\x00-\x1F0-9\x2D]')


_NUMBER = r'"-"? ([0-9] | [1-9] [0-9]{0,8}) ("." [0-9]{1,4})?'  # capped: a small model may not stop
MAX_STRING_TOKENS = 80  # a field longer than this is closed (the validators then judge it)
MAX_PART_TOKENS = 160


class Stopped(Exception):
    """The run was cancelled between tokens."""


@dataclass
class Budget:
    """Sampled tokens left for the whole answer (forced tokens are free: they cost no decode step each)."""

    left: int


class SchemaDecoder:
    """One answer: `run(prompt_tokens, schema)` yields text deltas (forced and sampled) as they are known."""

    def __init__(
        self,
        llama: Any,
        *,
        temperature: float = 0.0,
        max_tokens: int = 700,
        should_stop: Callable[[], bool] = lambda: False,
        lookup: Sequence[int] = (),
        drafts: dict[str, str] | None = None,
        prose: Collection[str] = (),
    ) -> None:
        from llama_cpp.llama_grammar import LlamaGrammar

        self.llama = llama
        self.grammar = LlamaGrammar
        self.temperature = temperature
        self.budget = Budget(max_tokens)
        self.should_stop = should_stop
        self.tokens: list[int] = []
        self._grammars: dict[str, Any] = {}
        self.sampled = 0  # decode steps the model took (for benchmarks and tests)
        self.forced = 0  # tokens fed without a decode step of their own
        # Speculation on the greedy path: the prompt's tokens to look drafts up in, and a likely start for a
        # top-level field by name (the statement usually begins with the prediction's words). A guess is
        # checked by the model, never trusted: it changes how fast the answer comes, not what it is.
        self.lookup = list(lookup)
        self.drafts = dict(drafts or {})
        self.speculation = Speculation()
        self._draft: list[int] = []
        self.prose = frozenset(prose)  # top-level string fields written for people (`prose_grammar`)
        self._prose = False

    # --- the walk ----------------------------------------------------------------------------------

    def run(self, prompt_tokens: list[int], schema: dict[str, Any]) -> Iterator[str]:
        self.tokens = list(prompt_tokens)
        self._carry = ""
        yield from self._value(inline_refs(schema), follow="")

    def _value(self, schema: dict[str, Any], follow: str) -> Iterator[str]:
        """Write one value of `schema`; `follow` holds the characters that may come right after it."""
        if "const" in schema:
            yield self._force(json.dumps(schema["const"]))
        elif "enum" in schema:
            yield from self._choose([json.dumps(value) for value in schema["enum"]])
        elif schema.get("type") == "object" and "properties" in schema and "anyOf" not in schema:
            yield from self._object(schema)
        elif _walkable_branches(schema):
            yield from self._branches(schema["anyOf"])
        elif _is_number(schema) and len(follow) == 1:
            yield from self._number(follow)
        elif schema.get("type") == "array" and _plain_items(schema):
            yield from self._array(schema)
        elif schema.get("type") == "string" and not set(schema) - {"type", "minLength", "description", "title"}:
            yield self._force('"')
            yield from self._string(follow)
        elif _nullable_string(schema):
            choice = yield from self._choose(["null", '"'])
            if choice == '"':
                yield from self._string(follow)
        else:
            yield from self._by_grammar(schema)

    def _object(self, schema: dict[str, Any]) -> Iterator[str]:
        names = list(schema["properties"])
        for index, name in enumerate(names):
            separator = "{" if index == 0 else ", "
            yield self._force(f"{separator}{json.dumps(name)}: ")
            if self.drafts.get(name):
                self._draft = self.llama.tokenize(self.drafts[name].encode("utf-8"), add_bos=False, special=False)
            self._prose = name in self.prose
            yield from self._value(schema["properties"][name], follow="}" if index == len(names) - 1 else ",")
            self._draft, self._prose = [], False
        yield self._force("}" if names else "{}")

    def _branches(self, branches: list[dict[str, Any]]) -> Iterator[str]:
        """One of several objects with the same keys in the same order (a source's query per variable): keys
        are forced, a key whose values tell the branches apart is a choice that narrows them, and the rest
        is written by the schema every branch still alive shares."""
        names = list(branches[0]["properties"])
        alive = branches
        for index, name in enumerate(names):
            separator = "{" if index == 0 else ", "
            yield self._force(f"{separator}{json.dumps(name)}: ")
            follow = "}" if index == len(names) - 1 else ","
            values = _choices([branch["properties"][name] for branch in alive])
            if values is None:
                yield from self._value(alive[0]["properties"][name], follow=follow)
                continue
            chosen = yield from self._choose(values)
            alive = [branch for branch in alive if chosen in (_choices([branch["properties"][name]]) or ())]
        yield self._force("}")

    def _array(self, schema: dict[str, Any]) -> Iterator[str]:
        """A list of plain strings: the model decides after each item whether another comes (often in the
        same token as the item's closing quote: `",` or `"]`)."""
        low, high = int(schema.get("minItems", 0)), int(schema.get("maxItems", 8))
        yield self._force("[")
        count = 0
        while True:
            if count == 0:
                if low == 0:
                    if (yield from self._choose(['"', "]"])) == "]":
                        return
                else:
                    yield self._force('"')
            else:
                carried, self._carry = self._carry, ""
                if carried == "]":
                    return
                if carried == ",":
                    yield self._force(' "')
                elif count >= high or (count >= low and self.budget.left <= 0):
                    yield self._force("]")
                    return
                elif count >= low:
                    if (yield from self._choose([', "', "]"])) == "]":
                        return
                else:
                    yield self._force(', "')
            follow = "," if count + 1 < low else (",]" if count + 1 < high else "]")
            yield from self._string(follow)
            count += 1

    def _string(self, follow: str) -> Iterator[str]:
        """The contents of a string whose opening quote is written, up to and with its closing quote (and
        the following character when the model's token carried it: remembered in `_carry`)."""
        text = ""
        # The model may close with `",` also where a comma cannot follow (the object's last field): its
        # tokenizer writes `."` + `,` as one token it prefers, and refused it, it writes on instead (to the
        # field's token limit). The comma is then left out of the answer (the context keeps the token).
        taken = follow if "," in follow or not follow else follow + ","
        grammar = prose_grammar(taken) if self._prose else string_grammar(taken)
        self._prose = False
        for piece in self._sample(grammar, MAX_STRING_TOKENS):
            closing = _closing_quote(text + piece)
            if closing is not None:
                carried = (text + piece)[closing + 1:]  # "" when the quote came alone
                if carried and carried not in follow:
                    piece, carried = piece[: len(piece) - len(carried)], ""
                self._carry = carried
                yield piece
                return
            text += piece
            yield piece
        yield self._force('"')  # out of tokens for this field: close it

    def _number(self, terminator: str) -> Iterator[str]:
        """A number and the character after it (the grammar needs to see where it ends; it is carried)."""
        grammar = f"root ::= {_NUMBER} {json.dumps(terminator)}"
        text = ""
        for piece in self._sample(grammar, 24):
            text += piece
            if text.endswith(terminator):
                yield piece
                self._carry = terminator
                return
            yield piece
        yield self._force("0" if not text else "")

    def _by_grammar(self, schema: dict[str, Any]) -> Iterator[str]:
        """A part this walker does not take apart, sampled under llama.cpp's grammar for it."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = self.grammar.from_json_schema(key, verbose=False)
        yield from self._sample(self._grammars[key], MAX_PART_TOKENS, until_complete=True)

    def _choose(self, options: list[str]) -> Generator[str, None, str]:
        """One of `options`: sample until one is left, then force the rest of it. Returns the option."""
        if len(options) == 1:  # nothing to decide
            yield self._force(options[0])
            return options[0]
        grammar = "root ::= " + " | ".join(json.dumps(option) for option in options)
        text = ""
        left = options
        for piece in self._sample(grammar, 16, stop_when=lambda done: _settled(done, options)):
            text += piece
            yield piece
            left = [option for option in options if option.startswith(text)]
            if _settled(text, options):
                break
        left = [option for option in options if option.startswith(text)] or left
        chosen = next((option for option in left if option == text), left[0])
        if len(chosen) > len(text):
            yield self._force(chosen[len(text):])
        return chosen

    # --- the model -----------------------------------------------------------------------------------

    def _force(self, text: str) -> str:
        """Append text the schema dictates; it is evaluated with the next sampling step, in one batch. Text
        the model already wrote (the character it carried after a closing quote) is not written again."""
        if self._carry and text.startswith(self._carry):
            text = text[len(self._carry):]
        self._carry = ""
        if text:
            tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            self.tokens.extend(tokens)
            self.forced += len(tokens)
        return text

    def _sample(
        self,
        grammar: str | Any,
        limit: int,
        *,
        until_complete: bool = False,
        stop_when: Callable[[str], bool] | None = None,
    ) -> Iterator[str]:
        """Text pieces the model samples under `grammar` (GBNF text or a LlamaGrammar), at most `limit`
        tokens; with `until_complete`, until the grammar is satisfied (the model then can only end)."""
        if isinstance(grammar, str):
            compiled = self._grammars.get(grammar)
            if compiled is None:
                compiled = self._grammars[grammar] = self.grammar.from_string(grammar, verbose=False)
        else:
            compiled = grammar
        if self.temperature == 0.0 and _lazy_grammar_available(self.llama):
            draft, self._draft = self._draft, []
            generator: Iterator[int] = _greedy_under(self.llama, compiled, self.tokens, draft=draft,
                                                     region=self.lookup, stats=self.speculation)
        else:
            generator = self.llama.generate(self.tokens, temp=self.temperature, grammar=compiled, top_k=40,
                                            top_p=0.95, min_p=0.05, repeat_penalty=1.0)
        pending = b""
        text = ""
        try:
            for count, token in enumerate(generator):
                if self.should_stop():
                    raise Stopped
                if _is_end(self.llama, token):
                    return
                self.tokens.append(token)
                self.sampled += 1
                self.budget.left -= 1
                pending += self.llama.detokenize([token])
                try:
                    piece = pending.decode("utf-8")
                except UnicodeDecodeError:  # a character split over tokens: wait for the rest
                    piece = None
                if piece is not None:
                    pending = b""
                    text += piece
                    yield piece
                    if stop_when is not None and stop_when(text):
                        return
                if count + 1 >= limit or self.budget.left <= 0:
                    return
        finally:
            generator.close()  # type: ignore[attr-defined]


def _lazy_grammar_available(llama: Any) -> bool:
    """Whether `llama` is a llama-cpp-python `Llama` whose context and vocabulary the greedy path can reach."""
    return hasattr(llama, "_ctx") and hasattr(getattr(llama, "_model", None), "vocab") and hasattr(llama, "input_ids")


# Prompt lookup, tuned on dev predictions (2 cores): a batch of four costs about two decode steps, and a
# guess after a 3-token match was right 66% of the time (after a 1-token match 37%, which lost time).
DRAFT_TOKENS = 3
LOOKUP_NGRAM = 3


def draft_from(region: Sequence[int], context: Sequence[int], limit: int = DRAFT_TOKENS) -> list[int]:
    """Prompt lookup: the tokens that followed the context's last LOOKUP_NGRAM tokens where they last occur
    in `region` (with something after them); [] when they do not occur."""
    if len(context) < LOOKUP_NGRAM:
        return []
    tail = list(context[-LOOKUP_NGRAM:])
    for start in range(len(region) - LOOKUP_NGRAM - 1, -1, -1):  # the latest occurrence with something after it
        if list(region[start:start + LOOKUP_NGRAM]) == tail:
            return list(region[start + LOOKUP_NGRAM:start + LOOKUP_NGRAM + limit])
    return []


@dataclass
class Speculation:
    """Drafted tokens and how many of them the model wrote (for benchmarks and tests)."""

    drafted: int = 0
    accepted: int = 0


def _greedy_under(
    llama: Any,
    grammar: Any,
    tokens: list[int],
    *,
    draft: Sequence[int] = (),
    region: Sequence[int] = (),
    stats: Speculation | None = None,
) -> Iterator[int]:
    """Greedy tokens under `grammar`, checking the grammar on the chosen token only, with drafts checked
    several at a time.

    llama.cpp's sampler chain applies the grammar to every candidate (151,936 for Qwen2.5) before taking the
    best: ~25 ms of a ~110 ms step on two cores. At temperature 0 the answer is the best token the grammar
    allows, so this takes the best token, asks the grammar about that one, and only when it is refused
    applies the grammar to all of them (what upstream llama.cpp's common sampler does).

    Speculation: a guess of the next tokens (`draft` first, then prompt lookup in `region`: text the answer
    copies, such as the prediction's own words or a date from the hints) is evaluated in the same batch as
    the token before it, keeping the logits of every position. The model's own pick at each position is
    taken; the guess is used only as far as it equals those picks, and the cache is cut after the first
    miss. So the tokens are the model's greedy ones (as `Llama.generate(temp=0, grammar=...)` writes them,
    up to the rounding of batched arithmetic), and a guess costs at most a larger batch.

    `tokens` is the context, as `generate` takes it; the longest cached prefix is reused, as `generate`
    does."""
    import ctypes

    import llama_cpp
    import numpy as np

    n_vocab = llama.n_vocab()
    sampler = llama_cpp.llama_sampler_init_grammar(
        llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8"))
    one = (llama_cpp.llama_token_data * 1)()
    stats = stats if stats is not None else Speculation()

    def pick(index: int) -> int:
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(index), shape=(n_vocab,))
        token = int(np.argmax(logits))
        one[0].id, one[0].logit, one[0].p = token, float(logits[token]), 0.0  # type: ignore[assignment]
        single = llama_cpp.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(single))
        if not np.isfinite(one[0].logit):  # refused: the best of what the grammar allows
            token = _best_allowed(sampler, logits)
        llama_cpp.llama_sampler_accept(sampler, token)
        return token

    try:
        common = 0
        for cached, wanted in zip(llama.input_ids[: llama.n_tokens], tokens, strict=False):
            if int(cached) != wanted:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # the last token is evaluated again: its logits are needed
        llama.n_tokens = common  # the next evaluation drops the KV cache from here
        context = list(tokens)
        pending = context[common:]
        guess = list(draft) or draft_from(region, context)
        while True:
            before = llama.n_tokens
            first = _eval_keeping(llama, pending + guess, keep=len(guess) + 1)
            stats.drafted += len(guess)
            for offset in range(len(guess) + 1):
                token = pick(first + offset)
                context.append(token)
                yield token
                if offset < len(guess) and token == guess[offset]:
                    stats.accepted += 1
                    continue  # the guess was right: its logits are already there
                llama.n_tokens = before + len(pending) + offset  # what follows a miss is dropped
                pending = [token]
                break
            guess = draft_from(region, context)
    finally:
        llama_cpp.llama_sampler_free(sampler)


def _eval_keeping(llama: Any, tokens: list[int], keep: int) -> int:
    """`llama.eval(tokens)`, keeping the logits of the last `keep` tokens (llama-cpp-python keeps only the
    last one's); returns the batch index of the first kept."""
    head = len(tokens) - keep
    if len(tokens) > llama.n_batch:  # the kept ones go in the last batch, whole
        llama.eval(tokens[:head])
        tokens, head = tokens[head:], 0
    llama._ctx.kv_cache_seq_rm(-1, llama.n_tokens, -1)
    n_past = llama.n_tokens
    batch = llama._batch
    batch.set_batch(batch=tokens, n_past=n_past, logits_all=False)
    for index in range(len(tokens)):
        batch.batch.logits[index] = index >= head
    llama._ctx.decode(batch)
    llama.input_ids[n_past:n_past + len(tokens)] = tokens
    llama.n_tokens += len(tokens)
    return head


def _best_allowed(sampler: Any, logits: Any) -> int:
    import ctypes

    import llama_cpp
    import numpy as np

    data = np.zeros(len(logits), dtype=np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)],
                                                 align=True))
    data["id"] = np.arange(len(logits), dtype=np.int32)
    data["logit"] = logits
    every = llama_cpp.llama_token_data_array(
        data=data.ctypes.data_as(llama_cpp.llama_token_data_p), size=len(logits), selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(every))
    return int(data["id"][int(np.argmax(data["logit"]))])


def _is_end(llama: Any, token: int) -> bool:
    """An end-of-generation token (EOS, <|im_end|>, ...): the grammar is complete."""
    if token == llama.token_eos():
        return True
    model = getattr(llama, "_model", None)  # llama-cpp-python keeps the vocabulary there
    if model is None:
        return False
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(model.vocab, token))


def _closing_quote(text: str) -> int | None:
    """Where the string's closing quote is (the grammar allows no escapes, so the first quote)."""
    index = text.find('"')
    return index if index >= 0 else None


def _settled(text: str, options: list[str]) -> bool:
    """One option is left, or the text is an option no other option extends."""
    left = [option for option in options if option.startswith(text)]
    return len(left) == 1 or (text in options and all(not o.startswith(text) or o == text for o in options))


def _is_number(schema: dict[str, Any]) -> bool:
    return schema.get("type") in ("number", "integer") and "enum" not in schema and "const" not in schema


def _plain_items(schema: dict[str, Any]) -> bool:
    items = schema.get("items", {})
    return items.get("type") == "string" and not set(items) - {"type", "minLength"}


def _choices(schemas: list[dict[str, Any]]) -> list[str] | None:
    """The JSON texts a property may take across branches when each branch fixes it to a const or an enum
    (in first-seen order), or None when a branch leaves it open."""
    found: list[str] = []
    for schema in schemas:
        if "const" in schema:
            values = [schema["const"]]
        elif "enum" in schema:
            values = list(schema["enum"])
        else:
            return None
        found.extend(text for text in map(json.dumps, values) if text not in found)
    return found


def _walkable_branches(schema: dict[str, Any]) -> bool:
    """`anyOf` of objects with the same keys in the same order, where each key is either a choice in every
    branch (const/enum) or the same schema in every branch: walked like one object."""
    branches = schema.get("anyOf")
    if set(schema) - {"anyOf", "description", "title"} or not isinstance(branches, list) or len(branches) < 2:
        return False
    if not all(b.get("type") == "object" and isinstance(b.get("properties"), dict) and "anyOf" not in b
               for b in branches):
        return False
    names = list(branches[0]["properties"])
    if not names or any(list(b["properties"]) != names or set(b.get("required", names)) != set(names)
                        for b in branches):
        return False
    for name in names:
        values = [b["properties"][name] for b in branches]
        if _choices(values) is None and len({json.dumps(v, sort_keys=True) for v in values}) != 1:
            return False
    return True


def _nullable_string(schema: dict[str, Any]) -> bool:
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2:
        return False
    kinds = sorted(json.dumps(branch, sort_keys=True) for branch in branches)
    return kinds == ['{"type": "null"}', '{"type": "string"}']
