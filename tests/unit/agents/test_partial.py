from __future__ import annotations

from calledit.agents.partial import PartialCall, json_object_text


def test_fields_appear_once_whole() -> None:
    parser = PartialCall()
    text = 'Sure!\n```json\n{"prediction_statement": "It rains", "verifiability_score": 0.9, "x": 1}\n```'
    updates = [u for u in (parser.feed(text[i : i + 5]) for i in range(0, len(text), 5)) if u is not None]
    assert updates[0] == {"prediction_statement": "It rains"}
    assert updates[-1] == {"prediction_statement": "It rains", "verifiability_score": 0.9}
    assert all("x" not in u for u in updates), "unknown keys never reach clients"
    assert all(not u.get("prediction_statement", "It rains").startswith("It r") or
               u["prediction_statement"] == "It rains" for u in updates), "no half strings"


def test_json_object_text() -> None:
    assert json_object_text('noise {"a": 1} tail') == '{"a": 1} tail'
    assert json_object_text("```json\n{}\n```") == "{}\n"
    assert json_object_text("no object") is None


def test_long_strings_do_not_trigger_reparsing_and_escapes_are_honoured() -> None:
    parser = PartialCall()
    assert parser.feed('He said "hi". {"prediction_statement": "a \\"quoted') is None
    assert parser.feed(" word") is None
    assert parser.feed('\\" and more"') == {"prediction_statement": 'a "quoted word" and more'}
