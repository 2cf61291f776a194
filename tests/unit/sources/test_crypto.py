from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.domain.check import CryptoCheck, parse_check
from calledit.sources.crypto import fetch_crypto
from calledit.sources.http import SourceError
from tests.unit.sources.conftest import ClientFactory


def check(**changes: Any) -> CryptoCheck:
    fields = {"source": "crypto", "coin": "bitcoin", "start": "2026-11-29", "end": "2026-12-01", "over": "any_day",
              "comparator": ">=", "threshold": 100000, **changes}  # fmt: skip
    made = parse_check(fields)
    assert isinstance(made, CryptoCheck)
    return made


async def test_the_last_price_of_each_utc_day(replayed: ClientFactory) -> None:
    data = await fetch_crypto(replayed("crypto.har"), check(), now=datetime(2026, 12, 2, 1, tzinfo=UTC))
    # 30 Nov peaked at 101,250 during the day but closed at 99,400: the day's value is its last price
    assert data.series == [(date(2026, 11, 29), 97850.0), (date(2026, 11, 30), 99400.0), (date(2026, 12, 1), 98700.0)]
    assert data.timezone == "UTC"
    assert data.data_url == (
        "https://api.coingecko.com/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=1795910400&to=1796169600"
    )


async def test_today_is_not_final(replayed: ClientFactory) -> None:
    data = await fetch_crypto(replayed("crypto.har"), check(), now=datetime(2026, 12, 1, 23, tzinfo=UTC))
    assert data.series[-1] == (date(2026, 12, 1), None)


async def test_a_daily_point_at_midnight_closes_the_day_before(replayed: ClientFactory) -> None:
    old = check(coin="ethereum", start="2025-12-02", end="2025-12-03")
    data = await fetch_crypto(replayed("crypto.har"), old, now=datetime(2026, 12, 1, tzinfo=UTC))
    # the point at 00:00 on 2 Dec closes 1 Dec, outside the range; 00:00 on 4 Dec closes 3 Dec
    assert data.series == [(date(2025, 12, 2), 92500.0), (date(2025, 12, 3), 93800.0)]


@pytest.mark.parametrize(
    ("coin", "start", "end", "kind", "words"),
    [
        ("notacoin", "2026-11-29", "2026-11-29", "not_found", "CoinGecko has no coin 'notacoin'"),
        ("dogecoin", "2024-01-01", "2024-01-02", "status", "HTTP 401: .*past 365 days"),
        ("cardano", "2026-11-20", "2026-11-21", "malformed", "unexpected shape"),
        ("litecoin", "2026-11-20", "2026-11-21", "unreachable", "could not be reached"),
    ],
)
async def test_failures_of_the_source(
    replayed: ClientFactory, coin: str, start: str, end: str, kind: str, words: str
) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        await fetch_crypto(replayed("crypto.har"), check(coin=coin, start=start, end=end), now=datetime.now(UTC))
    assert caught.value.kind == kind


async def test_a_rate_limited_answer_waits_as_asked_then_fails(replayed: ClientFactory) -> None:
    client = replayed("crypto.har", retry_after_cap=0.05)  # the recording asks for 1 s: capped for the test
    with pytest.raises(SourceError, match="HTTP 429 \\(2 tries\\)"):
        await fetch_crypto(client, check(coin="solana", start="2026-11-29", end="2026-11-29"), now=datetime.now(UTC))
