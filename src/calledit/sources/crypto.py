"""Coin prices in USD from CoinGecko (no key); the daily value is the last price of each UTC day.

Request (docs/DESIGN.md): `GET api.coingecko.com/api/v3/coins/COIN/market_chart/range?vs_currency=usd&from&to`
→ prices: [[ms, usd]], with from = 00:00 UTC of the start and to = 00:00 UTC after the end. CoinGecko
answers 5-minutely, hourly or daily points by the range's length; a point at exactly 00:00 UTC closes the
day before (the daily points are stamped so). Today's UTC day is not final.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from calledit.domain.check import CryptoCheck
from calledit.sources.base import SourceSeries, epoch, reading
from calledit.sources.http import SourceClient, SourceError

RANGE_URL = "https://api.coingecko.com/api/v3/coins/{coin}/market_chart/range"
_DAY_MS = 86_400_000


def _day_of(ms: int) -> date:
    """The UTC day a price closes: a stamp at 00:00:00.000 belongs to the day that just ended."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.date() - timedelta(days=1) if ms % _DAY_MS == 0 else moment.date()


async def fetch_crypto(client: SourceClient, check: CryptoCheck, *, now: datetime) -> SourceSeries:
    url = RANGE_URL.format(coin=check.coin)
    params: dict[str, str | int] = {
        "vs_currency": "usd",
        "from": epoch(check.start),
        "to": epoch(check.end + timedelta(days=1)),
    }
    try:
        fetched = await client.get_json("crypto", url, params=params)
    except SourceError as exc:
        if exc.status == 404:
            raise SourceError(
                f"CoinGecko has no coin {check.coin!r}: edit the check's coin to a CoinGecko id (bitcoin, ethereum)",
                kind="not_found",
                url=exc.url,
                status=404,
            ) from None
        raise
    today = now.astimezone(UTC).date()
    last: dict[date, tuple[int, float]] = {}
    with reading("CoinGecko", fetched.url):
        prices = fetched.body["prices"]
        if not isinstance(prices, list):
            raise TypeError("prices is not a list")
        for stamp, price in prices:
            ms = int(stamp)
            day = _day_of(ms)
            if price is not None and (day not in last or ms >= last[day][0]):
                last[day] = (ms, float(price))
    series: list[tuple[date, float | None]] = [
        (day, price if day < today else None)
        for day, (_, price) in sorted(last.items())
        if check.start <= day <= min(check.end, today)
    ]
    note = f"{check.coin}: the last USD price of each UTC day, from {len(prices)} points"
    return SourceSeries(series=series, timezone="UTC", urls=[fetched.url], data_url=fetched.url, notes=[note])


__all__ = ["RANGE_URL", "fetch_crypto"]
