"""Who is calling: the peer's address, or the client a trusted reverse proxy names in X-Forwarded-For.

uvicorn's ProxyHeadersMiddleware does the rewriting (the rightmost untrusted hop of X-Forwarded-For
becomes `scope["client"]`), switched on only for CALLEDIT_TRUSTED_PROXIES. uvicorn's own default trusts
127.0.0.1, which lets anyone who reaches the port from this machine (or through a local proxy that
passes the header on) pick a new address per request and walk around every per-IP limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import HTTPConnection


def uvicorn_proxy_options(trusted_proxies: Sequence[str]) -> dict[str, Any]:
    """uvicorn.run / uvicorn.Config keywords: forwarded headers are believed only from these addresses."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted_proxies)}


def client_ip(connection: HTTPConnection) -> str:
    """The address every per-IP limit and log line uses (a request or a WebSocket)."""
    return connection.client.host if connection.client else "unknown"
