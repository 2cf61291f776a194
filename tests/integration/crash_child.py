"""A process that dies on purpose (os._exit: no cleanup, no flush, as a kill -9 or a power cut), at one point of
a verdict's way to its owner. Settings come from CALLEDIT_* in the environment, as `calledit serve` reads them.

    python -m tests.integration.crash_child after-verdict CALL_ID   record the verdict, die before any delivery
    python -m tests.integration.crash_child mid-delivery            claim the deliveries, die before sending
    python -m tests.integration.crash_child after-send              send the email, die before marking it sent
"""

from __future__ import annotations

import asyncio
import os
import sys

from calledit.config import Settings
from calledit.domain.notifications import Channel
from calledit.notify.channels import Sender
from calledit.notify.messages import Message
from calledit.notify.outbox import Delivery
from calledit.scheduler.worker import Verifier
from calledit.wiring import build_dispatcher, build_store
from tests.unit.scheduler.fakes import FakeClock, ScriptedVerifier

CRASH = 9


class DieBefore:
    def __init__(self, inner: Sender) -> None:
        self.inner = inner

    async def send(self, delivery: Delivery, message: Message) -> None:
        os._exit(CRASH)


class DieAfter:
    def __init__(self, inner: Sender) -> None:
        self.inner = inner

    async def send(self, delivery: Delivery, message: Message) -> None:
        await self.inner.send(delivery, message)
        os._exit(CRASH)


async def main(stage: str) -> None:
    settings = Settings()
    store = build_store(settings)
    if stage == "after-verdict":
        clock = FakeClock()
        worker = Verifier(store, ScriptedVerifier(clock, ["confirmed"]), clock=clock)  # type: ignore[arg-type]
        results = await worker.run_once()
        assert [r.result for r in results] == ["verified"], results
        os._exit(CRASH)  # the verdict (and its outbox event) is committed; nothing was sent
    dispatcher = build_dispatcher(settings, store, None)
    assert dispatcher is not None
    wrap = DieBefore if stage == "mid-delivery" else DieAfter
    dispatcher.senders[Channel.EMAIL] = wrap(dispatcher.senders[Channel.EMAIL])
    # Email first: the bell and the webhook wait in line behind it when the process dies.
    order = {Channel.EMAIL: 0, Channel.WEBHOOK: 1, Channel.INAPP: 2}
    claim = dispatcher.outbox.claim

    def email_first(*args: object, **kwargs: object) -> list[Delivery]:
        return sorted(claim(*args, **kwargs), key=lambda d: order[d.channel])  # type: ignore[arg-type]

    dispatcher.outbox.claim = email_first  # type: ignore[method-assign]
    await dispatcher.run_once()
    sys.exit("the process was meant to die before this")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
