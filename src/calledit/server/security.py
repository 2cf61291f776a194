"""HTTP and WebSocket hardening: security headers, CORS, Host and Origin checks, body limits, and the
WebSocket admission check (token, host, origin, connection cap) made before the upgrade."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, WebSocket
from fastapi.responses import JSONResponse, Response
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calledit.auth.errors import AuthError
from calledit.auth.subprotocol import offered_token
from calledit.auth.tokens import Principal
from calledit.domain.errors import CalledItError, ErrorCode, http_status
from calledit.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from calledit.server.observability import request_id
from calledit.server.proxies import client_ip

if TYPE_CHECKING:
    from calledit.config import Settings
    from calledit.server.state import AppState

log = logging.getLogger(__name__)

# Names that always mean this machine. "testserver" is Starlette's TestClient host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "testserver")
_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,255}$")
_DOCS = ("/docs", "/redoc")
# The built React UI: its own scripts and styles only; WebSocket and fetch to this origin only.
_UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'{ws}; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc load their bundles from jsDelivr and start with an inline script.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' data: https://fonts.gstatic.com; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
_STATIC_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


def host_name(host_header: str) -> str:
    """The name part of a Host header value, without port or IPv6 brackets, lowercased."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(settings: Settings) -> list[str]:
    """CALLEDIT_ALLOWED_HOSTS, or with auth off the loopback names only (a DNS-rebinding defence)."""
    if settings.allowed_hosts:
        return [h.lower() for h in settings.allowed_hosts]
    return list(LOOPBACK_HOSTS) if settings.auth == "none" else ["*"]


def host_allowed(host_header: str | None, allowed: Sequence[str]) -> bool:
    if "*" in allowed:
        return True
    if not host_header:
        return False
    name = host_name(host_header)
    with contextlib.suppress(ValueError):
        if "localhost" in allowed and ipaddress.ip_address(name).is_loopback:
            return True
    return any(name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
               for pattern in allowed)


def origin_allowed(origin: str | None, host_header: str | None, cors_origins: Sequence[str]) -> bool:
    """Browsers send Origin on WebSocket upgrades and CORS does not apply to them: check it here.

    No Origin = not a browser (CLI, wscat), which a page cannot impersonate."""
    if origin is None:
        return True
    if "*" in cors_origins or origin in cors_origins:
        return True
    netloc = urlsplit(origin).netloc.lower()
    return bool(host_header) and netloc == (host_header or "").lower()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _json(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def internal_error() -> JSONResponse:
    """The answer to a bug: the request id to report, never the traceback (that goes to the log)."""
    rid = request_id.get() or "unknown"
    message = f"Something went wrong on our side: retry, and if it keeps failing, report request id {rid}."
    return JSONResponse({"code": ErrorCode.INTERNAL, "message": message, "request_id": rid}, status_code=500)


class HttpGuard:
    """ASGI middleware for HTTP: Host check, body size limit, the security headers on every answer, and
    a JSON 500 for any exception a route lets out (Starlette's own 500 is plain text, outside this guard)."""

    def __init__(self, app: ASGIApp, *, hosts: Sequence[str], max_body_bytes: int,
                 large_bodies: dict[str, int] | None = None) -> None:
        self.app = app
        self.hosts = list(hosts)
        self.max_body_bytes = max_body_bytes
        self.large_bodies = large_bodies or {}  # path -> its own limit (POST /api/import takes whole files)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        csp = self._csp(scope["path"], host)

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                extra = [*_STATIC_HEADERS, (b"content-security-policy", csp.encode())]
                if scope["path"].startswith("/api/"):
                    extra.append((b"cache-control", b"no-store"))  # responses may hold tokens or calls
                headers += [(key, value) for key, value in extra if key not in present]
                message["headers"] = headers
            await send(message)

        if not host_allowed(host, self.hosts):
            response = _json(400, ErrorCode.BAD_REQUEST, "This server does not answer to that Host name: "
                             "use http://127.0.0.1 or add the name to CALLEDIT_ALLOWED_HOSTS.")
            await response(scope, receive, send_with_headers)
            return
        limit = self.large_bodies.get(scope["path"], self.max_body_bytes)
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(limit)(scope, receive, send_with_headers)
            return
        try:
            await self.app(scope, self._counting(receive, limit), send_with_headers)
        except Exception:
            if started:  # too late for an answer: the server drops the connection
                raise
            log.exception("request_id=<%s> | request failed unexpectedly", request_id.get())
            await internal_error()(scope, receive, send_with_headers)

    def _too_large(self, limit: int) -> JSONResponse:
        return _json(413, ErrorCode.TOO_LARGE, f"The request body is over the {limit}-byte limit: send less.")

    def _counting(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the body read, so FastAPI answers it through the app's error handler.
                    raise HTTPException(413, f"The request body is over the {limit}-byte limit.")
            return message

        return counted

    @staticmethod
    def _csp(path: str, host: str | None) -> str:
        if path in _DOCS or path.startswith("/docs/"):
            return _DOCS_CSP
        ws = f" ws://{host} wss://{host}" if host and _SAFE_HOST.fullmatch(host) else ""
        return _UI_CSP.format(ws=ws)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the HTTP guard and (when origins are configured) CORS. Call before the request-id middleware."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID"],
            allow_credentials=False,  # bearer tokens, never cookies
            max_age=600,
        )
    app.add_middleware(HttpGuard, hosts=allowed_hosts(settings), max_body_bytes=settings.max_body_bytes,
                       large_bodies={"/api/import": settings.max_import_bytes})


