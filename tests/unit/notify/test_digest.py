"""When a weekly digest is due: Monday 08:00 on the user's wall clock, DST and year ends included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from calledit.notify.digest import digest_id, digest_slot, iso_week, zone_of

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 3, 23, 6, 59, tzinfo=UTC), datetime(2026, 3, 16, 7, 0, tzinfo=UTC)),  # 07:59 CET: last week's
        (datetime(2026, 3, 23, 7, 0, tzinfo=UTC), datetime(2026, 3, 23, 7, 0, tzinfo=UTC)),  # 08:00 CET exactly
        (datetime(2026, 3, 29, 21, 0, tzinfo=UTC), datetime(2026, 3, 23, 7, 0, tzinfo=UTC)),  # Sunday night
        # the clocks went forward on Sunday 29 March: 08:00 CEST is 06:00 UTC
        (datetime(2026, 3, 30, 6, 0, tzinfo=UTC), datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
        (datetime(2026, 3, 30, 5, 59, tzinfo=UTC), datetime(2026, 3, 23, 7, 0, tzinfo=UTC)),
    ],
)
def test_the_slot_is_the_latest_monday_8am_in_the_zone(now: datetime, slot: datetime) -> None:
    found = digest_slot(now, PARIS)
    assert found == slot
    assert found.astimezone(PARIS).hour == 8 and found.astimezone(PARIS).weekday() == 0


def test_a_zone_east_of_utc_has_its_monday_on_sunday_utc() -> None:
    tokyo = digest_slot(datetime(2026, 6, 14, 23, 30, tzinfo=UTC), ZoneInfo("Asia/Tokyo"))  # Mon 08:30 in Tokyo
    assert tokyo == datetime(2026, 6, 14, 23, 0, tzinfo=UTC)


def test_iso_weeks_cross_the_year_as_iso_does() -> None:
    assert iso_week(date(2025, 12, 29)) == "2026-W01"
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
    assert iso_week(date(2026, 12, 28)) == "2026-W53"
    assert digest_id("dana", "2026-W01") == "digest:dana:2026-W01"


@pytest.mark.parametrize("name", [None, "", "Not/AZone", "../../etc/passwd"])
def test_an_unknown_zone_is_utc(name: str | None) -> None:
    assert zone_of(name) == ZoneInfo("UTC")
