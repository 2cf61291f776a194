"""The regex pre-pass: claims matched by patterns in what a call says, computed by the tools.

What it is: regular expressions over the user's words and the restatement that recognise the phrasings
they know ("Christmas 2026 falls on a Friday", "17 * 23 = 391", "2028 is a leap year"), computed with the
calendar, clock and arithmetic tools. It is how the verifier checks a call that carries no typed check
(calls made before checks existed, or whose check did not validate), hands its results to the model as
evidence (reported as tool uses), and, at creation, pre-fills a typed offline check when it reads the
whole claim (`agents.checks`). A finding that settles a claim carries `holds` (True/False).

It reads at most MAX_PREPASS_CHARS of each text, and every pattern is bounded (possessive repeats, an
expression at most MAX_EXPRESSION_CHARS long), so one search stays short: `re` holds the GIL while it
matches, so a running thread cannot save the event loop from a slow pattern. A tool that fails on one
text is logged and left out; the other tools' findings still count.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from calledit.agents.calendar import MONTH_NAMES, month_length, month_number
from calledit.agents.tools import arithmetic, calendar
from calledit.agents.tools.clock import ClockError, describe_now, now_in, zone_for_place
from calledit.agents.tools.web import Web, WebUnavailable, quote_data, quote_page

log = logging.getLogger(__name__)

MAX_PREPASS_CHARS = 2000  # of each text: the longest prompt a user can send
_NUMBER = r"-?\d++(?:\.\d++)?+"  # possessive: a number never backtracks into a shorter one
# An expression up to the evaluator's length, then a cheap look at the next character before the
# relations are tried: keeps each search linear in the text's length.
_EXPRESSION = (
    rf"(?:sqrt\(\s*)?\(*+\s*+-?\d[\d.\s()+\-*/%]{{0,{arithmetic.MAX_EXPRESSION_CHARS}}}?[\d)]"
    r"(?=\s*+[=<>a-z])"
)
_RELATIONS = {
    "=": "==", "==": "==", "equals": "==", "is equal to": "==", "is": "==", "makes": "==", "gives": "==",
    "will be": "==", "was": "==", "are": "==", "is exactly": "==", "comes to": "==", "yields": "==",
    "is greater than": ">", "is more than": ">", "is larger than": ">", "is bigger than": ">", ">": ">",
    "is less than": "<", "is smaller than": "<", "<": "<", "is at least": ">=", ">=": ">=",
    "is at most": "<=", "<=": "<=",
}
_RELATION = "|".join(re.escape(r) for r in sorted(_RELATIONS, key=len, reverse=True))
_CLAIM = re.compile(
    rf"(?P<expr>{_EXPRESSION})\s*(?P<rel>{_RELATION})\s+(?P<neg>not\s+)?(?P<value>{_NUMBER})(?![\d.]*+\s*+[-+*/%])"
    rf"|(?P<expr2>{_EXPRESSION})\s*(?P<rel2>=|==|>=|<=|>|<)\s*(?P<value2>{_NUMBER})(?![\d.]*+\s*+[-+*/%])",
    re.I,
)
_WHOLE_NUMBER = r"(?<![\d.])(\d++(?:\.\d++)?+)"  # from its first digit only: linear over long digit runs
_PRE = [
    (re.compile(rf"{_WHOLE_NUMBER}\s*(?:%|percent)\s+of\s+", re.I), r"(\1/100) * "),
    (re.compile(rf"{_WHOLE_NUMBER}\s+squared\b", re.I), r"\1 ** 2"),
    (re.compile(rf"{_WHOLE_NUMBER}\s+cubed\b", re.I), r"\1 ** 3"),
    (re.compile(r"\bthe (?:sum|total) of (\d+(?:\.\d+)?) and (\d+(?:\.\d+)?)", re.I), r"\1 + \2"),
    (re.compile(r"\bthe product of (\d+(?:\.\d+)?) and (\d+(?:\.\d+)?)", re.I), r"\1 * \2"),
]
_NEGATION = re.compile(r"\b(?:not|never|no)\b|n't\b", re.I)
_FILLER_WORDS = (
    "the a an it is will be that this true correct fact statement on in of and falls fall lands land "
    "was are going to which day date year calendar actually indeed exactly result answer math "
    "mathematically equal equals number numbers there"
)
_FILLER = frozenset(_FILLER_WORDS.split())


@dataclass(frozen=True)
class Finding:
    """One tool result: what was asked, what it found, and whether it settles a claim in the call."""

    tool: str
    input: dict[str, Any]
    source: str
    finding: str
    holds: bool | None = None
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    # The claim as a typed offline check (domain.offline_checks), when the pattern read all of it.
    query: dict[str, Any] | None = field(default=None, compare=False)


@dataclass
class Findings:
    """Everything the pre-pass learned about one text, and which parts of the text its claims cover."""

    text: str
    items: list[Finding] = field(default_factory=list)
    origin: int = 0  # which of the call's texts (the user's words come first)

    @property
    def decisive(self) -> list[Finding]:
        return [item for item in self.items if item.holds is not None]

    def covers_text(self) -> bool:
        """True when the settled claims are all the text says (beyond filler words)."""
        rest = list(self.text)
        for item in self.decisive:
            for start, end in item.spans:
                rest[start:end] = " " * (end - start)
        words = re.findall(r"[a-z0-9']+", "".join(rest).lower())
        return bool(self.decisive) and all(word in _FILLER for word in words)


def prepare(text: str) -> str:
    """The text with spoken operators turned into symbols, so claims can be found and computed."""
    out = arithmetic.normalize(text)
    for pattern, replacement in _PRE:
        out = pattern.sub(replacement, out)
    return out


def arithmetic_findings(text: str) -> Findings:
    """Claims such as '17 * 23 = 391' or 'two plus two is 4', computed exactly."""
    prepared = prepare(text)
    result = Findings(prepared)
    for match in _CLAIM.finditer(prepared):
        expression = (match.group("expr") or match.group("expr2")).strip()
        if not re.search(r"\d\s*[-+*/%]|\)\s*[-+*/%]|sqrt", expression):
            continue  # a bare number ("2026 is ...") is not a computation
        relation = _RELATIONS[(match.group("rel") or match.group("rel2")).lower()]
        negated = bool(match.group("neg"))
        try:
            claimed = arithmetic.evaluate(match.group("value") or match.group("value2"))
        except arithmetic.NotArithmetic as exc:
            result.items.append(Finding("calculate", {"expression": expression}, "calculator",
                                        f"cannot read the number claimed for {expression!r}: {exc}"))
            continue
        try:
            value = arithmetic.evaluate(expression)
        except arithmetic.NotArithmetic as exc:
            result.items.append(Finding("calculate", {"expression": expression}, "calculator",
                                        f"cannot evaluate {expression!r}: {exc}"))
            continue
        holds = {"==": value == claimed, ">": value > claimed, "<": value < claimed,
                 ">=": value >= claimed, "<=": value <= claimed}[relation]
        holds = holds != negated
        shown = arithmetic.format_number(value)
        claimed_text = match.group("value") or match.group("value2")
        query = None if re.search(r"%|//", expression) else {  # % and // are Python's modulo and floor here
            "source": "arithmetic", "expression": expression.replace("**", "^"), "comparator": relation,
            "value": claimed_text.lstrip("-") if not claimed_text.startswith("-") else f"-{claimed_text[1:]}",
            "negated": negated}
        result.items.append(Finding(
            "calculate", {"expression": expression}, "calculator (exact arithmetic)",
            f"{expression} = {shown}, so the claim '{match.group(0).strip()}' is {_word(holds)}.",
            holds, ((match.start(), match.end()),), query,
        ))
    return result


def calendar_findings(text: str, today: date, country: str | None) -> Findings:
    """Weekday, leap-year, date-equality and day-count claims, settled with the calendar."""
    result = Findings(text)
    mentions = calendar.find_dates(text, country)
    used: set[int] = set()
    for index, mention in enumerate(mentions):
        after = text[mention.end : mention.end + 48]
        weekday = re.match(
            r"(?P<gap>[\s,]*(?:(?:will|would|is|was|be|falls?|lands?|going|to|on|a|an|not|never|does|do|"
            r"doesn't|won't|isn't|wasn't|also)\b[\s,]*)+)(?P<name>" + "|".join(calendar.WEEKDAYS) + r")\b",
            after, re.I,
        )
        if weekday:
            actual = calendar.weekday_name(mention.day)
            claimed = weekday.group("name").capitalize()
            holds = (actual == claimed) != bool(_NEGATION.search(weekday.group("gap")))
            used.add(index)
            result.items.append(Finding(
                "weekday", {"date": mention.day.isoformat()}, "calendar (deterministic)",
                f"{mention.text} is {mention.day.isoformat()}, a {actual}; the claim that it "
                f"{'is not' if _NEGATION.search(weekday.group('gap')) else 'is'} a {claimed} is {_word(holds)}.",
                holds, ((mention.start, mention.end + weekday.end()),),
                {"source": "calendar", "question": "weekday", "day": mention.day.isoformat(), "weekday": claimed,
                 "negated": bool(_NEGATION.search(weekday.group("gap")))},
            ))
            continue
        if index + 1 < len(mentions):
            other = mentions[index + 1]
            gap = text[mention.end : other.start]
            if re.fullmatch(r"[\s,]*(?:(?:will|is|was|be|falls?|lands?|on|not|never|also|"
                            r"isn't|won't)\b[\s,]*)+", gap, re.I):
                holds = (mention.day == other.day) != bool(_NEGATION.search(gap))
                used.update((index, index + 1))
                result.items.append(Finding(
                    "date_of", {"text": mention.text}, "calendar (deterministic)",
                    f"{mention.text} is {mention.day.isoformat()} and {other.text} is {other.day.isoformat()}; "
                    f"the claim is {_word(holds)}.",
                    holds, ((mention.start, other.end),),
                    {"source": "calendar", "question": "date", "day": mention.day.isoformat(),
                     "other": other.day.isoformat(), "negated": bool(_NEGATION.search(gap))},
                ))
    result.items.extend(_day_counts(text, mentions, today, used))
    for match in re.finditer(r"\b(?P<year>\d{4})\s+(?P<gap>(?:is|will be|was|isn't|won't be|is not|will not be)"
                             r"(?:\s+not)?)\s+a\s+leap\s+year\b", text, re.I):
        year = int(match.group("year"))
        if not calendar.in_calendar(year):
            result.items.append(_outside_calendar(match, year))
            continue
        leap = calendar.is_leap_year(year)
        holds = leap != bool(_NEGATION.search(match.group("gap")))
        result.items.append(Finding(
            "leap_year", {"year": year}, "calendar (deterministic)",
            f"{year} {'is' if leap else 'is not'} a leap year ({366 if leap else 365} days); the claim is "
            f"{_word(holds)}.", holds, ((match.start(), match.end()),),
            {"source": "calendar", "question": "leap_year", "year": year,
             "negated": bool(_NEGATION.search(match.group("gap")))},
        ))
    for index, mention in enumerate(mentions):
        if index in used:
            continue
        names = calendar.holidays_on(mention.day, country) if country else []
        extra = f"; public holiday in {country}: {', '.join(names)}" if names else ""
        result.items.append(Finding(
            "weekday", {"date": mention.day.isoformat()}, "calendar (deterministic)",
            f"{mention.text} is {mention.day.isoformat()}, a {calendar.weekday_name(mention.day)}{extra}.",
        ))
    return result


def _day_counts(
    text: str, mentions: list[calendar.DateMention], today: date, used: set[int]
) -> Iterable[Finding]:
    by_start = {m.start: (i, m) for i, m in enumerate(mentions)}
    for match in re.finditer(r"\b(?P<n>\d+)\s+days?\s+(?P<how>between|from|until|till|before|after)\s+", text, re.I):
        first = by_start.get(match.end())
        if first is None:
            continue
        index, start = first
        claimed = int(match.group("n"))
        how = match.group("how").lower()
        if how in ("between", "from"):
            tail = re.match(r"\s*(?:and|to|until|till)\s+", text[start.end:], re.I)
            second = by_start.get(start.end + tail.end()) if tail else None
            if second is None:
                continue
            used.update((index, second[0]))
            actual = abs(calendar.days_between(start.day, second[1].day))
            label, end = f"from {start.day.isoformat()} to {second[1].day.isoformat()}", second[1].end
            first_day, last_day = start.day.isoformat(), second[1].day.isoformat()
        else:
            used.add(index)
            actual = abs(calendar.days_between(today, start.day))
            label, end = f"from today ({today.isoformat()}) to {start.day.isoformat()}", start.end
            first_day, last_day = "today", start.day.isoformat()
        holds = actual == claimed
        yield Finding(
            "days_between", {"claimed": claimed, "between": label}, "calendar (deterministic)",
            f"There are {actual} days {label}; the claim of {claimed} is {_word(holds)}.",
            holds, ((match.start(), end),),
            {"source": "calendar", "question": "days_between", "day": first_day, "other": last_day,
             "value": claimed, "comparator": "=="},
        )


def clock_finding(now: datetime, timezone: str) -> Finding:
    return Finding("current_time", {"timezone": timezone}, "clock", f"Now: {describe_now(now, timezone)}.")


def web_findings(web: Web, query: str, max_results: int = 3) -> list[Finding]:
    """Search results (and the top page's text) as evidence; an explanation when the web is unavailable."""
    if not web.enabled:
        return []
    try:
        hits = web.search(query, max_results)
    except WebUnavailable as exc:
        return [Finding("web_search", {"query": query}, "web search", f"Search failed: {exc}")]
    results = "; ".join(f"{h.title} <{h.url}>: {h.snippet}" for h in hits)
    found = [Finding("web_search", {"query": query}, f"web search ({web.name})",
                     quote_data("search_results", results) if hits else "No results.")]
    if hits:
        try:
            page = web.fetch(hits[0].url)
            found.append(Finding("fetch_page", {"url": page.url}, page.url, quote_page(page, 1500)))
        except WebUnavailable as exc:
            found.append(Finding("fetch_page", {"url": hits[0].url}, hits[0].url, f"Fetch failed: {exc}"))
    return found


def gather(
    texts: Iterable[str], now: datetime, timezone: str, *, country: str | None = None,
    web: Web | None = None, web_query: str | None = None,
    clock_text: Callable[[datetime, str], Finding] = clock_finding,
) -> tuple[list[Finding], list[Findings]]:
    """All findings for a call's texts (in order of trust: the user's words, then the statement),
    deduplicated, and the per-text groups `settled` decides on."""
    country = country or calendar.country_for_timezone(timezone)
    try:
        local_now = now_in(lambda: now, timezone)
    except ClockError:
        local_now = now
    items = [clock_text(local_now, timezone)]
    groups: list[Findings] = []
    readers: list[tuple[str, Callable[[str], Findings]]] = [
        ("arithmetic", arithmetic_findings),
        ("calendar", lambda text: calendar_findings(text, local_now.date(), country)),
        ("clock", lambda text: time_findings(text, local_now)),
    ]
    for origin, text in enumerate(dict.fromkeys(t[:MAX_PREPASS_CHARS] for t in texts if t)):
        for name, read in readers:
            try:
                group = read(text)
            except Exception:  # one tool's bug must not cost the call its other findings, or its check
                log.exception("tool=<%s>, chars=<%d> | a pre-pass tool failed; its findings are left out",
                              name, len(text))
                continue
            group.origin = origin
            groups.append(group)
            items.extend(item for item in group.items if item not in items)
    if web is not None and web_query:
        items.extend(web_findings(web, web_query))
    return items, groups


def settled(groups: list[Findings]) -> bool | None:
    """The verdict the pre-pass alone decides, from the first text (in trust order) it can decide:
    False if a settled claim in it is false; True if its claims are all true and are all it says;
    None when the tools cannot decide any text."""
    for origin in sorted({group.origin for group in groups}):
        mine = [group for group in groups if group.origin == origin]
        decisive = [item for group in mine for item in group.decisive]
        if any(item.holds is False for item in decisive):
            return False
        if any(group.covers_text() and all(i.holds for i in group.decisive) for group in mine):
            return True
    return None


# --- claims about now: today's weekday, the weekday elsewhere, this month, this year -----------------

_WEEKDAY = "(?P<weekday>" + "|".join(calendar.WEEKDAYS) + ")"
_OFFSETS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def time_findings(text: str, now: datetime) -> Findings:
    """Claims about the current date, settled with the clock frozen at `now` (in the user's timezone)."""
    result = Findings(text)

    def add(match: re.Match[str], tool: str, args: dict[str, Any], finding: str, holds: bool,
            query: dict[str, Any] | None = None) -> None:
        result.items.append(Finding(tool, args, "clock and calendar (deterministic)",
                                    f"{finding}; the claim '{match.group(0).strip()}' is {_word(holds)}.",
                                    holds, ((match.start(), match.end()),), query))

    def negated(match: re.Match[str]) -> bool:
        return bool(match.groupdict().get("neg"))

    for m in re.finditer(rf"\b(?P<day>yesterday|today|tomorrow)\s+(?:is|was|will be)\s+(?P<neg>not\s+)?"
                         rf"(?:a\s+)?{_WEEKDAY}\b", text, re.I):
        day = now.date() + timedelta(days=_OFFSETS[m.group("day").lower()])
        actual = calendar.weekday_name(day)
        add(m, "weekday", {"date": day.isoformat()}, f"{m.group('day').capitalize()} is {day.isoformat()}, a "
            f"{actual}", (actual == m.group("weekday").capitalize()) != negated(m),
            {"source": "calendar", "question": "weekday", "day": m.group("day").lower(),
             "weekday": m.group("weekday").capitalize(), "negated": negated(m)})
    for m in re.finditer(rf"\b(?i:it is|it's)\s+(?i:already\s+|still\s+)?(?P<neg>(?i:not)\s+)?(?i:a\s+)?"
                         rf"(?i:{_WEEKDAY})\s+in\s+(?P<place>[A-Z][A-Za-z.'-]*(?:\s[A-Z][A-Za-z.'-]*)*)", text):
        zone = zone_for_place(m.group("place"))
        if zone is None:
            continue
        there = now.astimezone(zone)
        actual = calendar.weekday_name(there.date())
        add(m, "current_time", {"timezone": zone.key}, f"It is {there.isoformat(timespec='minutes')} ({actual}) in "
            f"{zone.key}", (actual == m.group("weekday").capitalize()) != negated(m),
            {"source": "clock", "place": m.group("place"), "part": "weekday",
             "value": m.group("weekday").capitalize(), "negated": negated(m)})
    month_names = "|".join(name for name in MONTH_NAMES)
    for m in re.finditer(rf"\b(?:(?P<this>this month)|(?P<month>{month_names})\s+(?P<year>\d{{4}}))\s+"
                         r"(?P<verb>has|will have|had)\s+(?P<neg>not\s+)?(?P<n>\d+)\s+days\b", text, re.I):
        year = now.year if m.group("this") else int(m.group("year"))
        if not calendar.in_calendar(year):
            result.items.append(_outside_calendar(m, year))
            continue
        month = now.month if m.group("this") else month_number(m.group("month"))
        length = month_length(year, month)
        add(m, "calendar_facts", {"month": f"{year}-{month:02d}"}, f"{MONTH_NAMES[month - 1]} "
            f"{year} has {length} days", (length == int(m.group("n"))) != negated(m))
    for m in re.finditer(r"\b(?:(?P<this>this year)|(?P<year>\d{4}))\s+(?:has|will have|had)\s+(?P<neg>not\s+)?"
                         r"(?P<n>\d+)\s+days\b", text, re.I):
        if any(start < m.end() and m.start() < end for item in result.items for start, end in item.spans):
            continue  # "February 2028 has 29 days" is about the month, not the year
        year = now.year if m.group("this") else int(m.group("year"))
        if not calendar.in_calendar(year):
            result.items.append(_outside_calendar(m, year))
            continue
        length = 366 if calendar.is_leap_year(year) else 365
        add(m, "calendar_facts", {"year": year}, f"{year} has {length} days", (length == int(m.group("n")))
            != negated(m))
    for m in re.finditer(rf"\b(?:there\s+(?:are|will be|were)\s+(?P<n>\d+)\s+{_WEEKDAY}s\s+in\s+(?P<year>\d{{4}}|"
                         rf"this year)|(?P<year2>\d{{4}}|this year)\s+(?:has|will have|had)\s+(?P<n2>\d+)\s+"
                         rf"{_WEEKDAY.replace('weekday', 'weekday2')}s)\b", text, re.I):
        label = (m.group("year") or m.group("year2")).lower()
        year = now.year if label == "this year" else int(label)
        if not calendar.in_calendar(year):
            result.items.append(_outside_calendar(m, year))
            continue
        name = (m.group("weekday") or m.group("weekday2")).capitalize()
        count = sum(1 for day in range(1, 367 if calendar.is_leap_year(year) else 366)
                    if calendar.weekday_name(date(year, 1, 1) + timedelta(days=day - 1)) == name)
        claimed = int(m.group("n") or m.group("n2"))
        add(m, "calendar_facts", {"year": year, "weekday": name}, f"{year} has {count} {name}s", count == claimed,
            {"source": "calendar", "question": "weekday_count", "weekday": name, "year": year, "value": claimed}
            if label != "this year" else None)
    for m in re.finditer(rf"\b(?:we are|we're|it is|it's|today is)\s+(?P<neg>not\s+)?in\s+the\s+"
                         rf"(?P<which>first|last)\s+week\s+of\s+(?P<month>{month_names})\b", text, re.I):
        month = month_number(m.group("month"))
        length = month_length(now.year, month)
        inside = now.month == month and (now.day <= 7 if m.group("which").lower() == "first" else
                                         now.day > length - 7)
        add(m, "calendar_facts", {"date": now.date().isoformat()}, f"Today is {now.date().isoformat()}; the "
            f"{m.group('which').lower()} week of {m.group('month').capitalize()} is "
            + ("days 1-7" if m.group("which").lower() == "first" else f"days {length - 6}-{length}"),
            inside != negated(m))
    return result


def _word(holds: bool) -> str:
    return "TRUE" if holds else "FALSE"


def _outside_calendar(match: re.Match[str], year: int) -> Finding:
    """Information, not a verdict: the tools cannot count days in a year the calendar does not have."""
    return Finding("calendar_facts", {"year": year}, "calendar (deterministic)",
                   f"The claim '{match.group(0).strip()}' cannot be settled by the calendar: "
                   f"{calendar.outside_calendar(year)}")
