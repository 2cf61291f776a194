"""Web search backends behind one protocol, over the sources' HTTP client (retries, rate limit, replay).

SearXNG's JSON API (`CALLEDIT_SEARXNG_URL`, the instance must allow `format=json`) and the Brave Search API
(`CALLEDIT_BRAVE_API_KEY`, sent as the X-Subscription-Token header, never in a URL). Reading a result's
page stays with the verifier's web tool (agents/tools/web.py), which owns the SSRF rules for arbitrary URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from calledit.config import Settings
from calledit.sources.base import reading
from calledit.sources.http import SourceClient, SourceError

BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"
MAX_RESULTS = 20


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str


class SearchBackend(Protocol):
    name: str

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]: ...


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _results(rows: Any, snippet_key: str, max_results: int) -> list[SearchResult]:
    if not isinstance(rows, list):
        raise TypeError("results is not a list")
    found = []
    for row in rows:
        url = _text(row.get("url"))
        if url.startswith(("http://", "https://")):
            found.append(SearchResult(title=_text(row.get("title")), url=url, snippet=_text(row.get(snippet_key))))
    return found[:max_results]


class SearxngSearch:
    """`GET BASE/search?q=..&format=json` → results[] {title, url, content}."""

    name = "searxng"

    def __init__(self, client: SourceClient, base_url: str) -> None:
        parsed = httpx.URL(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(
                f"CALLEDIT_SEARXNG_URL must be an http(s) URL such as http://127.0.0.1:8888, not {base_url!r}"
            )
        self.client = client
        self.url = str(parsed.join("search")) if parsed.path.endswith("/") else f"{str(parsed).rstrip('/')}/search"

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]:
        fetched = await self.client.get_json("search", self.url, params={"q": query, "format": "json"})
        with reading("SearXNG", fetched.url):
            return _results(fetched.body["results"], "content", min(max_results, MAX_RESULTS))


class BraveSearch:
    """`GET api.search.brave.com/res/v1/web/search?q=..&count=N` → web.results[] {title, url, description}."""

    name = "brave"

    def __init__(self, client: SourceClient, api_key: str) -> None:
        self.client = client
        self._headers = {"X-Subscription-Token": api_key, "Accept": "application/json"}

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]:
        count = max(1, min(max_results, MAX_RESULTS))
        fetched = await self.client.get_json(
            "search", BRAVE_URL, params={"q": query, "count": count}, headers=self._headers
        )
        with reading("Brave Search", fetched.url):
            web = fetched.body.get("web") or {}
            return _results(web.get("results") or [], "description", count)


def build_search(settings: Settings, client: SourceClient) -> SearchBackend | None:
    """SearXNG when CALLEDIT_SEARXNG_URL is set, else Brave when CALLEDIT_BRAVE_API_KEY is; else None."""
    if settings.searxng_url:
        return SearxngSearch(client, settings.searxng_url)
    brave = client.keys.get("brave")
    if brave is not None:
        return BraveSearch(client, brave.get_secret_value())
    return None


__all__ = ["BRAVE_URL", "BraveSearch", "SearchBackend", "SearchResult", "SearxngSearch", "SourceError", "build_search"]
