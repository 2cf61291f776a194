"""The tracker over the real server: list with search, filters, orders and pages; PATCH (tags, forecasts,
terms) kept in the history and undone in one step; export and import, round trip and Fatebook."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from calledit.providers.scripted import plausible_call
from tests.fixtures.server import LiveServer

NOW = datetime.now(UTC).replace(microsecond=0)
FATEBOOK = Path(__file__).parents[1] / "fixtures" / "fatebook-export.csv"
# What an import may change: ids (fresh per account) and where the history points.
FRESH = {"id", "call_id", "undoes"}


def content(prompt: str, **extra: Any) -> dict[str, Any]:
    return {**plausible_call(prompt, NOW), "raw_prompt": prompt, "timezone": "Europe/Paris",
            "model": "scripted (test double)", **extra}


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.http}/api") as client:
        yield client


def log(api: httpx.Client, prompt: str, **extra: Any) -> dict[str, Any]:
    response = api.post("/calls", json=content(prompt, **extra))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(api: httpx.Client, **params: Any) -> list[str]:
    response = api.get("/calls", params=params)
    assert response.status_code == 200, response.text
    return [call["id"] for call in response.json()["items"]]


def test_a_logged_call_carries_its_tags_forecast_and_where_it_stands(api: httpx.Client) -> None:
    call = log(api, "The Celtics win tonight", confidence=0.7, tags=["Sports", "#NBA", "sports"])
    assert call["tags"] == ["sports", "nba"]
    assert call["forecasts"] == [{"probability": 0.7, "at": call["created_at"]}]
    assert (call["outcome"], call["outcome_label"]) == ("checking", "checking")
    assert call["next_check_at"] is not None
    assert api.get(f"/calls/{call['id']}").json() == call
    bad = api.post("/calls", json=content("x", tags=["a,b"]))
    assert bad.status_code == 422 and "commas" in bad.json()["message"]


def test_search_filters_and_sort_through_the_server(api: httpx.Client) -> None:
    celtics = log(api, "The Celtics win tonight", tags=["sports"])
    zurich = log(api, "It snows in Zürich tomorrow", tags=["weather", "travel"])
    human = log(api, "I finish my novel by the end of the year", verifiable_category="human_verifiable_only")
    assert listed(api, q="celt") == [celtics["id"]]
    assert listed(api, q="zurich snow") == [zurich["id"]]
    assert listed(api, tag="weather") == [zurich["id"]]
    assert listed(api, tag=["weather", "travel"]) == listed(api, tag="weather,travel") == [zurich["id"]]
    assert listed(api, tag=["weather", "sports"]) == []
    assert listed(api, category="human_verifiable_only") == [human["id"]]
    assert listed(api, status="checking") == [human["id"], zurich["id"], celtics["id"]]
    assert listed(api, status="pending,void") == [human["id"], zurich["id"], celtics["id"]]
    assert listed(api, status="called it") == []
    assert listed(api, sort="due")[-1] == human["id"]  # its date is the end of the year
    window = {"due_after": NOW.isoformat(), "due_before": (NOW + timedelta(days=2)).isoformat()}
    assert set(listed(api, **window)) == {celtics["id"], zurich["id"]}
    for params, words in (({"status": "maybe"}, "unknown status"), ({"tag": "x" * 41}, "at most 40"),
                          ({"sort": "random"}, "sort"), ({"due_before": "2026-01-01T00:00:00"}, "timezone")):
        response = api.get("/calls", params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.json()["code"] == "bad_request" and words in response.json()["message"], response.text


def test_pages_through_the_server_in_each_order(api: httpx.Client) -> None:
    made = [log(api, f"Prediction {n} happens", tags=["n"]) for n in range(5)]
    for sort in ("newest", "oldest", "due"):
        seen: list[str] = []
        cursor = None
        while True:
            page = api.get("/calls", params={"limit": 2, "sort": sort, "q": "prediction",
                                             **({"cursor": cursor} if cursor else {})}).json()
            seen += [call["id"] for call in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(call["id"] for call in made) and len(seen) == 5
    first = api.get("/calls", params={"limit": 2}).json()
    wrong_order = api.get("/calls", params={"limit": 2, "sort": "due", "cursor": first["next_cursor"]})
    assert wrong_order.status_code == 400 and "first page" in wrong_order.json()["message"]


def test_patch_tags_forecasts_and_terms_each_kept_and_undone_in_one_step(api: httpx.Client) -> None:
    call = log(api, "It rains in Paris tomorrow", confidence=0.6)
    path = f"/calls/{call['id']}"
    tagged = api.patch(path, json={"tags": ["weather", "Paris"]}).json()
    assert tagged["tags"] == ["weather", "paris"]
    moved = api.patch(path, json={"confidence": 0.8}).json()
    assert moved["confidence"] == 0.8
    assert [f["probability"] for f in moved["forecasts"]] == [0.6, 0.8]
    new_date = (NOW + timedelta(days=5)).replace(microsecond=0)
    edited = api.patch(path, json={
        "prediction_statement": "It rains in Paris on Sunday.", "verification_date": new_date.isoformat(),
        "verification_method": {"source": ["Météo-France"], "criteria": ["rain > 0 mm"], "steps": ["read it"]},
        "confidence": 0.9,
    }).json()
    assert edited["prediction_statement"] == "It rains in Paris on Sunday."
    assert datetime.fromisoformat(edited["verification_date"]) == new_date
    assert datetime.fromisoformat(edited["next_check_at"]) == new_date  # the agent checks at the new date
    assert [f["probability"] for f in edited["forecasts"]] == [0.6, 0.8, 0.9]
    same = api.patch(path, json={"tags": ["weather", "paris"]}).json()
    assert same["updated_at"] == edited["updated_at"]  # nothing changed: nothing recorded
    history = api.get(f"{path}/history").json()["changes"]
    assert [c["action"] for c in history] == ["tagged", "confidence", "edited"]
    assert history[2]["before"]["terms"]["prediction_statement"] == call["prediction_statement"]
    assert history[2]["after"]["forecasts"][-1]["probability"] == 0.9
    undone = api.post(f"{path}/undo").json()  # the edit, with its forecast, in one step
    assert undone["prediction_statement"] == call["prediction_statement"]
    assert undone["verification_date"] == call["verification_date"]
    assert [f["probability"] for f in undone["forecasts"]] == [0.6, 0.8] and undone["confidence"] == 0.8
    assert datetime.fromisoformat(api.get(path).json()["next_check_at"]) == datetime.fromisoformat(
        call["next_check_at"])
    api.post(f"{path}/undo")
    assert api.post(f"{path}/undo").json()["tags"] == []


def test_terms_cannot_change_once_verified_but_tags_and_forecasts_can(api: httpx.Client) -> None:
    call = log(api, "It rains in Paris tomorrow", confidence=0.6)
    path = f"/calls/{call['id']}"
    assert api.post(f"{path}/resolve", json={"resolution": "confirmed"}).status_code == 200
    refused = api.patch(path, json={"prediction_statement": "Something else."})
    assert refused.status_code == 409 and "undo" in refused.json()["message"].lower()
    assert api.patch(path, json={"tags": ["late"]}).json()["tags"] == ["late"]
    assert api.get(path).json()["outcome"] == "called_it"
    for body, words in (({"prediction_statement": None}, "cannot be null"), ({"owner": "bob"}, "Extra inputs"),
                        ({"prediction_statement": "<b></b>"}, "empty once markup")):
        fresh = log(api, "Another one")
        response = api.patch(f"/calls/{fresh['id']}", json=body)
        assert response.status_code in (400, 422) and words in response.json()["message"], response.text
    assert api.patch("/calls/nope", json={"tags": []}).status_code == 404


def test_stats_has_both_brier_scores_and_a_record_per_tag(api: httpx.Client) -> None:
    call = log(api, "It rains in Paris tomorrow", confidence=0.2, tags=["weather"])
    api.patch(f"/calls/{call['id']}", json={"confidence": 0.9})
    api.post(f"/calls/{call['id']}/resolve", json={"resolution": "confirmed"})
    stats = api.get("/stats").json()
    assert stats["brier"] == pytest.approx(0.01)  # the forecast standing at the verdict: 0.9
    assert stats["brier_time_weighted"] > stats["brier"]  # 0.2 stood for a (short) while first
    assert [(t["tag"], t["called_it"], t["scored"]) for t in stats["by_tag"]] == [("weather", 1, 1)]
    assert stats["over_time"][0]["scored"] == 1


def _comparable(document: dict[str, Any]) -> list[dict[str, Any]]:
    """An export's calls without what an import renews (ids)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key not in FRESH}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value
    return [strip(call) for call in document["calls"]]


