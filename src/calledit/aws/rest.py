"""The REST API (/api/calls, /healthz, /docs) as one Lambda behind an API Gateway HTTP API.

It is the same ASGI app `calledit serve` runs, adapted by Mangum, over the DynamoDB store named by
CALLEDIT_DB. With auth on, API Gateway's JWT authorizer turns away bad tokens before the function
runs, and the app verifies the bearer token again (CALLEDIT_AUTH=oidc) to learn the user.
"""

from __future__ import annotations

from typing import Any

from calledit.config import Settings

_handler: Any = None


def build_handler(settings: Settings) -> Any:
    from mangum import Mangum

    from calledit.server.app import create_app

    return Mangum(create_app(settings), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (ApiFunction): the app is built once per container."""
    global _handler
    if _handler is None:
        _handler = build_handler(Settings())
    response: dict[str, Any] = _handler(event, context)
    return response


def reset() -> None:
    """Forget the container's app (tests that change the environment)."""
    global _handler
    _handler = None
