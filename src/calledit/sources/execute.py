"""Run a check against its source: fetch, read the values, apply the condition in code, cite the evidence.

The outcome is `decided` (the condition holds or not, from the data), `pending` (the data is not in yet:
a game not final, an archive day not filled, a release not out: look again later) or `failed` (the
source failed, answered an error, or cannot have the data: never a verdict; `reason` says why).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from calledit.domain.call import Evidence
from calledit.domain.check import (
    CryptoCheck,
    DataCheck,
    EconomyCheck,
    MarketCheck,
    SportsCheck,
    WeatherCheck,
    describe,
    evaluate,
)
from calledit.sources.base import SourceSeries
from calledit.sources.crypto import RANGE_URL, fetch_crypto
from calledit.sources.economy import OBSERVATIONS_URL, fetch_economy
from calledit.sources.http import SourceClient, SourceError
from calledit.sources.markets import CHART_URL, fetch_market
from calledit.sources.sports import SCOREBOARD_URL, fetch_sports
from calledit.sources.weather import GEOCODING_URL, fetch_weather

log = logging.getLogger(__name__)

MAX_NOTES = 4
_SOURCE_NAMES = {
    "weather": "Open-Meteo",
    "market": "Yahoo Finance",
    "crypto": "CoinGecko",
    "sports": "ESPN",
    "economy": "FRED",
}


class CheckOutcome(BaseModel):
    """What running a check found. `holds` is set only when `status` is decided."""

    status: Literal["decided", "pending", "failed"]
    holds: bool | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str  # the finding (decided, pending) or why the source gave no data (failed)
    values: list[tuple[date, float]] = Field(default_factory=list)


def _home(check: DataCheck) -> str:
    """The source's endpoint, cited when a failure happened before any request had a URL."""
    if isinstance(check, WeatherCheck):
        return GEOCODING_URL
    if isinstance(check, MarketCheck):
        return CHART_URL.format(symbol=check.symbol)
    if isinstance(check, CryptoCheck):
        return RANGE_URL.format(coin=check.coin)
    if isinstance(check, SportsCheck):
        return SCOREBOARD_URL.format(sport=check.sport, league=check.league)
    return OBSERVATIONS_URL


async def _fetch(check: DataCheck, client: SourceClient, *, now: datetime, timezone: str) -> SourceSeries:
    if isinstance(check, WeatherCheck):
        return await fetch_weather(client, check, now=now)
    if isinstance(check, MarketCheck):
        return await fetch_market(client, check, now=now)
    if isinstance(check, CryptoCheck):
        return await fetch_crypto(client, check, now=now)
    if isinstance(check, SportsCheck):
        return await fetch_sports(client, check, now=now, timezone=timezone)
    assert isinstance(check, EconomyCheck)
    return await fetch_economy(client, check, timezone=timezone)


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    shown = "; ".join(notes[:MAX_NOTES])
    more = f" (and {len(notes) - MAX_NOTES} more)" if len(notes) > MAX_NOTES else ""
    return f" [{shown}{more}]"


def _failed(check: DataCheck, reason: str, url: str | None) -> CheckOutcome:
    criterion = describe(check)
    source = url or _home(check)
    name = _SOURCE_NAMES[check.source]
    evidence = [Evidence(source=source, finding=f"no data from {name}: {reason}", criterion=criterion)]
    return CheckOutcome(status="failed", evidence=evidence, reason=reason)


async def run_check(check: DataCheck, client: SourceClient, *, now: datetime, timezone: str) -> CheckOutcome:
    """Fetch the check's data as of `now` (aware) for a user in `timezone` (IANA) and apply its condition."""
    if now.tzinfo is None:
        raise ValueError("run_check needs an aware `now` (with its UTC offset)")
    criterion = describe(check)
    try:
        data = await _fetch(check, client, now=now, timezone=timezone)
    except SourceError as exc:
        return _failed(check, exc.reason, exc.url)
    except Exception as exc:  # a bug reading a source must not become a verdict either
        log.exception("source=<%s> | reading the source failed", check.source)
        return _failed(check, f"reading {_SOURCE_NAMES[check.source]} failed ({type(exc).__name__})", None)

    today = now.astimezone(ZoneInfo(data.timezone)).date()
    outcome = evaluate(check, data.series, today=today)
    if outcome.status == "pending":
        in_range = [entry for entry in data.series if check.start <= entry[0] <= check.end]
        if data.empty_reason:
            return _failed(check, data.empty_reason, data.data_url)
        if not in_range and today > check.end and isinstance(check, MarketCheck | CryptoCheck):
            name = _SOURCE_NAMES[check.source]
            return _failed(check, f"{name} has no {check.variable} in the range: {outcome.finding}", data.data_url)
    finding = outcome.finding + _notes(data.notes)
    evidence = [Evidence(source=data.data_url, finding=finding, criterion=criterion)]
    log.info(
        "source=<%s>, status=<%s>, holds=<%s> | check ran: %s", check.source, outcome.status, outcome.holds, finding
    )
    return CheckOutcome(
        status=outcome.status, holds=outcome.holds, evidence=evidence, reason=outcome.finding, values=outcome.values
    )


__all__ = ["CheckOutcome", "run_check"]
