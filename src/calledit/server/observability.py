"""Structured logs: request and connection ids on every line, JSON when CALLEDIT_LOG_JSON=true, and no
credential ever written (tokens in URLs and headers are redacted before a line is formatted)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calledit.domain.errors import code_for_status

if TYPE_CHECKING:
    from calledit.config import Settings
    from calledit.server.metrics import Metrics

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
connection_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("connection_id", default=None)
user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)
# Set when we refuse a WebSocket upgrade with an HTTP response (see DeniedHandshakeFilter).
websocket_denied: contextvars.ContextVar[bool] = contextvars.ContextVar("websocket_denied", default=False)

_SECRETS = [
    # token=..., "refresh_token": "...", password=... in URLs, forms and JSON bodies
    (re.compile(r"(\b(?:token|access_token|refresh_token|id_token|password)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+",
                re.I), r"\1[redacted]"),
    (re.compile(r"(bearer[\s,]+)[A-Za-z0-9\-_.~+/]+=*", re.I), r"\1[redacted]"),
    # Anything shaped like a JWT (three base64url parts, the first a JSON header) wherever it appears.
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message", "ids"}


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message so no token survives, and stamps the current ids on it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        record.request_id = request_id.get()
        record.connection_id = connection_id.get()
        record.user_id = user_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("request_id", "connection_id", "user_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_") and value is not None:
                entry[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(ids)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{key}={value}" for key in ("request_id", "connection_id")
               if (value := getattr(record, key, None))]
        record.ids = f"[{' '.join(ids)}] " if ids else ""
        return redact(super().format(record))


_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


class DeniedHandshakeFilter(logging.Filter):
    """uvicorn's websockets-sansio logs a spurious ERROR after every denial response (Kludex/uvicorn
    PR #3138, open): drop exactly that line, and only for connections we refused on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (websocket_denied.get() and record.msg == "ASGI callable returned without completing handshake.")


def install_redaction() -> None:
    """Make sure uvicorn's own loggers (which print request paths, ?token= included) redact too."""
    for name in _UVICORN:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DeniedHandshakeFilter) for f in error_log.filters):
        error_log.addFilter(DeniedHandshakeFilter())


def configure_logging(settings: Settings) -> None:
    """Root logging for `calledit serve`: one stderr handler, JSON or text, redacting."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    handler.addFilter(RedactingFilter())
    handler.calledit = True  # type: ignore[attr-defined]  # ours: replaced, never duplicated
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "calledit", False)] + [handler]
    root.setLevel(settings.log_level.upper())
    for name in _UVICORN:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    install_redaction()


access_log = logging.getLogger("calledit.access")


class RequestContext:
    """ASGI middleware: a request id per HTTP request (X-Request-ID in and out), an access log line
    without the query string, and the HTTP metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        user_token = user_id.set(None)
        if scope["type"] == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                user_id.reset(user_token)
                request_id.reset(token)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            self.metrics.http_requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.http_seconds.labels(scope["method"], route).observe(elapsed)
            if status >= 400:
                self.metrics.errors.labels(code_for_status(status), "http").inc()
            access_log.info(
                "method=<%s>, path=<%s>, status=<%d>, ms=<%.1f> | request",
                scope["method"], _printable(scope["path"]), status, elapsed * 1000,
            )
            user_id.reset(user_token)
            request_id.reset(token)


def _printable(text: str) -> str:
    """A path as logged: control characters escaped so a request cannot forge log lines."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:512])


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _route(scope: Scope) -> str:
    """The route template (/api/calls/{call_id}), never the raw path: keeps metric labels few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return "static" if scope.get("path", "/") != "/" else "/"
