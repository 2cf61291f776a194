from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from calledit.sources.replay import ReplayError, ReplayTransport
from tests.unit.sources.conftest import HAR_DIR


def entry(url: str, body: str = "{}", *, status: int = 200, method: str = "GET", **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"size": len(body), "mimeType": "application/json", "text": body}
    content.update(extra.pop("content", {}))
    return {
        "request": {"method": method, "url": url, "headers": [], "queryString": []},
        "response": {"status": status, "headers": extra.pop("headers", []), "content": content},
        **extra,
    }


def transport(*entries: dict[str, Any]) -> ReplayTransport:
    return ReplayTransport.from_har({"log": {"version": "1.2", "entries": list(entries)}})


def get(replay: ReplayTransport, url: str, method: str = "GET") -> httpx.Response:
    with httpx.Client(transport=replay) as client:
        return client.request(method, url)


def test_a_request_matches_on_method_host_path_and_the_recorded_params() -> None:
    replay = transport(
        entry("https://api.example.com/v1/x?a=1&b=two", '{"n": 1}'),
        entry("https://api.example.com/v1/x?a=2", '{"n": 2}'),
        entry("https://api.example.com/v1/x", '{"n": 3}'),
    )
    assert get(replay, "https://api.example.com/v1/x?b=two&a=1").json() == {"n": 1}  # order does not matter
    assert get(replay, "https://api.example.com/v1/x?a=1&b=two&extra=yes").json() == {"n": 1}  # more is fine
    assert get(replay, "https://api.example.com/v1/x?a=2").json() == {"n": 2}
    assert get(replay, "https://api.example.com/v1/x?a=1").json() == {"n": 3}  # b missing: the bare entry
    assert get(replay, "https://API.example.com/v1/x?a=9").json() == {"n": 3}  # host is case-insensitive


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1/y?a=1",  # another path
        "https://other.example.com/v1/x?a=1",  # another host
        "https://api.example.com:8443/v1/x?a=1",  # another port
        "https://api.example.com/v1/x?a=10",  # another value
        "https://api.example.com/v1/x/?a=1",  # a trailing slash is another path
    ],
)
def test_an_unmatched_request_is_unreachable(url: str) -> None:
    replay = transport(entry("https://api.example.com/v1/x?a=1"))
    with pytest.raises(httpx.ConnectError, match="no answer recorded"):
        get(replay, url)
    assert replay.asked == [f"GET {httpx.URL(url)}"]


def test_the_method_must_match_and_the_first_entry_wins() -> None:
    replay = transport(
        entry("https://api.example.com/x", '"posted"', method="POST"),
        entry("https://api.example.com/x", '"first"'),
        entry("https://api.example.com/x", '"second"'),
    )
    assert get(replay, "https://api.example.com/x").json() == "first"
    assert get(replay, "https://api.example.com/x", "POST").json() == "posted"
    with pytest.raises(httpx.ConnectError):
        get(replay, "https://api.example.com/x", "DELETE")


def test_escaped_paths_match_their_plain_spelling() -> None:
    replay = transport(entry("https://query1.finance.yahoo.com/v8/finance/chart/%5EGSPC?interval=1d", '"gspc"'))
    assert get(replay, "https://query1.finance.yahoo.com/v8/finance/chart/^GSPC?interval=1d").json() == "gspc"


def test_base64_bodies_status_and_headers_are_replayed() -> None:
    text = json.dumps({"ok": True})
    replay = transport(
        entry(
            "https://api.example.com/b",
            base64.b64encode(text.encode()).decode(),
            status=503,
            content={"encoding": "base64"},
            headers=[
                {"name": "Retry-After", "value": "7"},
                {"name": "Content-Encoding", "value": "gzip"},  # described the wire, not the HAR's text
                {"name": "Content-Length", "value": "9999"},
            ],
        )
    )
    response = get(replay, "https://api.example.com/b")
    assert (response.status_code, response.json(), response.headers["retry-after"]) == (503, {"ok": True}, "7")
    assert "content-encoding" not in response.headers
    assert response.headers["content-type"] == "application/json"  # from content.mimeType


def test_a_recorded_request_without_an_answer_is_unreachable() -> None:
    replay = transport(entry("https://api.example.com/dead", "", status=0))
    with pytest.raises(httpx.ConnectError, match="got no answer"):
        get(replay, "https://api.example.com/dead")


async def test_a_delayed_entry_answers_late() -> None:
    replay = transport(entry("https://api.example.com/slow", '"late"', _delay_ms=80))
    async with httpx.AsyncClient(transport=replay) as client:
        started = time.perf_counter()
        response = await client.get("https://api.example.com/slow")
    assert response.json() == "late"
    assert time.perf_counter() - started >= 0.07


@pytest.mark.parametrize(
    ("har", "words"),
    [
        ({"entries": []}, "needs log.entries"),
        ({"log": {"entries": [{"request": {}}]}}, r"log.entries\[0\] needs a request and a response"),
        ({"log": {"entries": [{"request": {"method": "GET"}, "response": {}}]}}, "needs a method and a url"),
        ({"log": {"entries": [entry("/relative")]}}, "has no host"),
        ({"log": {"entries": [{**entry("https://a.b/"), "response": {"status": "200"}}]}}, "status must be a number"),
        (
            {"log": {"entries": [entry("https://a.b/", "%%%", content={"encoding": "base64"})]}},
            "not valid base64",
        ),
    ],
)
def test_a_broken_recording_says_what_is_wrong(har: dict[str, Any], words: str) -> None:
    with pytest.raises(ReplayError, match=words):
        ReplayTransport.from_har(har)


def test_recording_files(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="No HAR recording at"):
        ReplayTransport.from_file(tmp_path / "missing.har")
    (tmp_path / "bad.har").write_text("{not json")
    with pytest.raises(ReplayError, match="not a readable HAR"):
        ReplayTransport.from_file(tmp_path / "bad.har")
    for path in sorted(HAR_DIR.glob("*.har")):  # every fixture of the suite loads
        assert ReplayTransport.from_file(path).entries, path.name
