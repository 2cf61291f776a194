from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from calledit.config import Settings
from calledit.sources.http import SourceClient, SourceError
from calledit.sources.status import StatusBook, source_statuses


def settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(data_dir=tmp_path, **changes)  # type: ignore[arg-type]


def test_every_source_is_listed_with_what_it_needs(tmp_path: Path) -> None:
    off = {status.name: status for status in source_statuses(settings(tmp_path))}
    assert list(off) == ["weather", "market", "crypto", "sports", "economy", "search"]
    assert not any(status.configured for status in off.values())
    assert "CALLEDIT_WEB=live" in off["weather"].detail

    live = {status.name: status for status in source_statuses(settings(tmp_path, web="live"))}
    assert [name for name, status in live.items() if status.configured] == ["weather", "market", "crypto", "sports"]
    assert "CALLEDIT_FRED_API_KEY" in live["economy"].detail
    assert "CALLEDIT_SEARXNG_URL or CALLEDIT_BRAVE_API_KEY" in live["search"].detail
    assert live["weather"].hosts == [
        "geocoding-api.open-meteo.com", "archive-api.open-meteo.com", "api.open-meteo.com",
    ]  # fmt: skip

    keyed = settings(tmp_path, web="live", fred_api_key=SecretStr("k"), brave_api_key=SecretStr("b"))
    keyed_status = {status.name: status for status in source_statuses(keyed)}
    assert keyed_status["economy"].configured and keyed_status["search"].configured
    assert keyed_status["search"].hosts == ["api.search.brave.com"]

    replay = {status.name: status for status in source_statuses(settings(tmp_path, web="replay:x.har"))}
    assert replay["economy"].configured  # recordings need no key


async def test_the_book_keeps_the_last_success_and_failure() -> None:
    moments = iter([datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 1, 11, tzinfo=UTC)])

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path == "/ok" else 404, json={})

    book = StatusBook()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    async with SourceClient(http, mode="live", attempts=1, status=book, clock=lambda: next(moments)) as client:
        await client.get_json("market", "https://x.example/ok")
        with pytest.raises(SourceError):
            await client.get_json("market", "https://x.example/missing")
    [market] = [status for status in source_statuses(Settings(web="live"), book) if status.name == "market"]
    assert market.last_success_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert market.last_failure_at == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert market.last_failure_reason == "x.example answered HTTP 404"


def test_a_book_kept_in_a_file_is_seen_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sources-status.json"
    StatusBook(path).failure(
        "crypto", "api.coingecko.com answered HTTP 429 (3 tries)", at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    again = StatusBook(path).get("crypto")
    assert again.last_failure_reason == "api.coingecko.com answered HTTP 429 (3 tries)"
    assert again.last_failure_at == datetime(2026, 12, 1, tzinfo=UTC)
    path.write_text("{broken")
    assert StatusBook(path).get("crypto").last_failure_at is None  # a damaged file is no record, not a crash
