"""Spans of local time: what a time expression resolved to, and wall-clock arithmetic in one zone."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from calledit.agents.calendar import DateOrder, month_length


@dataclass(frozen=True)
class TimeExpression:
    """A time expression found in a prediction and the span of time it names (aware, user's zone)."""

    text: str
    start: datetime
    end: datetime
    kind: str  # moment, day, evening, weekend, week, month, quarter, half, season, year, duration, holiday
    position: tuple[int, int]  # character offsets in the prediction
    cue: str | None = None  # the word just before it: by, before, on, in, until, every, ...
    source: Literal["rule", "dateparser"] = "rule"
    # False when the words have several common readings ("this season": weather or sports?): the guard
    # then only keeps the date out of the past instead of replacing it.
    firm: bool = True

    @property
    def deadline(self) -> datetime:
        """When a call about it can be checked: the start for "before X", else the end of X."""
        if self.cue == "before" and self.kind not in ("moment", "duration"):
            return self.start - timedelta(seconds=1)
        return self.end

    def describe(self) -> str:
        """One short line for the model: the words and when they are checked."""
        return f'"{self.text}" = {self.deadline.isoformat(timespec="seconds")}'

    def as_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "start": self.start.isoformat(timespec="seconds"),
            "end": self.end.isoformat(timespec="seconds"),
            "check_at": self.deadline.isoformat(timespec="seconds"),
        }



class LocalClock:
    """Local wall-clock arithmetic in one zone, normalising times that fall in a DST gap."""

    def __init__(
        self, now: datetime, zone: zoneinfo.ZoneInfo, order: DateOrder = "DMY", country: str | None = None
    ) -> None:
        self.zone = zone
        self.now = now.astimezone(zone)
        self.today = self.now.date()
        self.order = order
        self.country = country  # whose holidays "Thanksgiving" names (None: the holiday's own country)

    def at(self, day: date, clock: time = time(0, 0)) -> datetime:
        naive = datetime.combine(day, clock)
        aware = naive.replace(tzinfo=self.zone)
        # A wall time inside a spring-forward gap does not exist: round-tripping through UTC moves it on.
        return aware.astimezone(UTC).astimezone(self.zone)

    def day(self, day: date) -> tuple[datetime, datetime]:
        return self.at(day), self.at(day, time(23, 59, 59))

    def days(self, first: date, last: date) -> tuple[datetime, datetime]:
        return self.at(first), self.at(last, time(23, 59, 59))

    def month(self, year: int, month: int) -> tuple[datetime, datetime]:
        return self.days(date(year, month, 1), date(year, month, month_length(year, month)))

    def year(self, year: int) -> tuple[datetime, datetime]:
        return self.days(date(year, 1, 1), date(year, 12, 31))

    def week_of(self, day: date) -> tuple[datetime, datetime]:
        monday = day - timedelta(days=day.weekday())
        return self.days(monday, monday + timedelta(days=6))

    def upcoming(self, first: date, last: date) -> tuple[datetime, datetime]:
        """A yearly span (holiday, season) this year if not yet over, else next year's."""
        start, end = self.days(first, last)
        if end < self.now:
            return self.days(first + relativedelta(years=1), last + relativedelta(years=1))
        return start, end


def parse_time(text: str) -> time:
    text = text.lower().replace(".", "").replace(" ", "")
    if text in ("noon", "midday"):
        return time(12, 0)
    if text == "midnight":
        return time(23, 59, 59)
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)) % 24, int(match.group(2) or 0)
    if match.group(3) == "pm" and hour < 12:
        hour += 12
    elif match.group(3) == "am" and hour == 12:
        hour = 0
    return time(hour, minute)


def quarter_span(clock: LocalClock, year: int, quarter: int) -> tuple[datetime, datetime]:
    first_month = 3 * (quarter - 1) + 1
    start, _ = clock.month(year, first_month)
    _, end = clock.month(year, first_month + 2)
    return start, end


_SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def season_span(
    clock: LocalClock, name: str, which: str | None, year: int | None, southern: bool
) -> tuple[datetime, datetime]:
    """A meteorological season: three months from its first (shifted six months south of the equator)."""
    first = _SEASON_MONTHS[name]
    if southern:
        first = (first + 6 - 1) % 12 + 1

    def span(start_year: int) -> tuple[datetime, datetime]:
        start, _ = clock.month(start_year, first)
        last = date(start_year, first, 1) + relativedelta(months=2)
        _, end = clock.month(last.year, last.month)
        return start, end

    if year is not None:
        # "winter 2027" is the winter that starts in December 2026 north of the equator? No: most people
        # mean the one that starts in the named year; keep it simple and predictable.
        return span(year)
    candidates = [span(clock.today.year - 1), span(clock.today.year), span(clock.today.year + 1)]
    current_or_next = next(s for s in candidates if s[1] >= clock.now)
    if which == "next" and current_or_next[0] <= clock.now:
        return candidates[candidates.index(current_or_next) + 1]
    return current_or_next


def current_season(clock: LocalClock, southern: bool) -> tuple[datetime, datetime]:
    month = clock.today.month
    first = month - (month % 3)
    first = 12 if first == 0 else first
    start_year = clock.today.year - 1 if month < 3 and first == 12 else clock.today.year
    start, _ = clock.month(start_year, first)
    last = date(start_year, first, 1) + relativedelta(months=2)
    _, end = clock.month(last.year, last.month)
    del southern  # the same three months are a season in both hemispheres; only the name differs
    return start, end


