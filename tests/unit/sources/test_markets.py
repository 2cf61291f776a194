from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.domain.check import MarketCheck, evaluate, parse_check
from calledit.sources.http import SourceError
from calledit.sources.markets import fetch_market
from tests.unit.sources.conftest import ClientFactory


def check(**changes: Any) -> MarketCheck:
    fields = {"source": "market", "symbol": "^GSPC", "start": "2026-12-31", "comparator": ">=", "threshold": 6000,
              **changes}  # fmt: skip
    made = parse_check(fields)
    assert isinstance(made, MarketCheck)
    return made


async def test_closes_in_exchange_days(replayed: ClientFactory) -> None:
    data = await fetch_market(replayed("markets.har"), check(), now=datetime(2027, 1, 1, 15, tzinfo=UTC))
    assert data.timezone == "America/New_York"
    assert data.series[-1] == (date(2026, 12, 31), 6102.4)
    assert date(2026, 12, 24) in dict(data.series)  # the week before, for an at_end on a holiday
    assert data.data_url == (
        "https://query1.finance.yahoo.com/v8/finance/chart/^GSPC?period1=1798070400&period2=1798848000&interval=1d"
    )
    assert data.notes == ["^GSPC: daily closes in America/New_York days, in USD"]


async def test_an_end_on_a_holiday_reads_the_close_before(replayed: ClientFactory) -> None:
    christmas = check(start="2026-12-25")
    data = await fetch_market(replayed("markets.har"), christmas, now=datetime(2026, 12, 28, 15, tzinfo=UTC))
    outcome = evaluate(christmas, data.series, today=date(2026, 12, 28))
    assert (outcome.holds, outcome.values) == (True, [(date(2026, 12, 24), 6010.12)])


@pytest.mark.parametrize(
    ("now", "last"),
    [
        (datetime(2026, 12, 1, 18, 0, tzinfo=UTC), None),  # 13:00 in New York: still trading
        (datetime(2026, 12, 1, 21, 30, tzinfo=UTC), 238.2),  # after the 16:00 close
    ],
)
async def test_todays_bar_counts_once_the_session_closed(replayed: ClientFactory, now: datetime, last: Any) -> None:
    data = await fetch_market(replayed("markets.har"), check(symbol="AAPL", start="2026-12-01"), now=now)
    assert data.series[-1] == (date(2026, 12, 1), last)


async def test_a_past_bar_without_a_close_is_a_gap(replayed: ClientFactory) -> None:
    gold = check(symbol="gc=f", start="2026-12-01", end="2026-12-04")
    data = await fetch_market(replayed("markets.har"), gold, now=datetime(2026, 12, 5, tzinfo=UTC))
    assert data.series == [(date(2026, 12, 1), 2650.0), (date(2026, 12, 3), 2712.4)]


async def test_a_weekend_has_no_closes(replayed: ClientFactory) -> None:
    fx = check(symbol="EURUSD=X", start="2026-12-05", end="2026-12-06", threshold=1.1)
    data = await fetch_market(replayed("markets.har"), fx, now=datetime(2026, 12, 8, tzinfo=UTC))
    assert (data.series, data.timezone) == ([], "Europe/London")


@pytest.mark.parametrize(
    ("symbol", "kind", "words"),
    [
        ("NOPE", "not_found", "Yahoo Finance has no symbol NOPE: edit the check's symbol"),
        ("MSFT", "status", "answered HTTP 503 \\(2 tries\\)"),
        ("TSLA", "malformed", "not JSON"),
        ("IBM", "unreachable", "could not be reached"),
    ],
)
async def test_failures_of_the_source(replayed: ClientFactory, symbol: str, kind: str, words: str) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        await fetch_market(replayed("markets.har"), check(symbol=symbol, start="2026-12-01"), now=datetime.now(UTC))
    assert caught.value.kind == kind


async def test_a_change_reads_the_close_against_the_baseline_day_s(replayed: ClientFactory) -> None:
    """ "Gold will be higher on Friday than today": the same request as a level check of those days."""
    rise = check(symbol="GC=F", start="2026-12-01", end="2026-12-04", comparator=">", threshold=0, change=True)
    data = await fetch_market(replayed("markets.har"), rise, now=datetime(2026, 12, 5, tzinfo=UTC))
    outcome = evaluate(rise, data.series, today=date(2026, 12, 5))
    assert (outcome.status, outcome.holds) == ("decided", True)
    assert outcome.values == [(date(2026, 12, 1), 2650.0), (date(2026, 12, 3), 2712.4)]  # the 4th has no close
