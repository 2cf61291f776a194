"""The verification loop as a background task of the server (`calledit.wiring.start_scheduler` starts it)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from calledit.scheduler.worker import Verifier


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
