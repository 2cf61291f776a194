"""API Gateway WebSocket events, as the gateway builds them for Lambda (AWS_PROXY integrations).

The emulator builds them from real sockets; the tests build them by hand. Only the fields API Gateway
documents for WebSocket APIs, with the same names and shapes.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_ROUTE = "$default"
MESSAGE_ROUTES = ("makecall",)  # the template's routes besides $connect, $disconnect and $default


def new_connection_id() -> str:
    """An id shaped like API Gateway's (base64 of 12 random bytes, e.g. 'L0SM9cOFvHcCIhw=')."""
    return base64.urlsafe_b64encode(secrets.token_bytes(10)).decode()  # no "/": it sits in a URL path


def route_key(body: str | None, routes: Sequence[str] = MESSAGE_ROUTES) -> str:
    """`$request.body.action`: the route named by the JSON body's action, else $default."""
    if body is None:
        return DEFAULT_ROUTE
    try:
        payload = json.loads(body)
    except ValueError:
        return DEFAULT_ROUTE
    action = payload.get("action") if isinstance(payload, dict) else None
    return action if isinstance(action, str) and action in routes else DEFAULT_ROUTE


def _now_ms() -> int:
    return int(time.time() * 1000)


def request_context(
    *,
    connection_id: str,
    route: str,
    event_type: str,
    domain_name: str,
    stage: str,
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    connected_at: int | None = None,
    api_id: str = "local",
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": route,
        "eventType": event_type,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at or _now_ms(),
        "requestTimeEpoch": _now_ms(),
        "identity": {"sourceIp": source_ip, **({"userAgent": user_agent} if user_agent else {})},
        "requestId": uuid.uuid4().hex[:16],
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": api_id,
    }
    if authorizer:
        context["authorizer"] = dict(authorizer)
    return context


def connect_event(
    context: dict[str, Any], headers: Mapping[str, str], query: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "headers": dict(headers),
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = {key: values[-1] for key, values in query.items()}
        event["multiValueQueryStringParameters"] = {key: list(values) for key, values in query.items()}
    return event


def message_event(context: dict[str, Any], text: str | None, data: bytes | None) -> dict[str, Any]:
    context = {**context, "messageId": uuid.uuid4().hex[:16]}
    if text is None:
        return {"requestContext": context, "body": base64.b64encode(data or b"").decode(), "isBase64Encoded": True}
    return {"requestContext": context, "body": text, "isBase64Encoded": False}


def disconnect_event(context: dict[str, Any], status: int = 1000, reason: str = "") -> dict[str, Any]:
    context = {**context, "disconnectStatusCode": status, "disconnectReason": reason}
    return {"headers": {}, "requestContext": context, "isBase64Encoded": False}


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header of a $connect or authorizer event, whatever case its name arrived in; repeated
    headers (multiValueHeaders) joined with ", " as HTTP allows for list-valued ones."""
    wanted = name.lower()
    multi = event.get("multiValueHeaders") or {}
    values = [v for key, vs in multi.items() if key.lower() == wanted for v in (vs or []) if isinstance(v, str)]
    if values:
        return ", ".join(values)
    single = [v for key, v in (event.get("headers") or {}).items() if key.lower() == wanted and isinstance(v, str)]
    return single[-1] if single else None


def authorizer_event(
    connect: dict[str, Any], region: str = "us-east-1", account: str = "000000000000"
) -> dict[str, Any]:
    """The REQUEST authorizer's input for a $connect (methodArn names this API, stage and route)."""
    context = connect["requestContext"]
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{region}:{account}:{context['apiId']}/{context['stage']}/$connect",
        "headers": connect.get("headers", {}),
        "multiValueHeaders": connect.get("multiValueHeaders", {}),
        "queryStringParameters": connect.get("queryStringParameters", {}),
        "multiValueQueryStringParameters": connect.get("multiValueQueryStringParameters", {}),
        "stageVariables": {},
        "requestContext": context,
    }
