"""in_own_task: a stream advanced by its own task, so closing it early unwinds every layer inside."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncGenerator

import pytest

from calledit.agents.session import in_own_task

where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="outside")


async def inner(closed: list[str]) -> AsyncGenerator[int, None]:
    token = where.set("inner")  # as OpenTelemetry attaches a span's context
    try:
        for n in range(100):
            await asyncio.sleep(0)
            yield n
    finally:
        where.reset(token)  # raises ValueError when run in another context
        closed.append("inner")


async def outer(closed: list[str]) -> AsyncGenerator[int, None]:
    async for n in inner(closed):  # not closed by an aclose() of outer: Strands nests like this
        yield n


async def test_items_arrive_in_order_and_the_stream_ends() -> None:
    async def three() -> AsyncGenerator[int, None]:
        for n in range(3):
            yield n

    assert [n async for n in in_own_task(three())] == [0, 1, 2]


async def test_an_error_in_the_stream_reaches_the_reader() -> None:
    async def failing() -> AsyncGenerator[int, None]:
        yield 1
        raise RuntimeError("model fell over")

    seen = []
    with pytest.raises(RuntimeError, match="fell over"):
        async for n in in_own_task(failing()):
            seen.append(n)
    assert seen == [1]


async def test_closing_early_unwinds_the_inner_generators_in_their_own_context() -> None:
    closed: list[str] = []
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: loop_errors.append(context))
    async with contextlib.aclosing(in_own_task(outer(closed))) as items:
        async for n in items:
            if n == 3:
                break
    assert closed == ["inner"], "the innermost generator was closed before aclose() returned"
    assert loop_errors == []


async def test_cancelling_the_reader_cancels_the_stream() -> None:
    closed: list[str] = []

    async def read() -> None:
        async with contextlib.aclosing(in_own_task(outer(closed))) as items:
            async for _ in items:
                await asyncio.sleep(10)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.05)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert closed == ["inner"]
