"""Daily closes from Yahoo Finance's chart API (stocks, indices ^GSPC, futures GC=F, FX EURUSD=X).

Request (docs/DESIGN.md): `GET query1.finance.yahoo.com/v8/finance/chart/SYMBOL?period1&period2&interval=1d`
→ chart.result[0].timestamp[], indicators.quote[0].close[], meta.exchangeTimezoneName. period1 is 00:00
UTC a week before the start (an at_end on a holiday reads the close before it), period2 00:00 UTC two days
after the end. Days are the exchange's; today's bar counts only once its regular session has ended.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calledit.domain.check import MarketCheck
from calledit.sources.base import SourceSeries, epoch, reading
from calledit.sources.http import SourceClient, SourceError

CHART_URL = "https://query1.finance.yahoo.com/v8/finance/chart/{symbol}"
LOOKBACK_DAYS = 7


def _session_end(meta: dict[str, Any]) -> int | None:
    regular = (meta.get("currentTradingPeriod") or {}).get("regular") or {}
    end = regular.get("end")
    return int(end) if isinstance(end, int | float) else None


async def fetch_market(client: SourceClient, check: MarketCheck, *, now: datetime) -> SourceSeries:
    url = CHART_URL.format(symbol=quote(check.symbol, safe="^=.-"))
    params: dict[str, str | int] = {
        "period1": epoch(check.start - timedelta(days=LOOKBACK_DAYS)),
        "period2": epoch(check.end + timedelta(days=2)),
        "interval": "1d",
    }
    try:
        fetched = await client.get_json("market", url, params=params)
    except SourceError as exc:
        if exc.status == 404:
            raise SourceError(
                f"Yahoo Finance has no symbol {check.symbol}: edit the check's symbol (AAPL, ^GSPC, GC=F, EURUSD=X)",
                kind="not_found",
                url=exc.url,
                status=404,
            ) from None
        raise
    with reading("Yahoo Finance", fetched.url):
        chart = fetched.body["chart"]
        if chart.get("error"):
            detail = chart["error"].get("description") or chart["error"].get("code")
            raise SourceError(f"Yahoo Finance: {detail}", kind="not_found", url=fetched.url)
        result = chart["result"][0]
        meta = result["meta"]
        zone_name = str(meta["exchangeTimezoneName"])
        try:
            zone = ZoneInfo(zone_name)
        except ZoneInfoNotFoundError:
            raise ValueError(f"unknown exchange timezone {zone_name!r}") from None
        stamps = result.get("timestamp") or []
        quotes = (result.get("indicators") or {}).get("quote") or [{}]
        closes = quotes[0].get("close") or []
        if len(closes) != len(stamps):
            raise ValueError("timestamp[] and close[] are not of one length")
        today = now.astimezone(zone).date()
        session_end = _session_end(meta)
        settled = session_end is not None and now.timestamp() >= session_end
        settled_day = datetime.fromtimestamp(session_end, UTC).astimezone(zone).date() if session_end else None
        series: list[tuple[date, float | None]] = []
        for stamp, close in zip(stamps, closes, strict=True):
            day = datetime.fromtimestamp(int(stamp), UTC).astimezone(zone).date()
            if day > today:
                continue
            if day < today or (settled and settled_day == day):
                if close is not None:  # a past bar without a close is a gap in the data, not a pending day
                    series.append((day, float(close)))
            else:
                series.append((day, None))  # today's session is still trading
        currency = meta.get("currency")
    note = f"{check.symbol}: daily closes in {zone.key} days" + (f", in {currency}" if currency else "")
    return SourceSeries(series=series, timezone=zone.key, urls=[fetched.url], data_url=fetched.url, notes=[note])


__all__ = ["CHART_URL", "fetch_market"]
