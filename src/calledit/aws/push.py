"""Events to a user's open sockets from outside a WebSocket invocation (the REST function, the emulator).

The connections table says which sockets a user has open (`for_user`); the management API posts to each.
The posts go out concurrently (a few at a time), so a user with many tabs costs one round trip, not one
per tab. A socket that is gone (GoneException) loses its record; no failure on one socket stops the others
or fails the caller: the verdict is already stored, the push is a courtesy to the user's other tabs.
"""

from __future__ import annotations

import asyncio
import logging

from calledit.aws.config import AwsSettings
from calledit.aws.connections import ConnectionStore
from calledit.aws.management import ClientGone, ManagementApi, ManagementClients
from calledit.domain.events import AnyServerEvent, encode
from calledit.server.state import AppState

log = logging.getLogger(__name__)

MAX_CONCURRENT_POSTS = 8  # one event to each of a user's sockets: a few round trips at once, not a burst


class ConnectionPush:
    """`notify(user_id, event)` as `AppState.notify` does it, over API Gateway's @connections."""

    def __init__(self, connections: ConnectionStore, management: ManagementClients) -> None:
        self.connections = connections
        self.management = management  # its `override` is the endpoint (the emulator learns it late)

    async def notify(self, user_id: str, event: AnyServerEvent) -> int:
        """Post `event` to every open connection of `user_id`; returns how many got it."""
        endpoint = self.management.override
        if not endpoint:
            log.warning("user=<%s> | no @connections endpoint (CALLEDIT_MANAGEMENT_ENDPOINT): event not pushed",
                        user_id)
            return 0
        try:
            ids = await asyncio.to_thread(self.connections.for_user, user_id)
            api = self.management.for_endpoint(endpoint)
        except Exception as exc:
            log.warning("user=<%s>, error=<%s> | could not look up open connections", user_id, exc)
            return 0
        frame = encode(event)
        slots = asyncio.Semaphore(MAX_CONCURRENT_POSTS)
        delivered = await asyncio.gather(*(self._deliver(api, cid, frame, slots) for cid in ids))
        return sum(delivered)

    async def _deliver(self, api: ManagementApi, connection_id: str, frame: str, slots: asyncio.Semaphore) -> bool:
        async with slots:
            try:
                await asyncio.to_thread(api.post, connection_id, frame)
            except ClientGone:
                log.info("connection=<%s> | gone: forgetting it", connection_id)
                try:
                    await asyncio.to_thread(self.connections.close, connection_id)
                except Exception as exc:  # its TTL removes it in the end
                    log.warning("connection=<%s>, error=<%s> | could not forget it", connection_id, exc)
            except Exception as exc:  # one socket's trouble must not stop the others or fail the request
                log.warning("connection=<%s>, error=<%s> | could not deliver event", connection_id, exc)
            else:
                return True
            return False


def install(state: AppState, push: ConnectionPush) -> None:
    """Route the app's `notify` (manual verdicts, and the scheduler's when it runs) through `push`."""
    state.remote_notify = push.notify


def from_settings(aws: AwsSettings) -> ConnectionPush | None:
    """The REST function's push: needs CALLEDIT_CONNECTIONS_TABLE and CALLEDIT_MANAGEMENT_ENDPOINT."""
    if not aws.connections_table or not aws.management_endpoint:
        return None
    from calledit.aws.connections import build_connections

    return ConnectionPush(build_connections(aws), ManagementClients(aws.management_endpoint))
