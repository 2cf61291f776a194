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
