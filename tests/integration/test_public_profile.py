"""The optional public track record over the real server: off by default, `GET/PUT /api/profile/public`
turns it on and off, `/u/{username}` renders without JavaScript with Open Graph tags, shows the shared calls
and their record, and nothing private: an unshared call, a hidden confidence, the prompt, the user id. Off
(or unknown) is 404 at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.server import create_app
from calledit.storage.users import SqliteUserStore
from tests.fixtures.auth import Account, bearer, local_authenticator, sign_up
from tests.fixtures.server import LiveServer, run_server
from tests.unit.scheduler.fakes import new_call

PRIVATE_PROMPT = "my private words about the Lakers <script>alert(1)</script>"


def body(statement: str, days: float = 3, **extra: Any) -> dict[str, Any]:
    return new_call(statement, "at_date", datetime.now(UTC) + timedelta(days=days), raw_prompt=PRIVATE_PROMPT,
                    **extra).model_dump(mode="json")


def og(html: str) -> dict[str, str]:
    tags = {}
    for node in LexborHTMLParser(html).css("meta"):
        key = node.attributes.get("property") or node.attributes.get("name")
        if key and (key.startswith(("og:", "twitter:", "profile:")) or key == "description"):
            tags[key] = node.attributes.get("content") or ""
    return tags


def text_of(html: str) -> str:
    body = LexborHTMLParser(html).body
    assert body is not None
    return body.text(separator=" ")


@pytest.fixture
def api(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.http, timeout=20) as client:
        yield client


def log_call(api: httpx.Client, statement: str, **extra: Any) -> dict[str, Any]:
    made = api.post("/api/calls", json=body(statement, **extra))
    assert made.status_code == 201, made.text
    call: dict[str, Any] = made.json()
    return call


def resolve(api: httpx.Client, call_id: str, resolution: str) -> None:
    answer = api.post(f"/api/calls/{call_id}/resolve", json={"resolution": resolution})
    assert answer.status_code == 200, answer.text


def test_off_by_default_then_on_shows_only_shared_calls_and_their_record(api: httpx.Client) -> None:
    assert api.get("/api/profile/public").json() == {"enabled": False, "url": None}
    assert api.get("/u/local").status_code == 404  # never turned on

    shown = log_call(api, "The Lakers win on Friday", confidence=0.8)
    hidden_confidence = log_call(api, 'Rain & "snow" in Paris, 3 < 5', confidence=0.35)
    still_open = log_call(api, "Bitcoin is above $100k next month", confidence=0.6, days=30)
    private = log_call(api, "My secret call nobody may see", confidence=0.1)
    for call, resolution in ((shown, "confirmed"), (hidden_confidence, "refuted"), (private, "refuted")):
        resolve(api, call["id"], resolution)
    links = {}
    for call, show in ((shown, True), (hidden_confidence, False), (still_open, True)):
        shared = api.post(f"/api/calls/{call['id']}/share", json={"show_confidence": show})
        assert shared.status_code == 200, shared.text
        links[call["id"]] = shared.json()["path"]

    turned = api.put("/api/profile/public", json={"enabled": True})
    assert turned.status_code == 200, turned.text
    setting = turned.json()
    assert set(setting) == {"enabled", "url"} and setting["enabled"] is True
    assert setting["url"].endswith("/u/local")
    assert api.get("/api/profile/public").json() == setting

    page = api.get("/u/local")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert "<script" not in html  # a plain page: no JavaScript, and the user's words are escaped
    assert "Rain &amp; &#34;snow&#34; in Paris, 3 &lt; 5" in html
    tags = og(html)
    assert tags["og:type"] == "profile" and tags["og:url"] == setting["url"]
    assert tags["og:title"] == "local's calls" and tags["twitter:card"] == "summary"
    assert tags["og:description"] == (
        "local's track record on CalledIt. 3 shared calls: 1 called it, 1 missed, 1 open. "
        "Brier score 0.040 over 1 scored.")

    words = text_of(html)
    assert "The Lakers win on Friday" in words and 'Rain & "snow" in Paris, 3 < 5' in words
    assert "Bitcoin is above $100k next month" in words
    for path in links.values():
        assert f'href="{path}"' in html
    # nothing private: the unshared call, a confidence the owner hid, the prompt
    assert "My secret call nobody may see" not in html
    assert "35%" not in words and "they said 80%" in words and "they said 60%" in words
    assert "my private words" not in html
    tree = LexborHTMLParser(html)
    record = {node.text(): node.next.text() for node in tree.css("#record ~ dl dt") if node.next is not None}
    assert record["Shared calls"] == "3" and record["Called it"] == "1" and record["Missed it"] == "1"
    assert record["Still open"] == "1" and record["Brier score"].startswith("0.040 over 1 scored call ")
    rows = [[cell.text() for cell in row.css("td")] for row in tree.css("table tbody tr")]
    assert rows == [["80% to 90%", "1", "1 (100%)"]]  # the hidden 35% is not a bin either

    api.delete(f"/api/calls/{shown['id']}/share")  # unsharing takes it off the record at once
    assert "The Lakers win on Friday" not in api.get("/u/local").text

    off = api.put("/api/profile/public", json={"enabled": False, "url": setting["url"]})
    assert off.json() == {"enabled": False, "url": None}
    assert api.get("/u/local").status_code == 404  # at once
    assert "No public track record here" in api.get("/u/local").text
    again = api.put("/api/profile/public", json={"enabled": True}).json()
    assert again == setting  # the same address as before


def test_unknown_names_and_bad_bodies(api: httpx.Client) -> None:
    assert api.get("/u/nobody").status_code == 404
    assert api.get("/u/" + "x" * 300).status_code == 404
    assert api.put("/api/profile/public", json={"enabled": "maybe"}).status_code == 422
    assert api.put("/api/profile/public", json={"enabled": True, "username": "admin"}).status_code == 422
    assert api.put("/api/profile/public", json={}).status_code == 422


@pytest.fixture
def accounts(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    local = settings.model_copy(update={"auth": "local", "auth_per_minute_ip": 10_000})
    auth = local_authenticator(Path(str(local.db)))
    with run_server(create_app(local, provider=scripted_provider, auth=auth)) as running:
        yield running


def turn_on(server: LiveServer, headers: dict[str, str]) -> dict[str, Any]:
    answer = httpx.put(f"{server.http}/api/profile/public", json={"enabled": True}, headers=headers)
    assert answer.status_code == 200, answer.text
    setting: dict[str, Any] = answer.json()
    return setting


def test_with_accounts_the_address_is_the_username_and_each_user_sees_only_their_own(
    accounts: LiveServer, settings: Settings
) -> None:
    dana, erin = sign_up(accounts.http, "dana"), sign_up(accounts.http, "erin@example.org")
    call = httpx.post(f"{accounts.http}/api/calls", json=body("Dana's shared call"), headers=dana.headers).json()
    httpx.post(f"{accounts.http}/api/calls/{call['id']}/share", headers=dana.headers)
    httpx.post(f"{accounts.http}/api/calls", json=body("Dana's private call"), headers=dana.headers)

    assert httpx.get(f"{accounts.http}/api/profile/public").status_code == 401  # the setting is yours alone
    assert turn_on(accounts, dana.headers)["url"].endswith("/u/dana")
    page = httpx.get(f"{accounts.http}/u/DANA")  # any case; no sign-in needed to read it
    assert page.status_code == 200
    assert "Dana's shared call" in text_of(page.text) and "private call" not in page.text
    assert dana.id not in page.text  # never the user id
    assert httpx.get(f"{accounts.http}/api/profile/public", headers=erin.headers).json()["enabled"] is False

    # A username that is an email address is not put in a public address: a made-up name instead
    erins = turn_on(accounts, erin.headers)["url"]
    assert "erin" not in erins and "/u/caller-" in erins
    assert httpx.get(erins).status_code == 200

    # A personal API token turns it on under the same name
    token = httpx.post(f"{accounts.http}/api/tokens", json={"name": "script"}, headers=dana.headers).json()["token"]
    assert turn_on(accounts, bearer(token))["url"].endswith("/u/dana")

    users = SqliteUserStore(Path(str(settings.db)))
    try:
        assert users.delete_user(dana.id) is not None  # the account goes, and its public record with it
    finally:
        users.close()
    assert httpx.get(f"{accounts.http}/u/dana").status_code == 404


def test_the_page_needs_no_account_on_an_accounts_server(accounts: LiveServer) -> None:
    someone: Account = sign_up(accounts.http, "someone")
    turn_on(accounts, someone.headers)
    assert httpx.get(f"{accounts.http}/u/someone").status_code == 200
