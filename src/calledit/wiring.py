"""What every composition root (server, CLI, Lambda) attaches to its store: the call log, shared pages and the
notification outbox, each writing inside the store's own transactions (storage/hooks.py).

`instrument(store, settings)` is idempotent per store: the app, a test and the CLI may all call it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from calledit.config import Settings
from calledit.storage.base import CallStore

if TYPE_CHECKING:
    from calledit.notify.inbox import Inbox
    from calledit.notify.outbox import Outbox
    from calledit.notify.preferences import Preferences
    from calledit.proof.port import CallLog
    from calledit.proof.shares import Shares


@dataclass
class Services:
    """None where the store's adapter has no such table yet (docs/proof.md, docs/notifications.md say which)."""

    log: CallLog | None = None
    shares: Shares | None = None
    outbox: Outbox | None = None
    inbox: Inbox | None = None
    preferences: Preferences | None = None


StoreT = TypeVar("StoreT", bound=CallStore)
_attached: weakref.WeakKeyDictionary[CallStore, Services] = weakref.WeakKeyDictionary()


def instrument(store: CallStore, settings: Settings) -> Services:
    """Attach the call log and the outbox to `store` (once) and return them."""
    found = _attached.get(store)
    if found is not None:
        return found
    services = Services()
    from calledit.storage.sqlite import SqliteCallStore

    if isinstance(store, SqliteCallStore):
        from calledit.notify.inbox import SqliteInbox
        from calledit.notify.outbox import SqliteOutbox
        from calledit.notify.preferences import SqlitePreferences
        from calledit.proof.shares import SqliteShares
        from calledit.proof.signing import LogSigner
        from calledit.proof.sqlite_log import SqliteCallLog

        call_log = SqliteCallLog(store.connection, LogSigner.from_settings(settings))
        outbox = SqliteOutbox(store.connection, settings)
        store.hooks.extend([call_log, outbox])
        call_log.backfill()
        services = Services(log=call_log, shares=SqliteShares(store.connection), outbox=outbox,
                            inbox=SqliteInbox(store.connection), preferences=SqlitePreferences(store.connection))
    from calledit.storage.dynamodb import DynamoCallStore

    if isinstance(store, DynamoCallStore):
        from calledit.notify.dynamo import DynamoInbox, DynamoOutbox
        from calledit.proof.dynamo_log import DynamoCallLog
        from calledit.proof.shares import DynamoShares
        from calledit.proof.signing import LogSigner

        dynamo_log = DynamoCallLog(store.table, store.client, LogSigner.from_settings(settings))
        shares = DynamoShares(store.table, store.client, store)
        dynamo_outbox = DynamoOutbox(store.table, store.client)
        store.hooks.extend([dynamo_log, shares, dynamo_outbox])
        services = Services(log=dynamo_log, shares=shares, outbox=dynamo_outbox,
                            inbox=DynamoInbox(store.table, store.client), preferences=dynamo_outbox.preferences)
    _attached[store] = services
    return services


def instrumented(store: StoreT, settings: Settings) -> StoreT:
    """`store`, instrumented (for factories: `return instrumented(SqliteCallStore(path), settings)`)."""
    instrument(store, settings)
    return store


def services_of(store: CallStore) -> Services:
    """What `instrument` attached to `store` (nothing if it was never instrumented)."""
    return _attached.get(store) or Services()
