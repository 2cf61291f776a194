from datetime import UTC, datetime

import pytest

from calledit.agents.tools import findings
from calledit.agents.tools.web import FixtureWeb, NoWeb

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "settled"),
    [
        ("2+2 is 4", True),
        ("2 + 2 equals 5.", False),
        ("Seventeen: 17 times 23 is 391", None),  # "Seventeen" is more than the claim says
        ("17 times 23 is 391", True),
        ("17 multiplied by 23 is not 391", False),
        ("15% of 200 is 30", True),
        ("12 squared is 144", True),
        ("2 ** 10 is greater than 1000", True),
        ("10 / 4 = 2.5", True),
        ("Christmas 2026 falls on a Friday", True),
        ("December 25, 2026 will be a Friday", True),
        ("Christmas 2026 will not be on a Friday", False),
        ("2026-03-01 is a Sunday", True),
        ("2026-03-01 is a Monday", False),
        ("2028 is a leap year", True),
        ("2027 is a leap year", False),
        ("2027 is not a leap year", True),
        ("There are 365 days between 2026-01-01 and 2027-01-01", True),
        ("There are 366 days between 2026-01-01 and 2027-01-01", False),
        ("There are 40 days until December 31, 2026", True),
        ("Thanksgiving 2026 is on November 26, 2026", True),
        ("Thanksgiving 2026 is on November 27, 2026", False),
        ("Paris is the capital of France", None),
        ("Bitcoin will hit 100000 by 2026-12-31", None),
        ("The Lakers score 2 + 2 points and win tonight", None),
        ("2+2 is 4 and the Lakers win tonight", None),  # true part, but more to check
        ("2+2 is 5 and the Lakers win tonight", False),  # one false part refutes the whole
    ],
)
def test_settles_only_what_the_tools_can(text: str, settled: bool | None) -> None:
    _, groups = findings.gather([text], NOW, "America/New_York")
    assert findings.settled(groups) is settled


@pytest.mark.parametrize(
    ("text", "now", "timezone", "settled"),
    [
        ("Today is a Saturday", "2026-11-21T04:30:00Z", "Asia/Kolkata", True),
        ("Today is a Saturday", "2026-11-21T04:30:00Z", "America/New_York", False),  # still Friday there
        ("Tomorrow is a Sunday", "2026-11-21T12:00:00Z", "UTC", True),
        ("Yesterday was not a Friday", "2026-11-21T12:00:00Z", "UTC", False),
        ("It is already Sunday in Auckland", "2026-11-21T12:00:00Z", "Pacific/Auckland", True),
        ("It is Sunday in New York", "2026-11-21T12:00:00Z", "UTC", False),
        ("It is Sunday in Atlantis", "2026-11-21T12:00:00Z", "UTC", None),  # no such zone
        ("This month has 31 days", "2026-11-21T06:00:00Z", "Asia/Dubai", False),
        ("This month has 30 days", "2026-11-21T06:00:00Z", "Asia/Dubai", True),
        ("February 2028 has 29 days", "2026-11-21T06:00:00Z", "UTC", True),
        ("2026 has 365 days", "2026-11-21T06:00:00Z", "UTC", True),
        ("There are 52 Sundays in 2026", "2026-11-23T15:00:00Z", "America/Chicago", True),
        ("2028 has 53 Sundays", "2026-11-23T15:00:00Z", "UTC", True),
        ("There are 53 Mondays in 2026", "2026-11-23T15:00:00Z", "UTC", False),
        ("We are in the last week of November", "2026-11-27T08:00:00Z", "Europe/Paris", True),
        ("We are in the last week of November", "2026-11-21T08:00:00Z", "Europe/Paris", False),
        ("We are not in the first week of November", "2026-11-21T08:00:00Z", "UTC", True),
        ("The square root of 169 is 14", "2026-11-21T08:00:00Z", "UTC", False),
        ("The square root of 144 is 12", "2026-11-21T08:00:00Z", "UTC", True),
        ("The square root of 2 is 1.41", "2026-11-21T08:00:00Z", "UTC", None),  # not exact: the model decides
    ],
)
def test_claims_about_now_are_settled_with_the_frozen_clock(
    text: str, now: str, timezone: str, settled: bool | None
) -> None:
    _, groups = findings.gather([text], datetime.fromisoformat(now), timezone)
    assert findings.settled(groups) is settled


def test_the_users_words_come_before_the_restatement() -> None:
    # the model restated the prediction wrongly: the user's own words decide
    _, groups = findings.gather(["12 squared is 144", "12 squared is 154."], NOW, "UTC")
    assert findings.settled(groups) is True
    _, groups = findings.gather(["Christmas falls on a Friday this year", "Christmas 2026 falls on a Friday."],
                                NOW, "UTC")
    assert findings.settled(groups) is True  # the words alone name no year: the statement decides


def test_every_run_reports_the_clock_first_and_deduplicates() -> None:
    items, _ = findings.gather(["2+2 is 4", "2+2 is 4"], NOW, "Europe/Paris")
    assert items[0].tool == "current_time"
    assert "2026-11-21T10:00:00+01:00 (Saturday)" in items[0].finding
    assert [item.tool for item in items] == ["current_time", "calculate"]


def test_dates_without_a_claim_are_reported_as_information() -> None:
    items, groups = findings.gather(["The launch happens on 2026-07-04"], NOW, "America/New_York")
    assert findings.settled(groups) is None
    assert any("a Saturday; public holiday in US: Independence Day" in item.finding for item in items)


def test_web_findings_use_the_fixture_search_and_page() -> None:
    web = FixtureWeb({
        "search": [{"query": "bitcoin price", "results": [
            {"title": "BTC", "url": "https://example.test/btc", "snippet": "Bitcoin at $101,000"}]}],
        "pages": {"https://example.test/btc": "<html><title>BTC</title><body><script>x()</script>"
                                               "<p>Bitcoin   closed at $101,000.</p></body></html>"},
    })
    found = findings.web_findings(web, "Bitcoin price today")
    assert [f.tool for f in found] == ["web_search", "fetch_page"]
    assert "Bitcoin at $101,000" in found[0].finding
    assert found[1].finding == "BTC: Bitcoin closed at $101,000."
    assert findings.web_findings(NoWeb(), "anything") == []