# --- WebSocket admission ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    principal: Principal
    subprotocol: str | None  # "bearer" when the client offered it: browsers require it echoed
    client_ip: str

    @property
    def expires_at(self) -> float | None:
        exp = self.principal.claims.get("exp")
        return float(exp) if isinstance(exp, int | float) else None


def websocket_token(websocket: WebSocket) -> tuple[str | None, bool]:
    """(token, offered_bearer): from `Sec-WebSocket-Protocol: bearer, <JWT>` or else `?token=`."""
    return offered_token(websocket.scope.get("subprotocols", []), websocket.query_params.get("token"))


async def deny(websocket: WebSocket, status: int, code: ErrorCode, message: str,
               headers: dict[str, str] | None = None) -> None:
    """Refuse the upgrade with a real HTTP status and JSON body; close 1008 where the server cannot."""
    from calledit.server.observability import websocket_denied

    websocket_denied.set(True)
    try:
        await websocket.send_denial_response(_json(status, code, message, headers))
    except RuntimeError:
        await websocket.close(code=1008, reason=message[:120])


async def admit(websocket: WebSocket, state: AppState) -> Admission | None:
    """Everything checked before a WebSocket is accepted. Returns None once it has refused."""
    settings = state.settings
    host = websocket.headers.get("host")
    if not host_allowed(host, allowed_hosts(settings)):
        await deny(websocket, 403, ErrorCode.FORBIDDEN, "This server does not answer to that Host name.")
        return None
    if not origin_allowed(websocket.headers.get("origin"), host, settings.cors_origins):
        await deny(websocket, 403, ErrorCode.FORBIDDEN,
                   "Pages from that origin may not open this WebSocket: add it to CALLEDIT_CORS_ORIGINS.")
        return None
    token, offered_bearer = websocket_token(websocket)
    try:
        principal = await state.auth.authenticate(token)
    except AuthError as exc:
        state.metrics.auth_failures.labels("ws").inc()
        state.metrics.errors.labels(exc.code.value, "ws").inc()
        await deny(websocket, 401, ErrorCode.UNAUTHORIZED, exc.message, {"WWW-Authenticate": "Bearer"})
        return None
    open_now = state.connection_count(principal.user_id)
    if not state.limits.connection_allowed(open_now):
        state.metrics.errors.labels(ErrorCode.RATE_LIMITED.value, "ws").inc()
        await deny(websocket, 429, ErrorCode.RATE_LIMITED,
                   f"You have {open_now} connections open (the limit): close one and retry.",
                   {"Retry-After": "5"})
        return None
    return Admission(principal, "bearer" if offered_bearer else None, client_ip(websocket))


# --- wiring -----------------------------------------------------------------------------------------

def error_status(exc: CalledItError) -> tuple[int, dict[str, str]]:
    """The HTTP status (domain.errors' table) and headers a domain error answers with (401 names Bearer,
    429 says when)."""
    headers: dict[str, str] = {}
    if exc.code is ErrorCode.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(exc.retry_after))
    return http_status(exc.code), headers


def harden(app: FastAPI, state: AppState) -> None:
    """Auth routes, /metrics, and the middleware: request ids and access log outermost, then the
    HTTP guard (host, body size, security headers), then CORS nearest the routes."""
    from calledit.server.auth_routes import router as auth_router
    from calledit.server.observability import RequestContext, install_redaction

    app.include_router(auth_router)

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(state.metrics.render(), media_type=METRICS_CONTENT_TYPE)

    state.metrics.watch_queue(state.session.gate)
    install(app, state.settings)
    app.add_middleware(RequestContext, metrics=state.metrics)
    install_redaction()
