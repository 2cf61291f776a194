"""The builders every composition root (the server's `create_app`, the Lambda runtime and scanner, the CLI's
commands) makes its parts with, from `Settings`: the store, the creation session, the verifier, the delivery
loop.

A store gets the call log, shared pages and the notification outbox attached, each writing inside the
store's own transactions (storage/hooks.py). `instrument(store, settings)` is idempotent per store: the app,
a test and the CLI may all call it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from calledit.config import Settings
from calledit.storage.base import CallStore

if TYPE_CHECKING:
    from calledit.agents.queue import ModelGate
    from calledit.agents.session import CallSession
    from calledit.notify.channels import Push
    from calledit.notify.inbox import Inbox
    from calledit.notify.outbox import Outbox
    from calledit.notify.preferences import Preferences
    from calledit.notify.service import Dispatcher, RunningDelivery
    from calledit.proof.port import CallLog
    from calledit.proof.shares import Shares
    from calledit.providers import Provider
    from calledit.scheduler.service import RunningScheduler
    from calledit.scheduler.worker import Notify, Verifier


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

        # Every function writes this one log: they must share one key (a key per container would sign heads
        # no proof could verify). Without CALLEDIT_LOG_SIGNING_KEY there is no log rather than a broken one.
        dynamo_log = None
        if settings.log_signing_key is not None:
            dynamo_log = DynamoCallLog(store.table, store.client, LogSigner.from_settings(settings))
        else:
            logging.getLogger(__name__).warning(
                "table=<%s> | no call log: set CALLEDIT_LOG_SIGNING_KEY (one key for every function)", store.table)
        shares = DynamoShares(store.table, store.client, store)
        dynamo_outbox = DynamoOutbox(store.table, store.client)
        store.hooks.extend([hook for hook in (dynamo_log, shares, dynamo_outbox) if hook is not None])
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


def build_store(settings: Settings) -> CallStore:
    """The adapter named by CALLEDIT_DB: `dynamodb://TABLE?endpoint=URL`, else a SQLite file path; with the call
    log and the notification outbox attached, so every process's writes land in them (calledit.wiring)."""
    if settings.db and settings.db.startswith("dynamodb://"):
        from calledit.storage.dynamodb import DynamoCallStore

        return instrumented(DynamoCallStore.from_url(settings.db), settings)
    from calledit.storage.sqlite import SqliteCallStore

    return instrumented(SqliteCallStore(settings.sqlite_path()), settings)


log = logging.getLogger(__name__)


# --- the agents: the creation session, the verifier and its loop ----------------------------------------


def build_session(settings: Settings, provider: Provider | None = None) -> CallSession:
    """The creation agent over `provider` (else the one CALLEDIT_MODEL names), behind its queue: what `/ws`,
    the makecall Lambda and `calledit make` run."""
    from calledit.agents.session import CallSession
    from calledit.agents.setup import creation_agent
    from calledit.providers import build_provider

    return CallSession(creation_agent(settings, provider or build_provider(settings)))


def build_verifier(
    settings: Settings,
    store: CallStore,
    *,
    provider: Provider | None = None,
    gate: ModelGate | None = None,
    notify: Notify | None = None,
    clock: Callable[[], datetime] | None = None,
    worker: str | None = None,
) -> Verifier:
    """A worker over `store`, verifying with CALLEDIT_VERIFY_MODEL (else CALLEDIT_MODEL): what the server's
    scheduler, the scanner Lambda and `calledit verify` run."""
    from calledit.agents.creation import system_clock
    from calledit.agents.queue import ModelGate
    from calledit.agents.verification import build_verification_agent
    from calledit.domain.policy import Policy
    from calledit.providers import build_provider
    from calledit.scheduler.worker import Verifier
    from calledit.sources.status import STATUS_FILE, StatusBook

    clock = clock or system_clock
    provider = provider or build_provider(settings, settings.verify_model or settings.model)
    status = StatusBook(settings.data_dir / STATUS_FILE)  # what `calledit sources` reports
    return Verifier(
        store,
        build_verification_agent(settings, provider, clock, status=status),
        policy=Policy.from_settings(settings),
        clock=clock,
        gate=gate or ModelGate(provider.concurrency),
        notify=notify,
        lease_seconds=settings.verify_lease_seconds,
        worker=worker,
    )


def start_scheduler(
    settings: Settings, store: CallStore, session: CallSession, notify: Notify | None
) -> RunningScheduler | None:
    """Start the verification loop when CALLEDIT_SCHEDULER is on; it shares the creation agent's model and
    queue unless CALLEDIT_VERIFY_MODEL names another model."""
    from calledit.domain.errors import ConfigurationError
    from calledit.scheduler.service import RunningScheduler

    if not settings.scheduler:
        return None
    own_model = settings.verify_model and settings.verify_model != settings.model
    try:
        verifier = build_verifier(
            settings,
            store,
            provider=None if own_model else session.agent.provider,
            gate=None if own_model else session.gate,
            notify=notify,
        )
    except ConfigurationError as exc:
        log.warning("error=<%s> | scheduler not started", exc.message)
        return None
    stop = asyncio.Event()
    task = asyncio.create_task(verifier.run_forever(stop, settings.verify_poll_seconds), name="scheduler")
    return RunningScheduler(verifier, task, stop)


# --- the notification delivery loop: built from what `instrument` attached ------------------------------


def build_dispatcher(
    settings: Settings,
    store: CallStore,
    push: Push | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    worker: str | None = None,
) -> Dispatcher | None:
    """A dispatcher over what `instrument` attached to `store`; None when the store has no outbox."""
    from calledit.notify.channels import build_senders
    from calledit.notify.service import Dispatcher
    services = instrument(store, settings)
    if services.outbox is None or services.preferences is None or services.inbox is None:
        return None
    senders = build_senders(settings, services.inbox, push)
    return Dispatcher(store, services.outbox, services.preferences, senders, settings,
                      clock=clock or (lambda: datetime.now(UTC)), worker=worker)


def start_delivery(settings: Settings, store: CallStore, push: Push | None) -> RunningDelivery | None:
    """Start the loop when CALLEDIT_NOTIFY is on (serve turns it on); it pushes the bell through `push`."""
    from calledit.notify.service import RunningDelivery
    if not settings.notify:
        return None
    dispatcher = build_dispatcher(settings, store, push)
    if dispatcher is None:
        log.warning("store=<%s> | notification delivery not started: this storage adapter has no outbox",
                    type(store).__name__)
        return None
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run_forever(stop, settings.notify_poll_seconds), name="notify")
    return RunningDelivery(dispatcher, task, stop)
