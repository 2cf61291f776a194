"""The schema-guided decoder walks the schema: forced text is fed, the model samples only what it decides.

A fake llama "wants" to write a fixed JSON answer and samples its next characters in chunks that, like a
real tokenizer, run a closing quote together with the character after it (`",`). The decoder must end
with exactly that answer, sampling only its string contents, enum prefixes, numbers and list decisions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from calledit.providers.decoding import SchemaDecoder, draft_from, string_grammar

EOS = -1


class FakeLlama:
    def __init__(self, answer: str, prompt: str = "PROMPT") -> None:
        self.answer = answer
        self.vocab: dict[str, int] = {}
        self.texts: dict[int, str] = {}
        self.prompt_tokens = self.tokenize(prompt.encode())
        self.calls = 0

    def _id(self, text: str) -> int:
        if text not in self.vocab:
            self.vocab[text] = len(self.vocab)
            self.texts[self.vocab[text]] = text
        return self.vocab[text]

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return [self._id(char) for char in text.decode()]

    def detokenize(self, tokens: Sequence[int]) -> bytes:
        return "".join(self.texts[token] for token in tokens).encode()

    def token_eos(self) -> int:
        return EOS

    def generate(self, tokens: Sequence[int], **_: Any) -> Iterator[int]:
        self.calls += 1
        written = self.detokenize(list(tokens)[len(self.prompt_tokens):]).decode()
        assert self.answer.startswith(written), f"forced text left the answer: {written!r}"
        rest = self.answer[len(written):]
        while rest:
            # up to 3 characters, never past a quote (a quote may take the character after it) or a , } ]
            stops = [i for i, char in enumerate(rest[:3]) if char in '",}]']
            if not stops:
                size = min(len(rest), 3)
            elif rest[stops[0]] == '"':
                size = stops[0] or (2 if len(rest) > 1 and rest[1] in ",}]" else 1)
            else:
                size = stops[0] + 1
            piece, rest = rest[:size], rest[size:]
            yield self._id(piece)
        yield EOS


SCHEMA = {
    "type": "object",
    "properties": {
        "statement": {"type": "string", "minLength": 1},
        "mode": {"enum": ["immediate", "at_date", "before_date"]},
        "interval": {"enum": ["daily", "weekly", None]},
        "score": {"type": "number"},
        "method": {"type": "object", "properties": {
            "source": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}},
            "steps": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
        }},
        "opponent": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "threshold": {"type": "number"},
    },
}
ANSWER = {"statement": "The Celtics win, at home", "mode": "at_date", "interval": None, "score": 0.9,
          "method": {"source": ["ESPN", "NBA.com"], "steps": ["Read the score", "Compare"]}, "opponent": "Heat",
          "threshold": 1}


def _decode(answer: str) -> tuple[str, SchemaDecoder]:
    llama = FakeLlama(answer)
    decoder = SchemaDecoder(llama, max_tokens=400)
    decoder.grammar = type("Grammars", (), {"from_string": staticmethod(lambda text, verbose=False: text)})
    return "".join(decoder.run(llama.prompt_tokens, SCHEMA)), decoder


def test_the_answer_comes_out_whole_and_valid() -> None:
    answer = json.dumps(ANSWER)
    text, decoder = _decode(answer)
    assert json.loads(text) == ANSWER
    assert text == answer
    assert decoder.forced > 0 and decoder.sampled < len(answer)


@pytest.mark.parametrize("steps", [["one"], ["one", "two"]])
def test_the_model_decides_how_long_a_list_is(steps: list[str]) -> None:
    answer = json.dumps({**ANSWER, "method": {"source": ["ESPN"], "steps": steps}})
    text, _ = _decode(answer)
    assert json.loads(text)["method"]["steps"] == steps


def test_an_enum_value_is_forced_once_its_prefix_is_unique() -> None:
    text, decoder = _decode(json.dumps({**ANSWER, "mode": "before_date"}))
    assert json.loads(text)["mode"] == "before_date"
    keys_and_punctuation = sum(len(json.dumps(name)) + 2 for name in ANSWER)
    assert decoder.forced >= keys_and_punctuation


def test_a_string_may_close_together_with_the_character_after_it() -> None:
    assert string_grammar(",}") == r'root ::= [^"\\\x7F\x00-\x1F]* "\"" ("," | "}")?'
    text, _ = _decode(json.dumps({**ANSWER, "opponent": None}))
    assert json.loads(text)["opponent"] is None


def _branch(variable: list[str], units: list[str]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "properties": {"source": {"const": "weather"}, "place": {"type": "string"},
                           "variable": {"enum": variable}, "threshold": {"type": "number"}, "unit": {"enum": units}},
            "required": ["source", "place", "variable", "threshold", "unit"]}


WEATHER = {"anyOf": [_branch(["temperature_2m_max", "temperature_2m_min"], ["C", "F"]),
                     _branch(["precipitation_sum", "rain_sum"], ["mm", "in"])]}


def _decode_with(schema: dict[str, Any], answer: str) -> tuple[str, SchemaDecoder]:
    llama = FakeLlama(answer)
    decoder = SchemaDecoder(llama, max_tokens=400)
    decoder.grammar = type("Grammars", (), {"from_string": staticmethod(lambda text, verbose=False: text)})
    return "".join(decoder.run(llama.prompt_tokens, schema)), decoder


@pytest.mark.parametrize("query", [
    {"source": "weather", "place": "London", "variable": "rain_sum", "threshold": 0, "unit": "mm"},
    {"source": "weather", "place": "Chicago", "variable": "temperature_2m_min", "threshold": 32, "unit": "F"},
])
def test_branches_with_the_same_keys_are_walked_keys_forced(query: dict[str, Any]) -> None:
    """A source's query per variable (anyOf of objects): keys and the const are fed, the variable picks the
    branch, and only that branch's units remain."""
    answer = json.dumps(query)
    text, decoder = _decode_with(WEATHER, answer)
    assert json.loads(text) == query
    forced_keys = sum(len(json.dumps(name)) + 2 for name in query) + len('"weather"')
    assert decoder.forced >= forced_keys
    assert decoder.sampled < len(answer) - forced_keys


