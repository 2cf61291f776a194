"""What the app shares across requests, built once by `create_app` and reached through `Deps`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, WebSocket

from calledit.agents.session import CallSession
from calledit.config import Settings
from calledit.storage.base import CallStore

LOCAL_USER = "local"


@dataclass
class AppState:
    settings: Settings
    store: CallStore
    session: CallSession
    connections: set[object] = field(default_factory=set)


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
