"""What the app shares across requests, built once by `create_app` and reached through `Deps`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, Request, WebSocket

from calledit.agents.session import CallSession
from calledit.auth.errors import AuthError
from calledit.auth.service import LOCAL_USER, Authenticator
from calledit.auth.tokens import Principal
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent
from calledit.server import observability
from calledit.server.limits import Limits
from calledit.server.metrics import Metrics
from calledit.server.proxies import client_ip
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)
__all__ = ["LOCAL_USER", "AppState", "CurrentPrincipal", "CurrentUser", "StateDep", "WriteLimit", "client_ip"]


class Subscriber(Protocol):
    """A live connection that can be sent events: server.ws.Connection."""

    user: str
    id: str

    async def send(self, event: AnyServerEvent) -> None: ...


@dataclass
class AppState:
    settings: Settings
    store: CallStore
    session: CallSession
    auth: Authenticator = field(default_factory=Authenticator)
    limits: Limits = field(default_factory=Limits)
    metrics: Metrics = field(default_factory=Metrics)
    # user id -> that user's open connections: who may receive a verdict
    subscribers: dict[str, set[Subscriber]] = field(default_factory=dict)
    # Set when the sockets are not this process's (AWS: API Gateway holds them; calledit.aws.push posts)
    remote_notify: Callable[[str, AnyServerEvent], Awaitable[int]] | None = None

    def register(self, connection: Subscriber) -> None:
        self.subscribers.setdefault(connection.user, set()).add(connection)

    def unregister(self, connection: Subscriber) -> None:
        mine = self.subscribers.get(connection.user)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self.subscribers[connection.user]

    def connection_count(self, user_id: str) -> int:
        return len(self.subscribers.get(user_id, ()))

    async def notify(self, user_id: str, event: AnyServerEvent) -> int:
        """Send `event` to every open connection of `user_id`, and only theirs; returns how many got it."""
        if self.remote_notify is not None:
            return await self.remote_notify(user_id, event)
        delivered = 0
        for connection in list(self.subscribers.get(user_id, ())):
            try:
                await connection.send(event)
            except Exception as exc:  # a socket closing under us must not stop the others
                log.info("connection=<%s>, error=<%s> | could not deliver event", connection.id, exc)
            else:
                delivered += 1
        return delivered


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.calledit
    return state


def ws_state(websocket: WebSocket) -> AppState:
    state: AppState = websocket.app.state.calledit
    return state


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Send the token as 'Authorization: Bearer <token>'.")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    """Who is calling, per CALLEDIT_AUTH (docs/auth.md). With `none` there is one local user."""
    state = app_state(request)
    try:
        principal = await state.auth.authenticate(bearer_token(request.headers.get("authorization")))
    except AuthError:
        state.metrics.auth_failures.labels("http").inc()
        raise
    observability.user_id.set(principal.user_id)
    return principal


async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> str:
    return principal.user_id


StateDep = Annotated[AppState, Depends(app_state)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[str, Depends(current_user)]


async def limit_writes(request: Request, user: CurrentUser) -> None:
    """Per-user and per-IP buckets on REST writes: RateLimited (429 + Retry-After) when empty."""
    app_state(request).limits.write(user, client_ip(request))


WriteLimit = Depends(limit_writes)
