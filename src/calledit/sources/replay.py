"""An httpx transport that answers every request from a HAR 1.2 recording (CALLEDIT_WEB=replay:FILE.har).

Matching (docs/DESIGN.md, Outside data): the first entry with the same method, host and path whose URL query
parameters all appear in the request with the same values answers it (the request may carry more); a
request that matches no entry fails as unreachable (`httpx.ConnectError`), and so does an entry whose
response status is 0 (a browser's record of a request that got no answer). Bodies are `content.text`,
plain or `encoding: base64`. An entry's `_delay_ms` (a HAR custom field) delays its answer, to replay a
slow source; the recorded `time` is ignored, so replay stays fast.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

# Headers that described the recorded bytes on the wire, not the decoded text a HAR keeps.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})


class ReplayError(ValueError):
    """The recording is not a HAR 1.2 file this transport can read; the message says what is wrong."""


@dataclass(frozen=True)
class ReplayEntry:
    method: str
    host: str
    port: int | None
    path: str
    params: tuple[tuple[str, str], ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    delay_seconds: float = 0.0

    def matches(self, request: httpx.Request) -> bool:
        url = request.url
        if request.method.upper() != self.method or url.host.lower() != self.host or url.port != self.port:
            return False
        if unquote(url.path) != self.path:
            return False
        asked = url.params.multi_items()
        return all(pair in asked for pair in self.params)


def _entry(raw: Any, index: int) -> ReplayEntry:
    where = f"log.entries[{index}]"
    if not isinstance(raw, dict) or not all(isinstance(raw.get(part), dict) for part in ("request", "response")):
        raise ReplayError(f"{where} needs a request and a response object")
    request, response = raw["request"], raw["response"]
    if not isinstance(request.get("url"), str) or not isinstance(request.get("method"), str):
        raise ReplayError(f"{where}.request needs a method and a url")
    try:
        url = httpx.URL(request["url"])
    except httpx.InvalidURL as exc:
        raise ReplayError(f"{where}.request.url is not a URL: {exc}") from None
    if not url.host:
        raise ReplayError(f"{where}.request.url {request['url']!r} has no host")
    status = response.get("status")
    if not isinstance(status, int):
        raise ReplayError(f"{where}.response.status must be a number")
    content = response.get("content") or {}
    text = content.get("text") or ""
    if not isinstance(text, str):
        raise ReplayError(f"{where}.response.content.text must be a string")
    if content.get("encoding") == "base64":
        try:
            body = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ReplayError(f"{where}.response.content.text is not valid base64: {exc}") from None
    else:
        body = text.encode()
    headers = tuple(
        (str(header["name"]), str(header["value"]))
        for header in response.get("headers") or []
        if isinstance(header, dict) and str(header.get("name", "")).lower() not in _WIRE_HEADERS
    )
    if content.get("mimeType") and not any(name.lower() == "content-type" for name, _ in headers):
        headers = (*headers, ("Content-Type", str(content["mimeType"])))
    delay = raw.get("_delay_ms", 0)
    return ReplayEntry(
        method=request["method"].upper(),
        host=url.host.lower(),
        port=url.port,
        path=unquote(url.path),
        params=tuple(url.params.multi_items()),
        status=status,
        headers=headers,
        body=body,
        delay_seconds=max(0.0, float(delay)) / 1000 if isinstance(delay, int | float) else 0.0,
    )


def load_har(har: Any, *, name: str = "the recording") -> list[ReplayEntry]:
    """The entries of a parsed HAR document, in order; `ReplayError` says what is wrong with it."""
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
    if not isinstance(entries, list):
        raise ReplayError(f"{name} is not a HAR 1.2 recording: it needs log.entries, a list")
    try:
        return [_entry(raw, index) for index, raw in enumerate(entries)]
    except ReplayError as exc:
        raise ReplayError(f"{name}: {exc}") from None


class ReplayTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Answers from recorded entries, sync or async; records what it was asked (`asked`) for tests."""

    def __init__(self, entries: list[ReplayEntry], *, name: str = "the recording") -> None:
        self.entries = entries
        self.name = name
        self.asked: list[str] = []

    @classmethod
    def from_file(cls, path: Path) -> ReplayTransport:
        try:
            har = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReplayError(f"No HAR recording at {path}: check the path in CALLEDIT_WEB=replay:FILE.har") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReplayError(f"{path} is not a readable HAR (JSON) file: {exc}") from None
        return cls(load_har(har, name=str(path)), name=str(path))

    @classmethod
    def from_har(cls, har: dict[str, Any], *, name: str = "the recording") -> ReplayTransport:
        return cls(load_har(har, name=name), name=name)

    def match(self, request: httpx.Request) -> ReplayEntry | None:
        return next((entry for entry in self.entries if entry.matches(request)), None)

    def _answer(self, request: httpx.Request) -> tuple[ReplayEntry, httpx.Response]:
        self.asked.append(f"{request.method} {request.url}")
        entry = self.match(request)
        if entry is None:
            raise httpx.ConnectError(f"no answer recorded in {self.name} for this request", request=request)
        if entry.status == 0:
            raise httpx.ConnectError(f"the recording in {self.name} got no answer here", request=request)
        response = httpx.Response(entry.status, headers=list(entry.headers), content=entry.body, request=request)
        return entry, response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        entry, response = self._answer(request)
        if entry.delay_seconds:
            await asyncio.sleep(entry.delay_seconds)
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry, response = self._answer(request)
        if entry.delay_seconds:
            time.sleep(entry.delay_seconds)
        return response


__all__ = ["ReplayEntry", "ReplayError", "ReplayTransport", "load_har"]
