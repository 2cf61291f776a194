"""Words from users and models reach the terminal as text: never as rich markup, never as escape codes.

The terminal is forced on (TTY_COMPATIBLE=1), as for a person at a real one: rich then writes its own
colours as SGR codes, and would write an OSC 8 hyperlink for `[link=...]` if it ever parsed the text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app
from calledit.cli.render import clean, error_line

runner = CliRunner()

MARKUP_CLOSE = "[/bold]"
MARKUP_LINK = "[link=http://x]y[/link]"
OSC8 = "\x1b]8;;http://evil\x07"
CLEAR = "\x1b[2J"  # a CSI that rich itself never writes
HOSTILE = f"Rain {MARKUP_CLOSE} {MARKUP_LINK} {OSC8}{CLEAR} in Paris tomorrow"
# What rich writes itself: colours (SGR), and the Live display's cursor and line handling.
_RICH_OWN = re.compile(r"\x1b\[(\?25[lh]|[0-9;]*m|[0-9]*[AK])|\r")


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DB", str(tmp_path / "calls.db"))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "300")  # one line per field, so the words can be found whole


def shown(output: str) -> str:
    """The output without rich's own codes; anything left that a terminal acts on came from the text."""
    text = _RICH_OWN.sub("", output)
    assert "\x1b" not in text, f"an escape sequence reached the terminal: {text!r}"
    assert "\x07" not in text and "\x9b" not in text
    return text


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


def test_make_and_log_a_call_with_markup_and_escapes_in_it() -> None:
    result = runner.invoke(app, ["make", HOSTILE, "--log"])
    assert result.exit_code == 0, result.output
    text = shown(result.output)
    assert MARKUP_CLOSE in text and MARKUP_LINK in text, "printed literally"
    assert "]8;;http://evil[2J in Paris" in text  # the escape characters are gone, the rest is visible
    assert "Logged" in text


def test_list_and_show_while_such_a_call_exists() -> None:
    made = runner.invoke(app, ["make", HOSTILE, "--log", "--json"])
    assert made.exit_code == 0, made.output
    call_id = json.loads(made.stdout)["id"]
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0, listed.output
    assert f"Rain {MARKUP_CLOSE} {MARKUP_LINK}" in shown(listed.output)
    one = runner.invoke(app, ["show", call_id[:8]])
    assert one.exit_code == 0, one.output
    text = shown(one.output)
    assert f"\u201cRain {MARKUP_CLOSE} {MARKUP_LINK} ]8;;http://evil[2J in Paris tomorrow\u201d" in text


def test_error_messages_quote_what_was_typed_as_text() -> None:
    result = runner.invoke(app, ["show", f"{MARKUP_CLOSE}{OSC8}"])
    assert result.exit_code == 1
    text = shown(result.output)
    assert f"No call with id '{MARKUP_CLOSE}" in text
    assert "calledit list" in text


def test_a_note_with_markup_in_the_history_table() -> None:
    made = runner.invoke(app, ["make", "It rains in Lima tomorrow", "--log", "--json"])
    call_id = json.loads(made.stdout)["id"]
    resolved = runner.invoke(app, ["resolve", call_id, "confirmed", "--note", f"{MARKUP_LINK} {OSC8}"])
    assert resolved.exit_code == 0, resolved.output
    history = runner.invoke(app, ["history", call_id])
    assert history.exit_code == 0, history.output
    assert MARKUP_LINK in shown(history.output)


def test_eval_case_ids_from_the_dataset_are_text(tmp_path: Path) -> None:
    dataset = tmp_path / "hostile.json"
    dataset.write_text(json.dumps({"cases": [{
        "id": f"{MARKUP_CLOSE}{OSC8}", "prediction": "17 x 23 is 391", "now": "2026-11-21T09:00:00Z",
        "timezone": "Asia/Tokyo",
        "expect": {"verification_date": {"not_before": "2026-11-21T17:00:00+09:00",
                                         "not_after": "2026-11-22T18:00:00+09:00"},
                   "verification_mode": ["immediate"], "verifiable_category": ["agent_verifiable"],
                   "verdict": None}}]}))
    result = runner.invoke(app, ["eval", "--dataset", str(dataset), "--model", "scripted"])
    assert result.exit_code == 0, result.output
    assert f"{MARKUP_CLOSE}]8;;http://evil" in shown(result.output)


def test_clean_keeps_words_and_drops_what_a_terminal_would_act_on() -> None:
    assert clean("a\tb\nc") == "a\tb\nc"
    assert clean("x\x1b[2Jy\x1b]0;title\x07z\r\x9b31m\u202eevil") == "x[2Jy]0;titlez31mevil"
    assert error_line("[/bold] oops", "bad_request").plain == "error: [/bold] oops (bad_request)"
