"""The verification agent's tools, as Strands `@tool` functions bound to a clock and a web backend.

clock (current time anywhere), calendar (weekday, day counts, holidays), arithmetic (exact, no eval),
web (search and fetch; off unless configured). The deterministic pre-pass in `findings` uses the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from strands import tool

from calledit.agents.tools import calendar
from calledit.agents.tools.arithmetic import calculate
from calledit.agents.tools.clock import ClockError, describe_now, now_in
from calledit.agents.tools.web import NoWeb, Web, WebUnavailable, quote_data, quote_page


def verification_tools(
    clock: Callable[[], datetime], web: Web | None = None, country: str = calendar.DEFAULT_COUNTRY
) -> list[Any]:
    """The tool set for one verification run: closures over this run's clock, web and holiday country."""
    web = web or NoWeb()

    @tool
    def current_time(timezone: str = "UTC") -> str:
        """The current date and time in an IANA timezone.

        Args:
            timezone: IANA name such as "Europe/Paris"; UTC when empty.
        """
        try:
            return describe_now(now_in(clock, timezone), timezone)
        except ClockError as exc:
            return str(exc)

    @tool
    def calendar_facts(day: str, country: str = country) -> str:
        """The weekday of a date, whether its year is a leap year, and its public holidays.

        Args:
            day: the date as YYYY-MM-DD.
            country: ISO country code for holidays, e.g. US, GB, FR.
        """
        try:
            when = calendar.parse_iso_date(day)
            names = calendar.holidays_on(when, country)
        except calendar.CalendarError as exc:
            return str(exc)
        leap = "a leap year" if calendar.is_leap_year(when.year) else "not a leap year"
        holidays = ", ".join(names) if names else "none"
        return f"{when.isoformat()} is a {calendar.weekday_name(when)}; {when.year} is {leap}; holidays: {holidays}"

    @tool
    def date_math(start: str, end: str = "", add_days: int = 0) -> str:
        """Days between two dates, or a date plus a number of days.

        Args:
            start: the first date, YYYY-MM-DD.
            end: the second date, YYYY-MM-DD (leave empty to add days instead).
            add_days: days to add to start when end is empty (negative to go back).
        """
        try:
            first = calendar.parse_iso_date(start)
            if end:
                second = calendar.parse_iso_date(end)
                return f"{calendar.days_between(first, second)} days from {first} to {second}"
            moved: date = first + timedelta(days=add_days)
        except (calendar.CalendarError, OverflowError) as exc:
            return str(exc)
        return f"{first} + {add_days} days = {moved} ({calendar.weekday_name(moved)})"

    @tool
    def holiday_date(name: str, year: int, country: str = country) -> str:
        """When a named holiday falls in a year, e.g. Thanksgiving 2026 in the US.

        Args:
            name: the holiday, e.g. "Thanksgiving", "Easter", "Christmas".
            year: the year.
            country: ISO country code.
        """
        try:
            days = calendar.holiday_dates(name, year, country)
        except (calendar.CalendarError, ValueError) as exc:
            return str(exc)
        if not days:
            return f"No holiday called {name!r} in {country} in {year}."
        return "; ".join(f"{label}: {day.isoformat()} ({calendar.weekday_name(day)})" for day, label in days)

    @tool
    def web_search(query: str) -> str:
        """Search the web; returns titles, URLs and snippets.

        Args:
            query: what to search for.
        """
        try:
            hits = web.search(query)
        except WebUnavailable as exc:
            return str(exc)
        results = "\n".join(f"- {h.title} <{h.url}>: {h.snippet}" for h in hits)
        return quote_data("search_results", results) if hits else "No results."

    @tool
    def fetch_page(url: str) -> str:
        """Read a web page as text.

        Args:
            url: an http(s) URL from the search results.
        """
        try:
            page = web.fetch(url)
        except WebUnavailable as exc:
            return str(exc)
        return quote_page(page)  # quoted data: the page's text must never read as instructions

    tools = [current_time, calendar_facts, date_math, holiday_date, calculate]
    return [*tools, web_search, fetch_page] if web.enabled else tools


__all__ = ["verification_tools"]
