"""The scanner Lambda's handler, run here against SQLite with the scripted model (no AWS needed)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from calledit.aws import scan as lambda_scan
from calledit.config import Settings
from calledit.storage.sqlite import SqliteCallStore
from tests.unit.scheduler.fakes import new_call


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "calls.db"
    monkeypatch.setenv("CALLEDIT_DB", str(db))
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_SCRIPTED_RATE", "0")
    monkeypatch.delenv("CALLEDIT_MANAGEMENT_ENDPOINT", raising=False)
    return db


def test_the_handler_checks_what_is_due_and_reports(env: Path) -> None:
    store = SqliteCallStore(env)
    due = store.add("alice", new_call("17 times 23 is 391", "immediate", datetime.now(UTC)))
    later = store.add("alice", new_call("Rain next year", "at_date", datetime(2030, 1, 1, tzinfo=UTC)))
    store.close()
    summary = lambda_scan.handler({"source": "aws.events"}, Context(remaining_ms=120_000))
    assert summary == {"total": 1, "verified": 1, "notified": 1, "out_of_time": False}  # the verdict, on the bell
    store = SqliteCallStore(env)
    checked = store.get("alice", due.id)
    assert checked is not None and checked.verdict is not None and checked.verdict.verdict.value == "confirmed"
    untouched = store.get("alice", later.id)
    assert untouched is not None and untouched.verdict is None
    store.close()


async def test_a_spent_budget_starts_no_check(env: Path) -> None:
    store = SqliteCallStore(env)
    store.add("alice", new_call("2 + 2 is 4", "immediate", datetime.now(UTC)))
    store.close()
    summary = await lambda_scan.scan(Settings(), budget_s=0.0)
    assert summary == {"total": 0, "out_of_time": True}


def test_without_a_management_endpoint_verdicts_are_only_stored(env: Path) -> None:
    assert lambda_scan.aws_notify(Settings()) is None
