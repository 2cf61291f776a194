"""Web search and page fetch behind one interface: off (the default), live (ddgs + httpx), or fixtures.

Live access is only built when a setting turns it on (CALLEDIT_WEB=live); tests use `FixtureWeb`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 4000
_WORD = re.compile(r"[a-z0-9]+")


class WebUnavailable(RuntimeError):
    """Web access is off, or the search or fetch failed; the message says which and what to do."""


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    snippet: str


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    text: str


class Web(Protocol):
    """Search the web and read pages. `enabled` is False when every call would fail."""

    name: str
    enabled: bool

    def search(self, query: str, max_results: int = 5) -> list[SearchHit]: ...

    def fetch(self, url: str) -> Page: ...


class NoWeb:
    """The default: no network. Every call says how to turn web access on."""

    name = "off"
    enabled = False

    def search(self, query: str, max_results: int = 5) -> list[SearchHit]:
        raise WebUnavailable("Web search is off: set CALLEDIT_WEB=live to let the verifier search the web.")

    def fetch(self, url: str) -> Page:
        raise WebUnavailable("Web access is off: set CALLEDIT_WEB=live to let the verifier read web pages.")


class FixtureWeb:
    """Canned results from a JSON file or dict, for tests and offline demos.

    Shape: {"search": [{"query": "words", "results": [{"title", "url", "snippet"}]}],
            "pages": {"https://...": "<html>...</html>"}}. A search returns the results of the entry whose
    query words overlap the asked query most (none when nothing overlaps).
    """

    name = "fixtures"
    enabled = True

    def __init__(self, fixtures: dict[str, Any]) -> None:
        self.fixtures = fixtures
        self.asked: list[str] = []

    @classmethod
    def from_file(cls, path: Path) -> FixtureWeb:
        return cls(json.loads(path.read_text()))

    def search(self, query: str, max_results: int = 5) -> list[SearchHit]:
        self.asked.append(query)
        words = set(_WORD.findall(query.lower()))
        best: tuple[int, list[dict[str, str]]] = (0, [])
        for entry in self.fixtures.get("search", []):
            overlap = len(words & set(_WORD.findall(str(entry["query"]).lower())))
            if overlap > best[0]:
                best = (overlap, entry["results"])
        return [SearchHit(r["title"], r["url"], r.get("snippet", "")) for r in best[1][:max_results]]

    def fetch(self, url: str) -> Page:
        html = self.fixtures.get("pages", {}).get(url)
        if html is None:
            raise WebUnavailable(f"No fixture page for {url}.")
        title, text = html_to_text(str(html))
        return Page(url=url, title=title, text=text)


class LiveWeb:
    """DuckDuckGo-style metasearch (the `ddgs` package) and pages fetched with httpx, read as text."""

    name = "live"
    enabled = True

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def search(self, query: str, max_results: int = 5) -> list[SearchHit]:
        try:
            from ddgs import DDGS
        except ImportError as exc:
            raise WebUnavailable("Web search needs the `ddgs` package: pip install 'calledit[web]'.") from exc
        try:
            rows = DDGS(timeout=int(self.timeout)).text(query, max_results=max_results)
        except Exception as exc:  # the metasearch raises its own error types per backend
            raise WebUnavailable(f"Web search failed: {type(exc).__name__}: {exc}") from exc
        return [SearchHit(str(r.get("title", "")), str(r.get("href", "")), str(r.get("body", ""))) for r in rows]

    def fetch(self, url: str) -> Page:
        check_public_url(url)
        try:
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=True, max_redirects=5) as client,
                client.stream("GET", url, headers={"User-Agent": "CalledIt verifier"}) as response,
            ):
                response.raise_for_status()
                check_public_url(str(response.url))
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES:
                        break
        except httpx.HTTPError as exc:
            raise WebUnavailable(f"Could not fetch {url}: {type(exc).__name__}: {exc}") from exc
        title, text = html_to_text(body.decode(response.encoding or "utf-8", errors="replace"))
        return Page(url=str(response.url), title=title, text=text)


def check_public_url(url: str) -> None:
    """Refuse anything but http(s) to public addresses: the model must not reach the host's own network."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebUnavailable(f"Only http and https URLs can be fetched, not {url!r}.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise WebUnavailable(f"Cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]))
        if not address.is_global:
            raise WebUnavailable(f"Refusing to fetch {url}: {parts.hostname} is not a public address.")


def html_to_text(html: str, limit: int = MAX_TEXT_CHARS) -> tuple[str, str]:
    """(title, readable text) of an HTML page: scripts, styles and navigation dropped, whitespace folded."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    tree.strip_tags(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"])
    root = tree.body or tree.root
    text = root.text(separator=" ") if root is not None else ""
    text = re.sub(r"\s+", " ", text).strip()
    return title, text[:limit]


def build_web(mode: str, fixtures: Path | None = None) -> Web:
    """`off` (default), `live`, or `fixtures` (needs a fixtures file)."""
    if mode == "live":
        return LiveWeb()
    if mode == "fixtures":
        if fixtures is None:
            raise WebUnavailable("CALLEDIT_WEB=fixtures needs CALLEDIT_WEB_FIXTURES=path/to/fixtures.json.")
        return FixtureWeb.from_file(fixtures)
    return NoWeb()
