"""Replayed sources for the adapter tests: a client over a HAR recording in tests/fixtures/har/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from calledit.sources.http import SourceClient
from calledit.sources.replay import ReplayTransport

HAR_DIR = Path(__file__).parents[2] / "fixtures" / "har"

ClientFactory = Callable[..., SourceClient]


@pytest.fixture
async def replayed() -> AsyncIterator[ClientFactory]:
    """`replayed("weather.har", attempts=.., deadline=..)`: a client answering from that recording."""
    made: list[SourceClient] = []

    def make(name: str, **options: object) -> SourceClient:
        transport = ReplayTransport.from_file(HAR_DIR / name)
        http = httpx.AsyncClient(transport=transport)
        settings: dict[str, object] = {"mode": "replay", "attempts": 2, "deadline": 5.0, "backoff_initial": 0.0}
        client = SourceClient(http, **{**settings, **options})  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def asked(client: SourceClient) -> list[str]:
    """What the client's replay transport was asked, in order."""
    assert client.http is not None
    transport = client.http._transport
    assert isinstance(transport, ReplayTransport)
    return transport.asked
