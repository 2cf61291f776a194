"""Build a Verifier from settings, and run it as a background task of the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from calledit.agents.creation import Clock, system_clock
from calledit.agents.queue import ModelGate
from calledit.agents.session import CallSession
from calledit.agents.verification import build_verification_agent
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.domain.policy import Policy
from calledit.providers import Provider, build_provider
from calledit.scheduler.worker import Notify, Verifier
from calledit.sources.status import STATUS_FILE, StatusBook
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)


def build_verifier(
    settings: Settings,
    store: CallStore,
    *,
    provider: Provider | None = None,
    gate: ModelGate | None = None,
    notify: Notify | None = None,
    clock: Clock = system_clock,
    worker: str | None = None,
) -> Verifier:
    """A worker over `store`, verifying with CALLEDIT_VERIFY_MODEL (else CALLEDIT_MODEL)."""
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


@dataclass
class RunningScheduler:
    verifier: Verifier
    task: asyncio.Task[None]
    stop_event: asyncio.Event

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Ask the loop to stop; a check still running after the grace period is cancelled (its lease
        expires and another worker retries it)."""
        self.stop_event.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), grace_seconds)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.verifier.agent.aclose()


def start_scheduler(
    settings: Settings, store: CallStore, session: CallSession, notify: Notify | None
) -> RunningScheduler | None:
    """Start the loop when CALLEDIT_SCHEDULER is on; it shares the creation agent's model and queue."""
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
