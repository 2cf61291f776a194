"""What the app shares across requests, built once by `create_app` and reached through `Deps`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import Depends, Request, WebSocket

from calledit.agents.session import CallSession
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)
LOCAL_USER = "local"


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
    connections: set[object] = field(default_factory=set)
    # user id -> that user's open connections: who may receive a verdict
    subscribers: dict[str, set[Subscriber]] = field(default_factory=dict)

    def register(self, connection: Subscriber) -> None:
        self.connections.add(connection)
        self.subscribers.setdefault(connection.user, set()).add(connection)

    def unregister(self, connection: Subscriber) -> None:
        self.connections.discard(connection)
        mine = self.subscribers.get(connection.user)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self.subscribers[connection.user]

    def connection_count(self, user_id: str) -> int:
        return len(self.subscribers.get(user_id, ()))

    async def notify(self, user_id: str, event: AnyServerEvent) -> int:
        """Send `event` to every open connection of `user_id`, and only theirs; returns how many got it."""
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


def current_user(request: Request) -> str:
    """The user making the request. With CALLEDIT_AUTH=none there is one local user."""
    del request
    return LOCAL_USER


StateDep = Annotated[AppState, Depends(app_state)]
CurrentUser = Annotated[str, Depends(current_user)]
