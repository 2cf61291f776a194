"""Verification over the real server: resolve, override, undo, history, due, stats, and live verdicts."""

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.scheduler.worker import Verifier
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server
from tests.fixtures.wsclient import next_event
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier, new_call


def body(statement: str, mode: str = "at_date", due: datetime | None = None, **extra: Any) -> dict[str, Any]:
    when = due or datetime.now(UTC) + timedelta(days=3)
    return new_call(statement, mode, when, **extra).model_dump(mode="json")


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.http}/api", timeout=10) as client:
        yield client


def test_resolve_confidence_stats_and_undo_step_by_step(api: httpx.Client) -> None:
    call = api.post("/calls", json=body("It rains on Friday")).json()
    resolved = api.post(f"/calls/{call['id']}/resolve", json={"resolution": "confirmed", "note": "It poured."})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "verified"
    assert resolved.json()["verdict"]["verdict"] == "confirmed" and resolved.json()["verdict"]["model"] is None
    assert api.patch(f"/calls/{call['id']}", json={"confidence": 0.8}).json()["confidence"] == 0.8

    stats = api.get("/stats").json()
    assert (stats["called_it"], stats["missed_it"], stats["scored"]) == (1, 0, 1)
    assert stats["brier"] == pytest.approx(0.04)
    assert stats["calibration"][8]["count"] == 1 and stats["calibration"][8]["mean_forecast"] == 0.8

    history = api.get(f"/calls/{call['id']}/history").json()
    assert [(c["actor"], c["action"]) for c in history["changes"]] == [("owner", "resolved"), ("owner", "confidence")]
    assert history["changes"][0]["note"] == "It poured." and history["next_check_at"] is None

    assert api.post(f"/calls/{call['id']}/undo").json()["confidence"] is None
    back = api.post(f"/calls/{call['id']}/undo").json()
    assert (back["status"], back["verdict"]) == ("pending", None)
    nothing = api.post(f"/calls/{call['id']}/undo")
    assert nothing.status_code == 409 and "Nothing to undo" in nothing.json()["message"]
    # the owner's undo restores the schedule too: the agent will check it at its date again
    assert api.get(f"/calls/{call['id']}/history").json()["next_check_at"] is not None


def test_override_an_agent_verdict_and_undo_the_override(live_server: LiveServer, api: httpx.Client) -> None:
    call = api.post("/calls", json=body("Now is now", mode="immediate", due=datetime.now(UTC))).json()
    state = live_server.app.state.calledit
    clock = FakeClock(datetime.now(UTC) + timedelta(seconds=1))
    worker = Verifier(state.store, ScriptedVerifier(clock, ["confirmed"]), clock=clock)  # type: ignore[arg-type]
    results = asyncio.run(worker.run_once())
    assert [r.result for r in results] == ["verified"]
    overridden = api.post(f"/calls/{call['id']}/resolve", json={"resolution": "refuted"}).json()
    assert overridden["verdict"]["verdict"] == "refuted"
    actions = [c["action"] for c in api.get(f"/calls/{call['id']}/history").json()["changes"]]
    assert actions == ["verified", "overridden"]
    restored = api.post(f"/calls/{call['id']}/undo").json()
    assert restored["verdict"]["verdict"] == "confirmed" and restored["verdict"]["model"] == "scripted (test double)"
    voided = api.post(f"/calls/{call['id']}/resolve", json={"resolution": "void"}).json()
    assert (voided["status"], voided["verdict"]) == ("void", None)
    assert api.get("/stats").json()["void"] == 1


def test_due_for_you_and_check_now(api: httpx.Client) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    human = api.post("/calls", json=body("I enjoy the film", due=past,
                                         verifiable_category="human_verifiable_only")).json()
    later = api.post("/calls", json=body("I enjoy the next one", verifiable_category="human_verifiable_only")).json()
    agent = api.post("/calls", json=body("Rain", due=past)).json()
    due = [c["id"] for c in api.get("/due").json()["items"]]
    assert human["id"] in due and later["id"] not in due and agent["id"] not in due
    assert api.post(f"/calls/{human['id']}/check").status_code == 400
    checking = api.post(f"/calls/{agent['id']}/check")
    assert checking.status_code == 202 and checking.json()["next_check_at"] is not None


@pytest.mark.parametrize(
    ("method", "path", "payload", "code"),
    [
        ("post", "/calls/nope/resolve", {"resolution": "confirmed"}, 404),
        ("post", "/calls/nope/undo", None, 404),
        ("patch", "/calls/nope", {"confidence": 0.5}, 404),
        ("get", "/calls/nope/history", None, 404),
        ("post", "/calls/nope/check", None, 404),
    ],
)
def test_unknown_calls_are_404(api: httpx.Client, method: str, path: str, payload: Any, code: int) -> None:
    response = api.request(method.upper(), path, json=payload)
    assert response.status_code == code and "nope" in response.json()["message"]


@pytest.mark.parametrize(
    "payload",
    [{"resolution": "maybe"}, {"resolution": "confirmed", "extra": 1}, {}, {"resolution": "void", "note": ""}],
)
def test_bad_resolutions_are_refused_precisely(api: httpx.Client, payload: dict[str, Any]) -> None:
    call = api.post("/calls", json=body("x")).json()
    response = api.post(f"/calls/{call['id']}/resolve", json=payload)
    assert response.status_code == 422 and response.json()["code"] == "bad_request"
    assert api.get(f"/calls/{call['id']}").json()["status"] == "pending"  # nothing changed


def test_confidence_must_be_a_probability(api: httpx.Client) -> None:
    call = api.post("/calls", json=body("x")).json()
    assert api.patch(f"/calls/{call['id']}", json={"confidence": 1.5}).status_code == 422


async def test_the_scheduler_in_the_server_sends_the_verdict_to_the_owner_only(
    settings: Settings, scripted_provider: Provider
) -> None:
    live = settings.model_copy(update={"scheduler": True, "verify_poll_seconds": 0.05})
    app = create_app(live, provider=scripted_provider)
    with run_server(app) as server:
        store = app.state.calledit.store
        theirs = store.add("bob", new_call("2 + 2 is 4", "immediate", datetime.now(UTC)))
        async with connect(server.ws) as ws:
            await asyncio.sleep(0.3)  # bob's call is checked while we listen: we must not hear of it
            async with httpx.AsyncClient(base_url=f"{server.http}/api") as api:
                mine = (await api.post("/calls", json=body("17 times 23 is 391", mode="immediate",
                                                            due=datetime.now(UTC)))).json()
            event = await next_event(ws, timeout=20)
            assert event["type"] == "verdict" and event["call_id"] == mine["id"]
            assert event["verdict"]["verdict"] == "confirmed"
            with pytest.raises(TimeoutError):
                await next_event(ws, timeout=0.5)
        bobs = store.get("bob", theirs.id)
        assert bobs is not None and bobs.verdict is not None and bobs.verdict.verdict.value == "confirmed"
    assert json.loads(json.dumps(event))["verdict"]["evidence"][0]["source"] == "calculator (exact arithmetic)"
