"""`calledit sources`: each source, whether it is configured, and what the server's checks last saw."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calledit.cli.main import app
from calledit.sources.status import STATUS_FILE, StatusBook


def test_sources_lists_configuration_and_the_last_outcomes_another_process_saw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CALLEDIT_WEB", raising=False)
    monkeypatch.delenv("CALLEDIT_FRED_API_KEY", raising=False)
    book = StatusBook(tmp_path / STATUS_FILE)  # as the server's scheduler keeps it
    book.success("weather", at=datetime(2026, 12, 1, 8, tzinfo=UTC))
    book.failure("sports", "ESPN answered 502", at=datetime(2026, 12, 1, 9, tzinfo=UTC))
    result = CliRunner().invoke(app, ["sources", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["weather"]["configured"] and rows["weather"]["last_success_at"].startswith("2026-12-01T08:00")
    assert rows["sports"]["last_failure_reason"] == "ESPN answered 502"
    assert not rows["economy"]["configured"] and "CALLEDIT_FRED_API_KEY" in rows["economy"]["detail"]
    assert "api.coingecko.com" in rows["crypto"]["hosts"]


def test_sources_with_outside_data_off_says_how_to_turn_it_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CALLEDIT_WEB", "off")
    result = CliRunner().invoke(app, ["sources", "--json"])
    assert result.exit_code == 0
    assert all(not row["configured"] and "CALLEDIT_WEB=live" in row["detail"] for row in json.loads(result.output))
