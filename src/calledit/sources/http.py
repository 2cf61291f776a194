"""One HTTP client for every outside source: timeouts, retries with backoff, rate limits, a deadline.

`build_source_client(settings)` is the only place it is wired. CALLEDIT_WEB picks the mode: `off` (every
request fails with a reason that says how to turn sources on), `live` (the real network), or
`replay:FILE.har` (answers from a recording, no network; retries do not wait). A request that fails with
429, 5xx or no answer is retried with exponential backoff (tenacity), honouring Retry-After up to a cap,
all within one deadline per request; any other failure is a `SourceError` whose reason a person reads.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx
from aiolimiter import AsyncLimiter
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from calledit.config import Settings
from calledit.sources.replay import ReplayTransport

if TYPE_CHECKING:
    from calledit.sources.status import StatusBook

log = logging.getLogger(__name__)

USER_AGENT = "CalledIt/0.1"
MAX_BODY_BYTES = 8 * 1024 * 1024
RETRY_AFTER_CAP_SECONDS = 20.0
# Requests per period and source: within each API's free use (CoinGecko's public API allows a few a minute).
RATE_LIMITS: dict[str, tuple[float, float]] = {
    "weather": (10, 1.0),
    "market": (2, 1.0),
    "crypto": (10, 60.0),
    "sports": (5, 1.0),
    "economy": (2, 1.0),
    "search": (1, 1.0),
}
# Query parameters that carry credentials: never logged, never in evidence.
SECRET_PARAMS = frozenset(
    {"api_key", "apikey", "key", "token", "access_token", "x_cg_demo_api_key", "x_cg_pro_api_key", "appid"}
)

Mode = Literal["off", "live", "replay"]
FailureKind = Literal["off", "not_configured", "unreachable", "status", "malformed", "not_found"]


class SourceError(Exception):
    """A source gave no usable data. `reason` is for people; `kind` says which way it failed."""

    def __init__(self, reason: str, *, kind: FailureKind, url: str | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.url = url
        self.status = status


class _Transient(Exception):
    """A failure worth retrying: 429, 5xx, or no answer."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    """A JSON answer and the request's URL with its secrets removed (for evidence)."""

    url: str
    status: int
    body: Any


