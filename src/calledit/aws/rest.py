"""The REST API (/api/calls, /healthz, /docs) as one Lambda behind an API Gateway HTTP API.

It is the same ASGI app `calledit serve` runs, adapted by Mangum, over the DynamoDB store named by
CALLEDIT_DB. With auth on, API Gateway's JWT authorizer turns away bad tokens before the function
runs, and the app verifies the bearer token again (CALLEDIT_AUTH=oidc) to learn the user.

A verdict set by hand (resolve, undo) is pushed as a `verdict` event to the owner's open WebSocket
connections, as the local server does: CALLEDIT_CONNECTIONS_TABLE says which, CALLEDIT_MANAGEMENT_ENDPOINT
(the WebSocket stage URL) is where to post. Without both, verdicts are only stored.
"""

from __future__ import annotations

from typing import Any

from calledit.config import Settings

_handler: Any = None


def build_handler(settings: Settings) -> Any:
    from mangum import Mangum

    from calledit.aws import push
    from calledit.aws.config import AwsSettings
    from calledit.server.app import create_app

    app = create_app(settings)
    pusher = push.from_settings(AwsSettings())
    if pusher is not None:  # a verdict set by hand reaches the owner's open sockets, as locally
        push.install(app.state.calledit, pusher)
    return Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (ApiFunction): the app is built once per container."""
    global _handler
    if _handler is None:
        from calledit.aws.secrets import lambda_settings

        _handler = build_handler(lambda_settings(Settings()))  # the log's signing key from its secret
    response: dict[str, Any] = _handler(event, context)
    return response


def reset() -> None:
    """Forget the container's app (tests that change the environment)."""
    global _handler
    _handler = None
