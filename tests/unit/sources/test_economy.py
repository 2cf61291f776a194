from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from calledit.domain.check import EconomyCheck, parse_check
from calledit.sources.economy import fetch_economy
from calledit.sources.http import SourceError
from tests.unit.sources.conftest import ClientFactory, asked


def check(**changes: Any) -> EconomyCheck:
    fields = {"source": "economy", "series": "UNRATE", "start": "2026-10-01", "end": "2026-10-31", "comparator": "<",
              "threshold": 4.5, **changes}  # fmt: skip
    made = parse_check(fields)
    assert isinstance(made, EconomyCheck)
    return made


async def test_a_released_month_and_the_key_stays_out_of_evidence(replayed: ClientFactory) -> None:
    client = replayed("economy.har", keys={"economy": SecretStr("s3cr3t-key")})
    data = await fetch_economy(client, check(), timezone="America/New_York")
    assert data.series == [(date(2026, 10, 1), 4.2)]
    assert "api_key=s3cr3t-key" in asked(client)[0]  # sent to FRED ...
    assert all("s3cr3t" not in url for url in data.urls)  # ... and never cited
    assert data.data_url == (
        "https://api.stlouisfed.org/fred/series/observations?series_id=UNRATE&file_type=json"
        "&observation_start=2025-08-27&observation_end=2026-10-31"
    )


async def test_a_dot_is_no_data_and_is_left_out(replayed: ClientFactory) -> None:
    rates = check(series="DGS10", start="2026-11-23", end="2026-11-27", over="every_day")
    data = await fetch_economy(replayed("economy.har"), rates, timezone="UTC")
    assert [day.day for day, _ in data.series] == [23, 24, 25, 27]


async def test_without_a_key_live_fred_is_not_configured(replayed: ClientFactory) -> None:
    client = replayed("economy.har", mode="live")
    with pytest.raises(SourceError, match="set CALLEDIT_FRED_API_KEY") as caught:
        await fetch_economy(client, check(), timezone="UTC")
    assert caught.value.kind == "not_configured"
    assert asked(client) == []


@pytest.mark.parametrize(
    ("series", "kind", "words"),
    [
        ("NOTASERIES", "not_found", "FRED has no series NOTASERIES"),
        ("CPIAUCSL", "status", "HTTP 500"),
        ("PAYEMS", "unreachable", "could not be reached"),
    ],
)
async def test_failures_of_the_source(replayed: ClientFactory, series: str, kind: str, words: str) -> None:
    with pytest.raises(SourceError, match=words) as caught:
        await fetch_economy(replayed("economy.har"), check(series=series), timezone="UTC")
    assert caught.value.kind == kind
    assert caught.value.url is None or "api_key" not in caught.value.url


async def test_an_observation_counts_for_the_days_of_its_period(replayed: ClientFactory) -> None:
    # December's rate is dated 2026-12-01; a check on 31 Dec reads it (its month runs to the 31st)
    december = check(series="FEDFUNDS", start="2026-12-31", end="2026-12-31", comparator=">", threshold=4)
    data = await fetch_economy(replayed("economy.har"), december, timezone="UTC")
    assert data.series == [(date(2026, 12, 31), 3.64)]
    assert data.notes[-1] == "FEDFUNDS 2026-12-01 (its period runs to 2026-12-31) = 3.64"
    # a Saturday reads Friday's yield once Monday's is out (the weekend is Friday's period)
    saturday = check(series="DGS10", start="2026-11-28", end="2026-11-28")
    assert (await fetch_economy(replayed("economy.har"), saturday, timezone="UTC")).series == [
        (date(2026, 11, 28), 4.29)
    ]


async def test_the_last_monthly_observation_does_not_reach_the_next_month(replayed: ClientFactory) -> None:
    # October's rate (dated 2026-10-01) ends on 31 Oct: November, not released, has no value yet
    november = await fetch_economy(replayed("economy.har"), check(start="2026-11-01", end="2026-11-30"), timezone="UTC")
    assert november.series == []