def clean_url(url: httpx.URL | str) -> str:
    """The URL without credential query parameters (api_key and the like), fit for evidence and logs."""
    parsed = httpx.URL(str(url))
    kept = httpx.QueryParams(
        [(name, value) for name, value in parsed.params.multi_items() if name.lower() not in SECRET_PARAMS]
    )
    return str(parsed.copy_with(params=kept)) if kept else str(parsed.copy_with(query=None))


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class SourceClient:
    """GET JSON from outside sources through one `httpx.AsyncClient`, with the policy of the module doc."""

    def __init__(
        self,
        http: httpx.AsyncClient | None,
        *,
        mode: Mode,
        attempts: int = 3,
        deadline: float = 30.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        retry_after_cap: float = RETRY_AFTER_CAP_SECONDS,
        rate_limits: Mapping[str, tuple[float, float]] | None = None,
        status: StatusBook | None = None,
        off_reason: str | None = None,
        keys: Mapping[str, SecretStr] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.http = http
        self.keys: dict[str, SecretStr] = dict(keys or {})  # per source: "economy" (FRED), "brave"
        self.mode: Mode = mode
        self.attempts = attempts
        self.deadline = deadline
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_after_cap = retry_after_cap
        self.status = status
        self.off_reason = off_reason or (
            "Outside data is off: set CALLEDIT_WEB=live to let CalledIt check calls against their sources."
        )
        self.clock = clock
        self._limiters = {name: AsyncLimiter(rate, period) for name, (rate, period) in (rate_limits or {}).items()}

    async def __aenter__(self) -> SourceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def get_json(
        self,
        source: str,
        url: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """The JSON body of a 2xx answer; raises `SourceError` for anything else (after retries)."""
        request_url = httpx.URL(url)
        if params:  # merged: a query already in `url` stays
            request_url = request_url.copy_merge_params({name: str(value) for name, value in params.items()})
        shown = clean_url(request_url)
        if self.http is None or self.mode == "off":
            raise SourceError(self.off_reason, kind="off", url=shown)
        started = time.perf_counter()
        try:
            fetched = await self._get_with_retries(source, request_url, shown, headers)
        except SourceError as exc:
            log.info("source=<%s>, url=<%s>, kind=<%s> | no data: %s", source, shown, exc.kind, exc.reason)
            if self.status is not None:
                self.status.failure(source, exc.reason, at=self.clock())
            raise
        log.debug("source=<%s>, url=<%s>, seconds=<%.2f> | answered", source, shown, time.perf_counter() - started)
        if self.status is not None:
            self.status.success(source, at=self.clock())
        return fetched

    async def _get_with_retries(
        self, source: str, url: httpx.URL, shown: str, headers: Mapping[str, str] | None
    ) -> Fetched:
        assert self.http is not None
        http = self.http
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        last: list[_Transient] = []

        async def once() -> httpx.Response:
            limiter = self._limiters.get(source)
            if limiter is not None:
                await limiter.acquire()
            try:
                response = await http.get(url, headers=dict(headers or {}))
            except httpx.TransportError as exc:
                failure = _Transient(_transport_reason(exc))
                last.append(failure)
                raise failure from exc
            if response.status_code == 429 or response.status_code >= 500:
                failure = _Transient(
                    f"answered HTTP {response.status_code}",
                    status=response.status_code,
                    retry_after=retry_after_seconds(response.headers.get("retry-after")),
                )
                last.append(failure)
                log.info("source=<%s>, url=<%s>, status=<%d> | retrying", source, shown, response.status_code)
                raise failure
            return response

        try:
            async with asyncio.timeout(self.deadline):
                async for attempt in retrying:
                    with attempt:
                        response = await once()
        except TimeoutError:
            before = f"; before that it {last[-1].reason}" if last else ""
            raise SourceError(
                f"{_host(url)} gave no answer within {self.deadline:g} s{before}", kind="unreachable", url=shown
            ) from None
        except _Transient as exc:
            tries = f" ({self.attempts} tries)" if self.attempts > 1 else ""
            kind: FailureKind = "status" if exc.status is not None else "unreachable"
            raise SourceError(f"{_host(url)} {exc.reason}{tries}", kind=kind, url=shown, status=exc.status) from None
        if response.status_code >= 400:
            raise SourceError(
                f"{_host(url)} answered HTTP {response.status_code}{_error_detail(response)}",
                kind="status",
                url=shown,
                status=response.status_code,
            )
        if len(response.content) > MAX_BODY_BYTES:
            raise SourceError(f"{_host(url)} answered more than {MAX_BODY_BYTES} bytes", kind="malformed", url=shown)
        try:
            body = response.json()
        except ValueError:
            reason = f"{_host(url)} answered something that is not JSON"
            raise SourceError(reason, kind="malformed", url=shown) from None
        return Fetched(url=shown, status=response.status_code, body=body)

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry_after_cap)
        if self.backoff_initial <= 0:
            return 0.0
        return float(wait_exponential_jitter(initial=self.backoff_initial, max=self.backoff_max)(state))


def _host(url: httpx.URL) -> str:
    return url.host or str(url)


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "did not answer in time"
    detail = str(exc).strip()
    return f"could not be reached ({detail})" if detail else "could not be reached"


def _error_detail(response: httpx.Response) -> str:
    """A short detail from an error body, when it has one (FRED's error_message, Yahoo's chart.error ...)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    paths = (
        ("error_message",),
        ("reason",),
        ("error",),
        ("error", "status", "error_message"),
        ("status", "error_message"),
        ("message",),
        ("chart", "error", "description"),
    )
    for path in paths:
        node: Any = body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node.strip():
            return f": {node.strip()[:200]}"
    return ""


def build_source_client(
    settings: Settings,
    *,
    status: StatusBook | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SourceClient:
    """The client CALLEDIT_WEB asks for. `transport` replaces the network (tests); replay never waits."""
    mode = settings.web
    replay = settings.web_replay_path()
    if mode in ("off", "fixtures") and transport is None:
        reason = None
        if mode == "fixtures":
            reason = (
                "CALLEDIT_WEB=fixtures only feeds web search; set CALLEDIT_WEB=live or replay:FILE.har "
                "for data sources."
            )
        return SourceClient(None, mode="off", status=status, off_reason=reason, keys=_keys(settings))
    replaying = replay is not None
    if transport is None and replay is not None:
        transport = ReplayTransport.from_file(replay)
    http = httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.web_timeout_seconds),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=True,
        max_redirects=5,
    )
    return SourceClient(
        http,
        mode="replay" if replaying else "live",
        attempts=settings.web_attempts,
        deadline=settings.web_deadline_seconds,
        backoff_initial=0.0 if replaying else 0.5,
        rate_limits=None if replaying else RATE_LIMITS,
        status=status,
        keys=_keys(settings),
    )


def _keys(settings: Settings) -> dict[str, SecretStr]:
    keys = {"economy": settings.fred_api_key, "brave": settings.brave_api_key}
    return {name: key for name, key in keys.items() if key is not None and key.get_secret_value()}


__all__ = [
    "RATE_LIMITS",
    "USER_AGENT",
    "Fetched",
    "SourceClient",
    "SourceError",
    "build_source_client",
    "clean_url",
    "retry_after_seconds",
]
