"""What every adapter returns: a daily series in the source's own days, and where it came from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from calledit.sources.http import SourceError


@dataclass(frozen=True)
class SourceSeries:
    """Daily values for `domain.check.evaluate`, with the facts a reader needs to audit them.

    `series`: (day, value) in the source's unit; None = that day's value is not final yet (not published,
    a game in progress, today's moving price). `timezone`: the IANA zone of the days ("today" is taken in
    it). `urls`: every request made, secrets removed; `data_url`: the one the values came from.
    `notes`: facts behind the values (the place geocoded, each game's score). `empty_reason`: set when
    the source will never have a value for this check (no game in the range), so waiting is pointless.
    """

    series: list[tuple[date, float | None]]
    timezone: str
    urls: list[str]
    data_url: str
    notes: list[str] = field(default_factory=list)
    empty_reason: str | None = None


@contextmanager
def reading(source: str, url: str) -> Iterator[None]:
    """Turn a body that is not the documented shape into a `SourceError` instead of a crash."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise SourceError(
            f"{source} answered in an unexpected shape ({type(exc).__name__}: {exc})", kind="malformed", url=url
        ) from None


def days(start: date, end: date) -> list[date]:
    """Every date from start to end inclusive."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def epoch(day: date) -> int:
    """Seconds since 1970 at 00:00 UTC of `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


__all__ = ["SourceSeries", "days", "epoch", "reading"]
