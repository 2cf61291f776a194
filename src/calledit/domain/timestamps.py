"""Time as the stores and routers use it: the UTC clock, and sortable UTC text.

`stamp` is the one text form every index column, sort key and cursor compares (SQLite's columns, DynamoDB's
keys, the call log's entries): UTC with microseconds always written, so text order is time order.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The time now, in UTC (the system clock: code that must be tested at other times takes a clock)."""
    return datetime.now(UTC)


def stamp(value: datetime) -> str:
    """Sortable UTC text: 2026-11-21T09:24:14.113000+00:00."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_stamp(value: str | None) -> datetime | None:
    """The datetime a `stamp` (or any ISO 8601 text) holds; None for None or empty text."""
    return datetime.fromisoformat(value) if value else None
