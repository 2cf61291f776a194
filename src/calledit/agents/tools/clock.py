"""The current time in any timezone, from an injected clock (frozen in tests and evals)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime


class ClockError(ValueError):
    """An unknown timezone name."""


def now_in(clock: Callable[[], datetime], timezone: str) -> datetime:
    """The clock's current instant in the IANA `timezone`."""
    try:
        zone = zoneinfo.ZoneInfo(timezone.strip() or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ClockError(f"unknown timezone {timezone!r}; use an IANA name such as Europe/Paris") from exc
    return clock().astimezone(zone)


def describe_now(moment: datetime, timezone: str) -> str:
    """'2026-11-21T10:00:00+01:00 (Saturday) in Europe/Paris; 2026-11-21T09:00:00Z in UTC'."""
    utc = moment.astimezone(UTC)
    return (
        f"{moment.isoformat(timespec='seconds')} ({moment:%A}) in {timezone}; "
        f"{utc.strftime('%Y-%m-%dT%H:%M:%SZ')} in UTC"
    )
