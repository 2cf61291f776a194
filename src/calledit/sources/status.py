"""Each source: what it is, which hosts it contacts, whether it is configured, its last success or failure.

The composition root makes one `StatusBook` and hands it to the client; kept in a file of the data dir,
so `calledit sources` (another process) lists `source_statuses(settings, book)` with what the server saw.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from calledit.config import Settings

STATUS_FILE = "sources-status.json"  # in the data dir


@dataclass(frozen=True)
class SourceInfo:
    name: str  # as the client's `source` argument and the check's `source`
    title: str
    hosts: tuple[str, ...]
    needs: str | None = None  # the setting it needs beyond CALLEDIT_WEB, if any


SOURCES: tuple[SourceInfo, ...] = (
    SourceInfo(
        "weather",
        "Open-Meteo daily weather",
        ("geocoding-api.open-meteo.com", "archive-api.open-meteo.com", "api.open-meteo.com"),
    ),
    SourceInfo("market", "Yahoo Finance daily close", ("query1.finance.yahoo.com",)),
    SourceInfo("crypto", "CoinGecko USD price", ("api.coingecko.com",)),
    SourceInfo("sports", "ESPN scoreboard", ("site.api.espn.com",)),
    SourceInfo("economy", "FRED economic series", ("api.stlouisfed.org",), needs="CALLEDIT_FRED_API_KEY"),
    SourceInfo("search", "Web search", (), needs="CALLEDIT_SEARXNG_URL or CALLEDIT_BRAVE_API_KEY"),
)


@dataclass
class _Record:
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure_reason: str | None = None


class StatusBook:
    """The last success and failure of each source in this process (thread-safe: the scheduler and the
    server may share it)."""

    def __init__(self, path: Path | None = None) -> None:
        """`path`: a JSON file the book is kept in, so that `calledit sources` in another process sees what
        the server's checks saw (read at start, rewritten on each change)."""
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()
        self.path = path
        if path is not None and path.is_file():
            with contextlib.suppress(OSError, ValueError, TypeError):
                for name, fields in json.loads(path.read_text(encoding="utf-8")).items():
                    success, failure = (
                        datetime.fromisoformat(fields[key]) if fields.get(key) else None
                        for key in ("last_success_at", "last_failure_at")
                    )
                    self._records[name] = _Record(success, failure, fields.get("last_failure_reason"))

    def success(self, source: str, *, at: datetime) -> None:
        with self._lock:
            self._records.setdefault(source, _Record()).last_success_at = at
            self._save()

    def failure(self, source: str, reason: str, *, at: datetime) -> None:
        with self._lock:
            record = self._records.setdefault(source, _Record())
            record.last_failure_at = at
            record.last_failure_reason = reason
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        payload = {
            name: {
                "last_success_at": r.last_success_at.isoformat() if r.last_success_at else None,
                "last_failure_at": r.last_failure_at.isoformat() if r.last_failure_at else None,
                "last_failure_reason": r.last_failure_reason,
            }
            for name, r in self._records.items()
        }
        with contextlib.suppress(OSError):  # a status file is a convenience: never fail a check over it
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(payload), encoding="utf-8")
            temporary.replace(self.path)

    def get(self, source: str) -> _Record:
        with self._lock:
            record = self._records.get(source, _Record())
            return _Record(record.last_success_at, record.last_failure_at, record.last_failure_reason)


class SourceStatus(BaseModel):
    name: str
    title: str
    hosts: list[str]
    configured: bool
    detail: str  # why it is or is not usable, and what to set
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure_reason: str | None = None


def _configured(info: SourceInfo, settings: Settings) -> tuple[bool, str]:
    mode = settings.web
    if mode in ("off", "fixtures"):
        return False, f"CALLEDIT_WEB={mode}: set CALLEDIT_WEB=live (or replay:FILE.har) to use it"
    where = "answered from the recording" if mode.startswith("replay:") else "live"
    if info.name == "economy":
        if settings.fred_api_key is None and not mode.startswith("replay:"):
            return False, "needs a free API key: set CALLEDIT_FRED_API_KEY (fred.stlouisfed.org/docs/api/api_key.html)"
        return True, where
    if info.name == "search":
        if settings.searxng_url:
            return True, f"{where}, SearXNG at {settings.searxng_url}"
        if settings.brave_api_key is not None:
            return True, f"{where}, Brave Search API"
        return False, "no search backend: set CALLEDIT_SEARXNG_URL or CALLEDIT_BRAVE_API_KEY"
    return True, f"{where}, no key needed"


def source_statuses(settings: Settings, book: StatusBook | None = None) -> list[SourceStatus]:
    """Every source, in a fixed order, with what this process has seen of it (nothing without a book)."""
    statuses = []
    for info in SOURCES:
        configured, detail = _configured(info, settings)
        record = book.get(info.name) if book is not None else _Record()
        hosts = list(info.hosts)
        if info.name == "search":
            if settings.searxng_url:
                hosts = [settings.searxng_url]
            elif settings.brave_api_key is not None:
                hosts = ["api.search.brave.com"]
        statuses.append(
            SourceStatus(
                name=info.name,
                title=info.title,
                hosts=hosts,
                configured=configured,
                detail=detail,
                last_success_at=record.last_success_at,
                last_failure_at=record.last_failure_at,
                last_failure_reason=record.last_failure_reason,
            )
        )
    return statuses


__all__ = ["SOURCES", "SourceInfo", "SourceStatus", "StatusBook", "source_statuses"]
