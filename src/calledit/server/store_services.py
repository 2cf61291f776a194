"""The store's optional services as the routers need them (the shares, the call log), and the server's public
address: one place, for the share, log and public-profile routers."""

from __future__ import annotations

from fastapi import Request

from calledit.domain.errors import ConfigurationError
from calledit.proof.port import CallLog
from calledit.proof.shares import Shares
from calledit.server.state import AppState
from calledit.wiring import services_of


def shares_of(state: AppState) -> Shares:
    shares = services_of(state.store).shares
    if shares is None:
        raise ConfigurationError(f"The {type(state.store).__name__} storage adapter cannot share calls yet: use a "
                                 "SQLite database (CALLEDIT_DB=path).")
    return shares


def log_of(state: AppState) -> CallLog:
    log = services_of(state.store).log
    if log is None:
        raise ConfigurationError(f"The {type(state.store).__name__} storage adapter keeps no call log yet: use a "
                                 "SQLite database (CALLEDIT_DB=path).")
    return log


def base_url(state: AppState, request: Request) -> str:
    return (state.settings.public_url or str(request.base_url)).rstrip("/")