def test_a_single_choice_is_forced_without_sampling() -> None:
    schema = {"type": "object", "properties": {"source": {"enum": ["fact"]}, "question": {"type": "string"}}}
    answer = json.dumps({"source": "fact", "question": "Is it?"})
    text, decoder = _decode_with(schema, answer)
    assert json.loads(text) == {"source": "fact", "question": "Is it?"}
    assert decoder.llama.calls == 1  # only the question was sampled


def test_branches_that_differ_in_shape_fall_back_to_the_grammar() -> None:
    from calledit.providers.decoding import _walkable_branches

    other = {"type": "object", "properties": {"source": {"const": "market"}, "symbol": {"type": "string"}}}
    assert _walkable_branches(WEATHER)
    assert not _walkable_branches({"anyOf": [WEATHER["anyOf"][0], other]})
    differing = _branch(["snowfall_sum"], ["cm"])
    differing["properties"]["place"] = {"type": "string", "pattern": "^[A-Z]"}
    assert not _walkable_branches({"anyOf": [WEATHER["anyOf"][0], differing]})


@pytest.mark.parametrize(("context", "expected"), [
    ([7, 1, 2, 3], [4, 5, 6]),  # the three tokens after the context's last three, where they occur
    ([9, 9, 1, 2, 3], [4, 5, 6]),
    ([2, 3, 4], [5, 6, 1]),
    ([1, 2, 3, 4, 5, 6, 1, 2, 3], [4, 5, 6]),
    ([3, 2, 1], []),  # never written so in the prompt: no guess
    ([1, 2], []),  # too short to look up
])
def test_prompt_lookup_guesses_what_followed_the_same_three_tokens(context: list[int], expected: list[int]) -> None:
    region = [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1]
    assert draft_from(region, context) == expected


def test_prompt_lookup_takes_the_latest_occurrence_and_needs_something_after_it() -> None:
    region = [1, 2, 3, 8, 0, 1, 2, 3, 9]
    assert draft_from(region, [1, 2, 3]) == [9]
    assert draft_from([5, 1, 2, 3], [1, 2, 3]) == []  # the match ends the prompt: nothing to guess


def test_the_last_field_may_close_with_a_comma_token_which_the_answer_leaves_out() -> None:
    """A tokenizer's `",` closes the object's last string as readily as `"`: allowed, so the model does not
    write on to the field's limit, and the comma is left out of the answer."""
    llama = FakeLlama('{"statement": "It rains.",')
    decoder = SchemaDecoder(llama, max_tokens=50)
    decoder.grammar = type("Grammars", (), {"from_string": staticmethod(lambda text, verbose=False: text)})
    schema = {"type": "object", "properties": {"statement": {"type": "string"}}}
    text = "".join(decoder.run(llama.prompt_tokens, schema))
    assert json.loads(text) == {"statement": "It rains."} and text.endswith('."}')
