from __future__ import annotations

import asyncio

import pytest

from calledit.agents.queue import ModelGate


async def test_first_come_first_served_with_positions() -> None:
    gate = ModelGate(1)
    first, second, third = gate.enqueue(), gate.enqueue(), gate.enqueue()
    assert first.granted
    assert (second.position, third.position) == (1, 2)
    seen: list[int] = []

    async def wait_third() -> None:
        async for position in gate.wait(third):
            seen.append(position)

    waiter = asyncio.create_task(wait_third())
    await asyncio.sleep(0)
    gate.release(first)
    assert second.granted and third.position == 1
    await asyncio.sleep(0)
    gate.release(second)
    await asyncio.wait_for(waiter, 1)
    assert seen == [2, 1]
    assert third.granted
    gate.release(third)
    assert gate.running == 0 and gate.queued == 0


def test_leaving_the_line_moves_others_up_and_capacity_is_respected() -> None:
    gate = ModelGate(2)
    a, b, c, d = (gate.enqueue() for _ in range(4))
    assert a.granted and b.granted and (c.position, d.position) == (1, 2)
    gate.release(c)  # gave up while waiting
    assert d.position == 1
    gate.release(a)
    assert d.granted and gate.running == 2
    with pytest.raises(ValueError, match="at least 1"):
        ModelGate(0)
