"""`create_app(settings)`: the whole server, built from settings with calledit.wiring's builders (tests pass
their own settings, or their own parts: provider, store, session, auth, limits)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from calledit import __version__
from calledit.agents.session import CallSession
from calledit.auth.service import Authenticator, build_authenticator
from calledit.config import Settings
from calledit.domain.errors import CalledItError, ErrorCode, code_for_status
from calledit.providers import Provider
from calledit.server import (
    api,
    log_api,
    notifications_api,
    security,
    share,
    tokens_api,
    tracker_api,
    verification_api,
    ws,
)
from calledit.server.limits import Limits
from calledit.server.state import AppState
from calledit.storage import CallStore
from calledit.wiring import build_session, build_store, instrument

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"

# What to do next, for the statuses the framework raises with only their phrase ("Not Found").
_NEXT_STEP = {
    404: "Nothing here: check the path. The API is under /api; /docs lists every route.",
    405: "This path does not accept that method: /docs lists what each route accepts.",
}


def _error(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def create_app(
    settings: Settings | None = None,
    *,
    provider: Provider | None = None,
    store: CallStore | None = None,
    session: CallSession | None = None,
    auth: Authenticator | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    settings = settings or Settings()
    session = session or build_session(settings, provider)
    state = AppState(
        settings=settings,
        store=store or build_store(settings),
        session=session,
        auth=auth or build_authenticator(settings),
        limits=limits or Limits.from_settings(settings),
    )
    instrument(state.store, settings)  # the call log and the notification outbox write with every call
    state.auth.accept_api_tokens(state.store)  # personal `cit_` tokens live beside the calls

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from calledit.wiring import start_delivery, start_scheduler

        scheduler = start_scheduler(settings, state.store, state.session, state.notify)
        delivery = start_delivery(settings, state.store, state.notify)  # beside the scheduler (notify/service.py)
        yield
        if delivery is not None:
            await delivery.stop()
        if scheduler is not None:
            await scheduler.stop()
        state.store.close()
        state.auth.close()

    app = FastAPI(
        lifespan=lifespan,
        title="CalledIt",
        version=__version__,
        summary="Turn predictions into verifiable calls; stream the agent's work over /ws.",
    )
    app.state.calledit = state

    # Starlette's HTTPException, which FastAPI's subclasses: unknown paths (404) and methods (405) raise
    # it too, and answered {"detail": ...} before.
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code in _NEXT_STEP and message == HTTPStatus(exc.status_code).phrase:
            message = _NEXT_STEP.get(exc.status_code, message)
        response = _error(exc.status_code, code_for_status(exc.status_code), message)
        response.headers.update(exc.headers or {})  # 405's Allow
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"] if p != "body")
            message = str(error["msg"]).removeprefix("Value error, ")  # pydantic's prefix for our own checks
            problems.append(f"{where}: {message}" if where else message)
        return _error(422, ErrorCode.BAD_REQUEST, f"Invalid request: {'; '.join(problems)}. Fix it and retry.")

    @app.exception_handler(CalledItError)
    async def domain_error(request: Request, exc: CalledItError) -> JSONResponse:
        status, headers = security.error_status(exc)  # the code's status (+ WWW-Authenticate, Retry-After)
        response = _error(status, exc.code, exc.message)
        response.headers.update(headers)
        return response

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__, "model": state.session.agent.provider.name}

    app.include_router(api.router)
    app.include_router(verification_api.router)
    app.include_router(share.router)
    app.include_router(log_api.router)
    app.include_router(notifications_api.router)
    app.include_router(tracker_api.router)
    app.include_router(tokens_api.router)
    app.include_router(ws.router)
    security.harden(app, state)  # auth routes, /metrics, security headers, CORS, limits, request ids

    if (STATIC_DIR / "index.html").exists():
        app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="ui")
    else:

        @app.get("/", include_in_schema=False)
        async def no_ui() -> HTMLResponse:
            return HTMLResponse(
                "<!doctype html><title>CalledIt</title><h1>CalledIt</h1><p>The web UI is not built. Run "
                "<code>npm --prefix frontend ci && npm --prefix frontend run build</code>, or use the "
                "WebSocket at <code>/ws</code> and the API at <a href='/docs'>/docs</a>.</p>"
            )

    return app
