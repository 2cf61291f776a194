"""A call that checks itself: streamed with its check, logged, verified by the scheduler from replayed data.

The data comes from HAR recordings in the real formats of the sources (CALLEDIT_WEB=replay:FILE.har):
no network, and the same requests a live run makes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.call import CallContent, CallCreate, CallStatus, VerdictOutcome
from calledit.domain.check import WeatherCheck
from calledit.domain.events import CompleteEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call
from calledit.storage.sqlite import SqliteCallStore
from calledit.wiring import build_verifier
from tests.unit.scheduler.fakes import FakeClock

HAR = Path(__file__).resolve().parents[1] / "fixtures" / "har" / "weather.har"
DENVER = ZoneInfo("America/Denver")
SNOW = {"source": "weather", "place": "Denver, CO", "variable": "snowfall_sum", "comparator": ">", "threshold": 0,
        "unit": "cm"}


async def _make(prediction: str, made_at: datetime, query: dict[str, Any]) -> CallContent:
    answer = plausible_call(prediction, made_at)
    answer["check"] = query
    model = ScriptedModel(rate=0, responses=[json.dumps(answer)])
    agent = creation_agent(Settings(model="scripted"), Provider(name="scripted", model=model), clock=lambda: made_at)
    events = [event async for event in agent.stream(prediction, "America/Denver")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    return complete.content


async def _verify(store: SqliteCallStore, at: datetime, web: str = f"replay:{HAR}") -> FakeClock:
    clock = FakeClock(at)
    scripted = Provider(name="scripted (test double)", model=ScriptedModel(rate=0))
    verifier = build_verifier(Settings(model="scripted", web=web), store, provider=scripted, clock=clock)
    try:
        await verifier.run_once()
    finally:
        await verifier.agent.aclose()
    return clock


async def test_a_weather_call_is_decided_by_the_data_not_a_model(tmp_path: Path) -> None:
    content = await _make("It snows in Denver, CO tomorrow", datetime(2026, 10, 31, 12, tzinfo=DENVER), SNOW)
    assert isinstance(content.check, WeatherCheck) and content.check.end.isoformat() == "2026-11-01"
    store = SqliteCallStore(tmp_path / "calls.db")
    logged = store.add("alice", CallCreate(**content.model_dump(), confidence=0.7))
    await _verify(store, datetime(2026, 11, 10, 9, tzinfo=DENVER))
    stored = store.get("alice", logged.id)
    assert stored is not None and stored.verdict is not None
    assert stored.status is CallStatus.VERIFIED
    assert stored.verdict.verdict is VerdictOutcome.CONFIRMED
    assert stored.verdict.model == "data check (weather)"
    (evidence,) = stored.verdict.evidence
    assert evidence.source.startswith("https://archive-api.open-meteo.com/v1/archive?")
    assert "2.3" in evidence.finding
    assert evidence.criterion == "Open-Meteo daily snowfall in Denver, CO on Sun 1 Nov 2026 > 0 cm"


async def test_the_check_the_owner_edited_is_the_one_executed(tmp_path: Path) -> None:
    content = await _make("It snows in Denver, CO tomorrow", datetime(2026, 10, 31, 12, tzinfo=DENVER), SNOW)
    assert content.check is not None
    edited = content.model_copy(update={"check": content.check.model_copy(update={"threshold": 5.0})})
    store = SqliteCallStore(tmp_path / "calls.db")
    logged = store.add("alice", CallCreate(**edited.model_dump()))
    await _verify(store, datetime(2026, 11, 10, 9, tzinfo=DENVER))
    stored = store.get("alice", logged.id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.verdict is VerdictOutcome.REFUTED  # 2.3 cm fell: not more than 5 cm


async def test_data_not_published_yet_is_checked_again_later_without_using_an_attempt(tmp_path: Path) -> None:
    content = await _make("It snows in Denver, CO tomorrow", datetime(2026, 11, 1, 12, tzinfo=DENVER), SNOW)
    store = SqliteCallStore(tmp_path / "calls.db")
    logged = store.add("alice", CallCreate(**content.model_dump()))
    clock = await _verify(store, datetime(2026, 11, 10, 9, tzinfo=DENVER))
    stored, schedule = store.get("alice", logged.id), store.schedule("alice", logged.id)
    assert stored is not None and stored.verdict is not None and schedule is not None
    assert stored.status is CallStatus.PENDING
    assert stored.verdict.verdict is VerdictOutcome.INCONCLUSIVE and "not in yet" in stored.verdict.reasoning
    assert schedule.next_check_at == clock() + timedelta(hours=3)
    assert schedule.attempts == 0


async def test_a_source_that_fails_is_never_a_verdict(tmp_path: Path) -> None:
    query = {**SNOW, "place": "Oslo"}  # not in the recording: the request fails as unreachable
    content = await _make("It snows in Oslo tomorrow", datetime(2026, 10, 31, 12, tzinfo=DENVER), query)
    store = SqliteCallStore(tmp_path / "calls.db")
    logged = store.add("alice", CallCreate(**content.model_dump()))
    await _verify(store, datetime(2026, 11, 10, 9, tzinfo=DENVER))
    stored, schedule = store.get("alice", logged.id), store.schedule("alice", logged.id)
    assert stored is not None and stored.verdict is not None and schedule is not None
    assert stored.verdict.verdict is VerdictOutcome.INCONCLUSIVE
    assert "source failed" in stored.verdict.reasoning
    assert stored.status is CallStatus.PENDING and schedule.attempts == 1  # retried with backoff


async def test_with_outside_data_off_the_check_waits_with_the_reason(tmp_path: Path) -> None:
    content = await _make("It snows in Denver, CO tomorrow", datetime(2026, 10, 31, 12, tzinfo=DENVER), SNOW)
    store = SqliteCallStore(tmp_path / "calls.db")
    logged = store.add("alice", CallCreate(**content.model_dump()))
    await _verify(store, datetime(2026, 11, 10, 9, tzinfo=DENVER), web="off")
    stored = store.get("alice", logged.id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.verdict is VerdictOutcome.INCONCLUSIVE and "CALLEDIT_WEB" in stored.verdict.reasoning


async def test_the_eval_verifies_each_case_at_its_verify_at_from_its_recording(tmp_path: Path) -> None:
    from calledit.cli.eval import _verifier
    from calledit.evaluation.dataset import load_dataset

    case = {"id": "w1", "prediction": "It snows in Denver, CO tomorrow", "now": "2026-10-31T12:00:00-06:00",
            "timezone": "America/Denver", "verify_at": "2026-11-10T09:00:00-07:00", "web": "har/weather.har",
            "expect": {"verification_mode": ["at_date"], "verifiable_category": ["api_tool_verifiable"],
                       "verdict": "confirmed"}}
    (tmp_path / "har").mkdir()
    (tmp_path / "har" / "weather.har").write_bytes(HAR.read_bytes())
    (tmp_path / "cases.json").write_text(json.dumps({"cases": [case]}))
    (loaded,) = load_dataset(tmp_path / "cases.json").cases
    assert loaded.web == tmp_path / "har" / "weather.har"
    content = await _make(loaded.prediction, loaded.now, SNOW)
    verify = _verifier(Settings(model="scripted"), Provider(name="scripted", model=ScriptedModel(rate=0)))
    assert await verify(loaded, content) is VerdictOutcome.CONFIRMED
    offline = loaded.model_copy(update={"web": None})  # without a recording, outside data is off
    assert await verify(offline, content) is VerdictOutcome.INCONCLUSIVE
