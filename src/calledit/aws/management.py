"""The API Gateway management API (`POST /@connections/{id}`): how a Lambda talks back to a socket."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class ClientGone(Exception):
    """The socket is closed (GoneException): stop the run, nobody is listening."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id} is gone")
        self.connection_id = connection_id


def boto_client(service: str, endpoint_url: str | None, region: str | None = None) -> Any:
    """A boto3 client; a local endpoint (emulator, DynamoDB Local) gets dummy credentials if none are set."""
    import boto3
    from botocore.config import Config

    session = boto3.Session()
    options: dict[str, Any] = {
        "region_name": region or session.region_name or "us-east-1",
        "config": Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}),
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        if session.get_credentials() is None:
            options.update(aws_access_key_id="local", aws_secret_access_key="local")
    return session.client(service, **options)


def endpoint_for(request_context: dict[str, Any], override: str | None = None) -> str:
    """Where this event's connection can be reached: https://{domainName}/{stage}, unless configured."""
    if override:
        return override.rstrip("/")
    return f"https://{request_context['domainName']}/{request_context['stage']}"


class ManagementApi:
    """post/delete for one API Gateway endpoint, with GoneException turned into ClientGone."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, connection_id: str, data: str) -> None:
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except self.client.exceptions.GoneException:
            raise ClientGone(connection_id) from None

    def delete(self, connection_id: str) -> None:
        with contextlib.suppress(self.client.exceptions.GoneException):
            self.client.delete_connection(ConnectionId=connection_id)


class ManagementClients:
    """One management client per endpoint, kept for the life of the Lambda container."""

    def __init__(self, override: str | None = None, region: str | None = None) -> None:
        self.override = override
        self.region = region
        self._clients: dict[str, ManagementApi] = {}
        self._lock = threading.Lock()

    def for_event(self, request_context: dict[str, Any]) -> ManagementApi:
        return self.for_endpoint(endpoint_for(request_context, self.override))

    def for_endpoint(self, endpoint: str) -> ManagementApi:
        endpoint = endpoint.rstrip("/")
        with self._lock:
            api = self._clients.get(endpoint)
            if api is None:
                api = ManagementApi(boto_client("apigatewaymanagementapi", endpoint, self.region))
                self._clients[endpoint] = api
            return api
