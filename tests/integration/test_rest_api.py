"""REST: log, list (newest first, paginated), read, delete; errors as JSON; persistence across restarts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import plausible_call
from calledit.server import create_app
from tests.fixtures.server import LiveServer, run_server

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


def content(prompt: str = "It rains in Paris tomorrow", **extra: Any) -> dict[str, Any]:
    return {**plausible_call(prompt, NOW), "raw_prompt": prompt, "timezone": "Europe/Paris",
            "model": "scripted (test double)", **extra}


def test_log_read_list_delete(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.http) as client:
        created = client.post("/api/calls", json=content(confidence=0.7))
        assert created.status_code == 201
        call = created.json()
        assert call["status"] == "pending"
        assert call["confidence"] == 0.7
        assert call["verdict"] is None
        assert call["raw_prompt"] == "It rains in Paris tomorrow"
        assert client.get(f"/api/calls/{call['id']}").json() == call
        assert client.get("/api/calls").json()["items"] == [call]
        assert client.delete(f"/api/calls/{call['id']}").status_code == 204
        missing = client.get(f"/api/calls/{call['id']}")
        assert missing.status_code == 404
        assert missing.json() == {"code": "not_found", "message": f"No call with id {call['id']!r}."}
        assert client.delete(f"/api/calls/{call['id']}").status_code == 404


def test_list_is_newest_first_and_paginates(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.http) as client:
        ids = [client.post("/api/calls", json=content(f"Prediction {i}")).json()["id"] for i in range(5)]
        first = client.get("/api/calls", params={"limit": 2}).json()
        assert [c["id"] for c in first["items"]] == ids[::-1][:2]
        second = client.get("/api/calls", params={"limit": 2, "cursor": first["next_cursor"]}).json()
        third = client.get("/api/calls", params={"limit": 2, "cursor": second["next_cursor"]}).json()
        assert [c["id"] for c in second["items"] + third["items"]] == ids[::-1][2:]
        assert third["next_cursor"] is None
        assert client.get("/api/calls", params={"limit": 0}).status_code == 422
        bad_cursor = client.get("/api/calls", params={"cursor": "%%%"})
        assert bad_cursor.status_code == 400
        assert "cursor" in bad_cursor.json()["message"]


def test_invalid_bodies_are_refused_with_a_message(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.http) as client:
        for body, words in [
            ({**content(), "verification_mode": "someday"}, "verification_mode"),
            ({**content(), "verification_date": "2026-12-01T00:00:00"}, "timezone"),
            ({**content(), "confidence": 1.5}, "confidence"),
            ({k: v for k, v in content().items() if k != "prediction_statement"}, "prediction_statement"),
        ]:
            response = client.post("/api/calls", json=body)
            assert response.status_code == 422, body
            assert response.json()["code"] == "bad_request"
            assert words in response.json()["message"]
        broken = client.post("/api/calls", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 422
        assert client.get("/api/calls").json()["items"] == []


def test_a_logged_call_survives_a_restart(settings: Settings, scripted_provider: Provider) -> None:
    with run_server(create_app(settings, provider=scripted_provider)) as server:
        call = httpx.post(f"{server.http}/api/calls", json=content()).json()
    with run_server(create_app(settings, provider=scripted_provider)) as server:
        again = httpx.get(f"{server.http}/api/calls/{call['id']}")
    assert again.status_code == 200
    assert again.json() == call


def test_openapi_and_health(live_server: LiveServer) -> None:
    spec = httpx.get(f"{live_server.http}/openapi.json").json()
    assert {"/api/calls", "/api/calls/{call_id}", "/healthz"} <= set(spec["paths"])
    assert httpx.get(f"{live_server.http}/docs").status_code == 200
    assert json.loads(httpx.get(f"{live_server.http}/healthz").text)["status"] == "ok"
