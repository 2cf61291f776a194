"""Where a WebSocket client puts its token: `?token=` or the `bearer, <JWT>` subprotocol.

Shared by the ASGI server and the AWS path ($connect authorizer and handler), which must agree, and kept
free of web-framework imports so the authorizer Lambda starts without FastAPI.
"""

from __future__ import annotations

from collections.abc import Sequence


def subprotocols(header: str | None) -> list[str]:
    """The protocols a `Sec-WebSocket-Protocol` header value offers, in order (comma-separated)."""
    return [p.strip() for p in (header or "").split(",") if p.strip()]


def offered_token(offered: Sequence[str], query_token: str | None) -> tuple[str | None, bool]:
    """(token, offered_bearer): the entry after `bearer` among the offered subprotocols, else `?token=`."""
    offered = [p.strip() for p in offered]
    if "bearer" in offered:
        index = offered.index("bearer")
        token = offered[index + 1] if index + 1 < len(offered) else None
        return token or query_token, True
    return query_token, False
