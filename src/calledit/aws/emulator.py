"""`calledit serve --via-lambda`: API Gateway's WebSocket side, emulated, in front of the real handlers.

Browsers connect to /ws (or /prod, the stage path) as they would to the stage URL. Each $connect,
message and $disconnect becomes the API Gateway event the deployed stack would deliver, and invokes
the Lambda handler code (one invocation per message, concurrently, as API Gateway does). The handlers
answer through real boto3 `apigatewaymanagementapi` clients pointed at this server's
`/prod/@connections/{id}` (POST, GET, DELETE; 410 GoneException once a socket has closed). The REST
API, /healthz and the web UI are the ASGI app's own, so the UI runs unchanged on the Lambda path.

Auth as on AWS: with CALLEDIT_AUTH=oidc the $connect authorizer's code checks `?token=` or the
`bearer, <JWT>` subprotocol; with `local` the app's accounts stand in for Cognito; with `none` there is
no authorizer. The socket is accepted with the subprotocol the $connect answer names, as API Gateway does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from calledit.agents.session import CallSession
from calledit.auth.errors import AuthError
from calledit.auth.service import Authenticator
from calledit.aws import push
from calledit.aws.authorizer import ConnectAuthorizer, Unauthorized, policy, token_of
from calledit.aws.config import AwsSettings
from calledit.aws.connections import ConnectionStore, DynamoConnections, build_connections
from calledit.aws.events import (
    authorizer_event,
    connect_event,
    disconnect_event,
    header,
    message_event,
    new_connection_id,
    request_context,
    route_key,
)
from calledit.aws.handlers import LambdaRuntime
from calledit.aws.management import ManagementClients, boto_client
from calledit.config import Settings
from calledit.domain.errors import ErrorCode
from calledit.providers import Provider
from calledit.server import security
from calledit.server.state import AppState
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)

STAGE = "prod"
DEFAULT_CONNECTIONS_TABLE = "calledit-connections"
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class _Socket:
    websocket: WebSocket
    context: dict[str, Any]
    connected_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.time)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _gone(connection_id: str) -> JSONResponse:
    # botocore reads the error code from this header: client.exceptions.GoneException
    return JSONResponse(
        {"message": f"Connection {connection_id} is gone"},
        status_code=410,
        headers={"x-amzn-ErrorType": "GoneException"},
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


class GatewayEmulator:
    def __init__(self, runtime: LambdaRuntime, state: AppState, *, stage: str = STAGE) -> None:
        self.runtime = runtime
        self.state = state
        self.stage = stage
        self.sockets: dict[str, _Socket] = {}
        self.invocations: set[asyncio.Task[Any]] = set()

    # --- the WebSocket side -----------------------------------------------------------------------

    async def serve(self, websocket: WebSocket) -> None:
        settings = self.state.settings
        host = websocket.headers.get("host")
        if not security.host_allowed(host, security.allowed_hosts(settings)) or not security.origin_allowed(
            websocket.headers.get("origin"), host, settings.cors_origins
        ):
            await security.deny(websocket, 403, ErrorCode.FORBIDDEN, "Forbidden: Host or Origin not allowed.")
            return
        self._learn_endpoint(websocket)
        connection_id = new_connection_id()
        client = websocket.client.host if websocket.client else "127.0.0.1"
        user_agent = websocket.headers.get("user-agent")

        def context_for(route: str, event_type: str, **extra: Any) -> dict[str, Any]:
            return request_context(
                route=route, event_type=event_type, connection_id=connection_id, domain_name=host or "localhost",
                stage=self.stage, source_ip=client, user_agent=user_agent, **extra,
            )

        connect = connect_event(
            context_for("$connect", "CONNECT"),
            dict(websocket.headers),
            {key: websocket.query_params.getlist(key) for key in websocket.query_params},
        )
        denied, authorizer = await self._authorize(connect)
        if denied:
            await security.deny(websocket, denied, ErrorCode.UNAUTHORIZED if denied == 401 else ErrorCode.FORBIDDEN,
                                "Unauthorized" if denied == 401 else "Forbidden")
            return
        if authorizer:
            connect["requestContext"]["authorizer"] = authorizer
        answer = await self._invoke(self.runtime.connect, connect)
        status = int(answer.get("statusCode", 500))
        if status != 200:
            await security.deny(websocket, status, ErrorCode.UNAUTHORIZED if status == 401 else ErrorCode.INTERNAL,
                                str(answer.get("body") or "Connection refused"))
            return
        # As API Gateway: the subprotocol the $connect answer names (the client's headers went in whole).
        await websocket.accept(subprotocol=header(answer, "Sec-WebSocket-Protocol"))
        context = connect["requestContext"]
        socket = _Socket(websocket, context, connected_at=context["connectedAt"] / 1000)
        self.sockets[connection_id] = socket
        close_code = 1000
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    close_code = int(message.get("code") or 1005)
                    break
                socket.last_active = time.time()
                text, data = message.get("text"), message.get("bytes")
                event = message_event(
                    context_for(route_key(text), "MESSAGE", connected_at=context["connectedAt"], authorizer=authorizer),
                    text,
                    data,
                )
                task = asyncio.create_task(self._invoke(self.runtime.message, event), name=f"invoke-{connection_id}")
                self.invocations.add(task)
                task.add_done_callback(self.invocations.discard)
        except WebSocketDisconnect as exc:
            close_code = exc.code
        finally:
            self.sockets.pop(connection_id, None)  # from now on @connections answers 410 Gone
            ctx = context_for("$disconnect", "DISCONNECT", connected_at=context["connectedAt"], authorizer=authorizer)
            await self._invoke(self.runtime.disconnect, disconnect_event(ctx, close_code))

    def _learn_endpoint(self, websocket: WebSocket) -> None:
        """Point the handlers' management clients at this server, wherever it was bound."""
        if self.runtime.management.override is None:
            server = websocket.scope.get("server") or ("127.0.0.1", 80)
            host = server[0] if server[0] not in ("0.0.0.0", "::") else "127.0.0.1"
            host = f"[{host}]" if ":" in host else host
            self.runtime.management.override = f"http://{host}:{server[1]}/{self.stage}"

    async def _authorize(self, connect: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        """(0, context) when allowed, else (401 | 403, None): the REQUEST authorizer, or none with auth off."""
        auth = self.state.auth
        if auth.mode == "none":
            return 0, None
        event = authorizer_event(connect)
        try:
            if auth.oidc is not None:  # the deployed authorizer's own code
                result = await asyncio.to_thread(ConnectAuthorizer(auth.oidc).authorize, event)
            else:  # local accounts stand in for Cognito
                principal = await auth.authenticate(token_of(event))
                result = policy(principal, event["methodArn"])
        except (Unauthorized, AuthError):
            return 401, None
        statement = result["policyDocument"]["Statement"][0]
        if statement["Effect"] != "Allow":
            return 403, None
        return 0, {"principalId": result["principalId"], **result.get("context", {})}

    async def _invoke(self, handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
        """One Lambda invocation. A raising handler gets API Gateway's own error frame, as on AWS."""
        try:
            return await handler(event)
        except Exception:
            log.exception("route=<%s> | the handler raised", event["requestContext"]["routeKey"])
            socket = self.sockets.get(event["requestContext"]["connectionId"])
            if socket is not None and event["requestContext"]["eventType"] == "MESSAGE":
                with contextlib.suppress(Exception):
                    await socket.websocket.send_json(
                        {"message": "Internal server error", "connectionId": event["requestContext"]["connectionId"],
                         "requestId": event["requestContext"]["requestId"]}
                    )
            return {"statusCode": 500}

    # --- the @connections management API ---------------------------------------------------------

    async def post(self, request: Request, connection_id: str) -> Response:
        socket = self.sockets.get(connection_id)
        if socket is None:
            return _gone(connection_id)
        data = await request.body()
        try:
            async with socket.lock:
                await socket.websocket.send_text(data.decode())
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.sockets.pop(connection_id, None)
            return _gone(connection_id)
        except UnicodeDecodeError:
            return JSONResponse({"message": "Data must be UTF-8 text"}, status_code=400,
                                headers={"x-amzn-ErrorType": "BadRequestException"})
        return Response(status_code=200)

    async def get(self, connection_id: str) -> Response:
        socket = self.sockets.get(connection_id)
        if socket is None:
            return _gone(connection_id)
        identity = socket.context["identity"]
        return JSONResponse({  # the wire names (boto3 shows them as ConnectedAt, Identity, ...)
            "connectedAt": _iso(socket.connected_at),
            "lastActiveAt": _iso(socket.last_active),
            "identity": {"sourceIp": identity["sourceIp"], "userAgent": identity.get("userAgent", "")},
        })

    async def delete(self, connection_id: str) -> Response:
        socket = self.sockets.get(connection_id)
        if socket is None:
            return _gone(connection_id)
        if socket.websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await socket.websocket.close(code=1000)
        return Response(status_code=204)

    async def aclose(self) -> None:
        for task in list(self.invocations):
            task.cancel()
        await asyncio.gather(*self.invocations, return_exceptions=True)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return host == "localhost" or host == "testclient"


def gateway_router(gateway: GatewayEmulator) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    stage = gateway.stage

    async def management(request: Request, connection_id: str) -> Response:
        if not _loopback(request):  # stands in for IAM: only this machine's handlers may post
            return JSONResponse({"message": "Forbidden"}, status_code=403,
                                headers={"x-amzn-ErrorType": "ForbiddenException"})
        if request.method == "POST":
            return await gateway.post(request, connection_id)
        if request.method == "GET":
            return await gateway.get(connection_id)
        return await gateway.delete(connection_id)

    for prefix in (f"/{stage}", ""):
        router.add_api_route(f"{prefix}/@connections/{{connection_id}}", management, methods=["POST", "GET", "DELETE"])
    for path in ("/ws", f"/{stage}"):
        router.add_api_websocket_route(path, gateway.serve)
    return router


def emulator_connections(settings: Settings, aws: AwsSettings) -> ConnectionStore:
    """The connections table: CALLEDIT_CONNECTIONS_TABLE, else one beside a local DynamoDB calls table,
    else in memory. A local table is created if missing, as `sam deploy` would."""
    from calledit.storage.dynamodb import parse_dynamodb_url

    table, endpoint = aws.connections_table, aws.dynamodb_endpoint
    if table is None and settings.db and settings.db.startswith("dynamodb://"):
        _, options = parse_dynamodb_url(settings.db)
        if options.get("endpoint"):
            table, endpoint = DEFAULT_CONNECTIONS_TABLE, options["endpoint"]
    if table is None:
        return build_connections(aws)
    store = DynamoConnections(table, boto_client("dynamodb", endpoint), ttl_s=aws.connection_ttl_s)
    if endpoint:
        store.create_table()
    return store


def create_emulator_app(
    settings: Settings | None = None,
    *,
    aws: AwsSettings | None = None,
    endpoint_url: str | None = None,
    provider: Provider | None = None,
    store: CallStore | None = None,
    session: CallSession | None = None,
    connections: ConnectionStore | None = None,
    auth: Authenticator | None = None,
) -> FastAPI:
    """The ASGI app (REST, UI, /healthz) with its /ws replaced by the emulated gateway and Lambda handlers.

    `endpoint_url` is where the handlers reach @connections; by default this server's own address."""
    from calledit.server.app import create_app

    settings = settings or Settings()
    aws = aws or AwsSettings()
    app = create_app(settings, provider=provider, store=store, session=session, auth=auth)
    state: AppState = app.state.calledit
    runtime = LambdaRuntime(
        settings,
        aws,
        connections=connections or emulator_connections(settings, aws),
        management=ManagementClients(endpoint_url or aws.management_endpoint),
        session=state.session,  # one model queue for both, as in one process
    )
    # The REST routes (a verdict set by hand) and the scheduler reach sockets as on AWS: table + @connections.
    push.install(state, push.ConnectionPush(runtime.connections, runtime.management))
    gateway = GatewayEmulator(runtime, state)
    app.state.gateway = gateway
    routes = gateway_router(gateway).routes
    app.router.routes[:0] = routes  # ahead of the app's own /ws

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with inner(application) as value:
            yield value
            await gateway.aclose()

    app.router.lifespan_context = lifespan
    return app