def test_export_then_import_into_a_fresh_account_gives_the_same_calls(
    api: httpx.Client, live_server: LiveServer, tmp_path: Path
) -> None:
    kept = log(api, "It rains in Paris tomorrow", confidence=0.4, tags=["weather"])
    api.patch(f"/calls/{kept['id']}", json={"confidence": 0.7})
    api.post(f"/calls/{kept['id']}/resolve", json={"resolution": "refuted", "note": "dry all day"})
    api.post(f"/calls/{kept['id']}/undo")
    api.post(f"/calls/{kept['id']}/resolve", json={"resolution": "confirmed"})
    log(api, "Bitcoin hits $100k by the end of the year", verifiable_category="human_verifiable_only")
    exported = api.get("/export", params={"format": "json"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/json")
    assert "attachment" in exported.headers["content-disposition"]
    original = exported.json()
    assert original["format"] == "calledit" and len(original["calls"]) == 2
    assert [c["action"] for c in original["calls"][1]["history"]] == ["confidence", "resolved", "undone", "resolved"]

    # a fresh account: another server on another database
    from calledit.config import Settings
    from calledit.server import create_app
    from tests.fixtures.server import run_server

    state = live_server.app.state.calledit
    fresh_settings: Settings = state.settings.model_copy(update={"db": str(tmp_path / "fresh.db")})
    with run_server(create_app(fresh_settings, provider=state.session.agent.provider)) as fresh:
        imported = httpx.post(f"{fresh.http}/api/import", params={"format": "calledit"}, content=exported.content,
                              headers={"Content-Type": "application/json"})
        assert imported.status_code == 200, imported.text
        assert imported.json() == {"imported": 2, "skipped": 0, "errors": []}
        again = httpx.post(f"{fresh.http}/api/import", params={"format": "calledit"}, content=exported.content)
        assert again.json() == {"imported": 0, "skipped": 2, "errors": []}
        back = httpx.get(f"{fresh.http}/api/export", params={"format": "json"}).json()
        assert _comparable(back) == _comparable(original)
        undo_chain = back["calls"][1]["history"]
        assert undo_chain[2]["undoes"] == undo_chain[1]["id"]  # links follow the fresh ids
        listed_there = httpx.get(f"{fresh.http}/api/calls").json()["items"]
        assert [c["outcome"] for c in listed_there] == ["checking", "called_it"]
    # and back into the first account: every call is already there
    assert api.post("/import", params={"format": "calledit"}, content=exported.content).json()["skipped"] == 2


def test_csv_export_is_one_row_per_call_and_safe_for_spreadsheets(api: httpx.Client) -> None:
    log(api, "=HYPERLINK(\"http://x\") wins", confidence=0.5, tags=["a", "b"])
    response = api.get("/export", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    assert rows[0]["prediction_statement"].startswith("'=")
    assert (rows[0]["tags"], rows[0]["confidence"], rows[0]["outcome"]) == ("a; b", "0.5", "checking")


def test_fatebook_import_reads_questions_forecasts_and_resolutions(api: httpx.Client) -> None:
    data = FATEBOOK.read_bytes()
    report = api.post("/import", params={"format": "fatebook"}, content=data,
                      headers={"Content-Type": "text/csv"}).json()
    assert (report["imported"], report["skipped"]) == (4, 0)
    assert sorted((e["row"], e["message"].split(" ")[0]) for e in report["errors"]) == [(7, "'Forecast"), (8, "no")]
    assert api.post("/import", params={"format": "fatebook"}, content=data).json()["skipped"] == 4
    calls = {c["prediction_statement"]: c for c in api.get("/calls", params={"limit": 100}).json()["items"]}
    gpt = calls["Will GPT-5 be released before July 2025?"]
    assert [f["probability"] for f in gpt["forecasts"]] == [0.4, 0.7] and gpt["confidence"] == 0.7
    assert gpt["outcome"] == "called_it" and gpt["tags"] == ["ai", "tech"]
    assert gpt["created_at"].startswith("2024-03-05T14:07:03")
    assert gpt["verdict"]["verified_at"].startswith("2025-06-20T09:15:42")
    assert gpt["verification_method"]["criteria"] == ["Counts if OpenAI ships a model called GPT-5."]
    assert calls["Will it rain in London on my birthday, 12 May?"]["outcome"] == "missed_it"
    assert calls['Will the "new" office open, as planned, in Q3?']["outcome"] == "void"
    novel = calls["Will I finish the novel draft by December?"]
    assert (novel["outcome"], novel["confidence"], novel["next_check_at"]) == ("checking", 0.3, None)
    assert novel["verifiable_category"] == "human_verifiable_only"
    stats = api.get("/stats").json()
    assert stats["scored"] == 2 and stats["brier_time_weighted"] is not None


@pytest.mark.parametrize(("fmt", "body", "words"), [
    ("calledit", b"not json", "not JSON"),
    ("calledit", b'{"calls": []}', "not a CalledIt export"),
    ("fatebook", b"a,b\n1,2\n", "not Fatebook's CSV export"),
    ("fatebook", b"\xff\xfe", "UTF-8"),
    ("calledit", b"   ", "empty"),
])
def test_a_file_that_is_not_an_export_says_what_to_import(api: httpx.Client, fmt: str, body: bytes,
                                                           words: str) -> None:
    response = api.post("/import", params={"format": fmt}, content=body)
    assert response.status_code == 400 and words in response.json()["message"], response.text


def test_a_bad_call_in_an_export_is_reported_by_row_and_the_rest_imported(api: httpx.Client) -> None:
    log(api, "It rains in Paris tomorrow")
    document = api.get("/export").json()
    good = document["calls"][0]
    document["calls"] = [{**good, "confidence": 7}, {**good, "import_key": "calledit:other"},
                         {**good, "import_key": "calledit:third", "status": "verified", "verdict": None}]
    report = api.post("/import", params={"format": "calledit"}, content=json.dumps(document)).json()
    assert report["imported"] == 1 and [e["row"] for e in report["errors"]] == [1, 3]
    assert "confidence" in report["errors"][0]["message"]
    assert "confirmed or refuted verdict" in report["errors"][1]["message"]


def test_an_import_larger_than_the_body_limit_is_accepted_up_to_its_own_limit(
    api: httpx.Client, live_server: LiveServer
) -> None:
    settings = live_server.app.state.calledit.settings
    call = log(api, "It rains in Paris tomorrow")
    document = api.get("/export").json()
    padded = [{**document["calls"][0], "import_key": f"calledit:copy-{n}"} for n in range(60)]
    body = json.dumps({**document, "calls": padded}).encode()
    assert settings.max_body_bytes < len(body) < settings.max_import_bytes
    assert api.post("/import", params={"format": "calledit"}, content=body).json()["imported"] == 60
    too_big = api.post("/calls", content=body, headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413  # other routes keep the small limit
    assert call["id"]


def test_patch_reads_the_short_names_too(api: httpx.Client) -> None:
    call = log(api, "It rains in Paris tomorrow")
    when = (NOW + timedelta(days=3)).replace(microsecond=0)
    edited = api.patch(f"/calls/{call['id']}", json={
        "statement": "It rains in Paris on Friday.", "date": when.isoformat(),
        "method": {"source": ["Météo-France"], "criteria": ["rain"], "steps": ["look"]}}).json()
    assert edited["prediction_statement"] == "It rains in Paris on Friday."
    assert datetime.fromisoformat(edited["verification_date"]) == when
    assert edited["verification_method"]["source"] == ["Météo-France"]
    # the due filters read the moved date (the store's indexed columns follow the document)
    assert call["id"] in listed(api, due_after=(when - timedelta(minutes=1)).isoformat(),
                                due_before=(when + timedelta(minutes=1)).isoformat())


def test_import_takes_the_file_as_a_form_upload_too(api: httpx.Client) -> None:
    files = {"file": ("fatebook.csv", FATEBOOK.read_bytes(), "text/csv")}
    report = api.post("/import", params={"format": "fatebook"}, files=files).json()
    assert report["imported"] == 4
    empty = api.post("/import", params={"format": "fatebook"}, data={"note": "no file"},
                     files={"other": ("", b"", "text/plain")})
    assert empty.status_code == 400, empty.text
