"""Statement fidelity: the call says what the user said, in words a person reads.

A statement may make the user's words self-contained (the date of "tomorrow" written out, the place, the
threshold), but it never adds a claim, never computes, never drops a negation or a quantity, and never
shows machine formats. The rules, each checked in code after the model:

| rule | the statement ... |
|---|---|
| `numbers` | keeps every number of the prediction (one inside a time expression may become the date in words) |
| `new_number` | has no number that is neither in the prediction nor part of a resolved date written for people |
| `units` | keeps every unit and currency ($, %, °C, km, points ...), in any spelling |
| `names` | keeps every capitalised word (a name) outside the time expressions; an acronym may be spelled out |
| `negation` | has exactly as many negations (not, never, no, n't ...) as the prediction |
| `dates` | keeps every time expression, as its words or as its date |
| `relative` | gives the date in words when it uses relative words ("tomorrow", "on Friday", "this season") |
| `verdict_words` | does not judge itself ("true", "false", "correct", "wrong" that the prediction did not say) |
| `machine_format` | has no ISO 8601 date or time; this rule also holds for the method and the reasons |

Before the rules, a date the statement names twice is said once ("on March 15, 2027, 15 March 2027",
"September 9, 2027, 2027": the small model appends the date it was given), and today's date goes from a
statement whose prediction has nothing to do with today ("Water boils at 100 C, 21 November 2026"). A
statement that breaks a rule is mended (an ISO date that repeats a date already named is dropped, any
other is written in words, relative words get their date) and, if the mended one still breaks a rule,
rebuilt from the prediction itself plus the resolved dates: deterministic, and no second model round.
The method's items and the reasons get their ISO dates and times rewritten in words.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime

from calledit.agents.creation import ABOUT_NOW, CallContext
from calledit.agents.dates import TimeExpression, date_order_for, resolve_dates
from calledit.domain.call import CallDraft, VerificationMethod, VerificationMode
from calledit.domain.check import describe
from calledit.domain.words import (
    ISO_MOMENT,
    WEEKDAYS,
    Number,
    date_words,
    iso_to_words,
    machine_formats,
    negations_in,
    numbers_in,
    parse_iso,
    same_number,
    span_words,
    written_dates,
)

log = logging.getLogger(__name__)

STATEMENT = "prediction_statement"
_MAX_ITEM = 500  # VerificationMethod items
_MAX_TEXT = 4000  # ShortText

_YEAR = re.compile(r"\b(?:1[89]|2[01])\d{2}\b")
# Relative time words the resolver does not pin to one span: the statement then says when it is checked.
_UNRESOLVED = re.compile(
    r"\b(?:last (?:night|week|weekend|month|year|season)|this season|the other day|recently|lately|soon)\b", re.I)
_VERDICT_WORDS = re.compile(r"\b(?:true|false|correct|incorrect|wrong|untrue)\b", re.I)
# A hedge the rebuilt statement leaves out; never "I doubt", which turns the claim around.
_HEDGE = re.compile(
    r"^\s*(?:i\s+(?:bet|think|predict|reckon|guess|believe|expect|say)|i['\u2019]m\s+(?:sure|certain|betting|"
    r"calling it)|mark my words|my (?:guess|bet|prediction) is|calling it)\s*(?:that\s+)?[:,]?\s*",
    re.I,
)
_UNITS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern)) for name, pattern in (
        ("dollars", r"\$|(?i:\bus\$|\busd\b|\bdollars?\b|\bbucks\b)"),
        ("euros", r"\u20ac|(?i:\beur\b|\beuros?\b)"),
        ("pounds sterling", r"\u00a3|(?i:\bgbp\b|\bsterling\b|\bquid\b)"),
        ("yen", r"\u00a5|(?i:\bjpy\b|\byen\b)"),
        ("percent", r"%|(?i:\bper ?cent\b|\bpercentage points?\b)"),
        ("degrees", r"\u00b0|\u2103|\u2109|(?<=\d)\s?[CF]\b|(?i:\bdegrees?\b|\bcelsius\b|\bfahrenheit\b)"),
        ("kilometres", r"(?i:\bkm\b|\bkilomet(?:re|er)s?\b)"),
        ("miles", r"(?i:\bmiles?\b)"),
        ("metres", r"(?i:\bmet(?:re|er)s?\b)"),
        ("millimetres", r"(?i:\bmm\b|\bmillimet(?:re|er)s?\b)"),
        ("centimetres", r"(?i:\bcm\b|\bcentimet(?:re|er)s?\b)"),
        ("inches", r"(?<=\d)\"|(?i:\binch(?:es)?\b)"),
        ("speed", r"(?i:\bmph\b|\bkm/h\b|\bkph\b|\bkmh\b|\bm/s\b)"),
        ("kilograms", r"(?i:\bkg\b|\bkilo(?:gram)?s?\b)"),
        ("points", r"(?i:\bpoints?\b|\bpts\b)"),
        ("goals", r"(?i:\bgoals?\b)"),
        ("barrels", r"(?i:\bbarrels?\b)"),
    )
)
_TOKEN = re.compile(r"[^\W_][\w&'\u2019.-]*")
# Words that open a sentence with a capital without being a name.
_STARTER_WORDS = (
    "a an the it its i my our we us there this that these those in on by before after within next today "
    "tomorrow tonight will would if at each every some all no most more less when once during until so and but "
    "or yes maybe surely probably definitely someone somebody everyone everybody nobody people he she they his "
    "her their you your what who how why where is are was were do does did can could should shall may might "
    "must not never one two three four five six seven eight nine ten half both either neither any many much "
    "few several over under"
)
_STARTERS = frozenset(_STARTER_WORDS.split())
_CONNECTORS = frozenset({"of", "the", "and", "for", "de", "&"})


@dataclass(frozen=True)
class Failure:
    """One broken rule: in which field, which rule, and what is wrong (for people)."""

    field: str
    rule: str
    detail: str

    def describe(self) -> str:
        return f"{self.field}: {self.detail} ({self.rule})"


@dataclass(frozen=True)
class Reading:
    """What the rules compare a text with: the prediction, its resolved dates, the user's zone and order."""

    prompt: str
    now: datetime
    timezone: str
    zone: zoneinfo.ZoneInfo
    month_first: bool
    expressions: list[TimeExpression]
    checked_at: datetime | None  # the call's verification date, in the user's zone
    date_order: str | None = None
    immediate: bool = False  # a call checked now: its words speak of the past or the present
    # text -> its time expressions: the rules and the repair read the same texts more than once
    _resolved: dict[str, list[TimeExpression]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, prompt: str, now: datetime, timezone: str, checked_at: datetime | None = None,
           date_order: str | None = None, *, immediate: bool = False) -> Reading:
        zone = zoneinfo.ZoneInfo(timezone)
        local = now.astimezone(zone)
        return cls(
            prompt=prompt,
            now=local,
            timezone=timezone,
            zone=zone,
            month_first=date_order_for(timezone, date_order) == "MDY",
            expressions=_resolve(prompt, local, timezone, date_order),
            checked_at=checked_at.astimezone(zone) if checked_at is not None else None,
            date_order=date_order,
            immediate=immediate,
        )

    def resolve(self, text: str) -> list[TimeExpression]:
        if text not in self._resolved:
            self._resolved[text] = _resolve(text, self.now, self.timezone, self.date_order)
        return self._resolved[text]

    @property
    def dates(self) -> set[date]:
        """The days a statement may name: those of the resolved expressions, today and the check's day."""
        days = {self.now.date()}
        for expression in self.expressions:
            days.update({expression.start.date(), expression.end.date(), expression.deadline.date()})
        if self.checked_at is not None:
            days.add(self.checked_at.date())
        return days

    @property
    def times(self) -> set[float]:
        """Times of day (minutes after midnight) a statement may name: the resolved moments'."""
        moments = [moment for e in self.expressions for moment in (e.start, e.end, e.deadline)]
        if self.checked_at is not None:
            moments.append(self.checked_at)
        return {float(moment.hour * 60 + moment.minute) for moment in moments}

    def inside_expressions(self, span: tuple[int, int]) -> bool:
        return any(e.position[0] <= span[0] and span[1] <= e.position[1] for e in self.expressions)


def _resolve(text: str, now: datetime, timezone: str, date_order: str | None) -> list[TimeExpression]:
    """The time expressions of `text`; none when it names a date past the calendar ("in 9000 years")."""
    try:
        return resolve_dates(text, now, timezone, date_order=date_order)
    except (ValueError, OverflowError) as error:
        log.warning("error=%s | a text names a date the resolver cannot read", type(error).__name__)
        return []


# --- the rules ---------------------------------------------------------------------------------------------


def _prompt_numbers(reading: Reading) -> list[Number]:
    """The prediction's numbers that must survive: not those inside its time expressions or ISO dates."""
    iso = [match.span() for match in ISO_MOMENT.finditer(reading.prompt)]
    return [number for number in numbers_in(reading.prompt)
            if not reading.inside_expressions(number.span)
            and not any(start <= number.span[0] and number.span[1] <= end for start, end in iso)]


def _has_value(numbers: list[Number], wanted: Number) -> bool:
    times = wanted.kind == "time"
    return any(same_number(number.value, wanted.value) and (number.kind == "time") == times for number in numbers)


def _names(text: str, reading: Reading | None = None) -> list[str]:
    """Capitalised words of `text` (names), outside its time expressions; not sentence openers or "I"."""
    names: list[str] = []
    iso = [match.span() for match in ISO_MOMENT.finditer(text)]
    for match in _TOKEN.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in iso):
            continue
        token = re.sub(r"(?:['\u2019]s?|[.-])+$", "", match.group(0))
        if not token or not any(char.isupper() for char in token):
            continue
        if token == "I" or re.match(r"I['\u2019]", token):
            continue
        before = text[:match.start()].rstrip()
        opens = not before or before[-1] in ".!?:;\"(\u201c"
        if opens and token.lower() in _STARTERS:
            continue
        if reading is not None and reading.inside_expressions(match.span()):
            continue
        if token.isdigit():
            continue
        if token not in names:
            names.append(token)
    return names


def _acronym_spelled_out(acronym: str, text: str) -> bool:
    """"ECB" in "the European Central Bank": the initials of a run of capitalised words."""
    if not (acronym.isupper() and acronym.isalpha() and len(acronym) >= 2):
        return False
    runs: list[str] = []
    current = ""
    for word in re.findall(r"[\w&']+", text):
        if word[0].isupper():
            current += word[0]
        elif word.lower() not in _CONNECTORS:
            runs.append(current)
            current = ""
    runs.append(current)
    return any(acronym in run for run in runs)


def _name_kept(name: str, text: str) -> bool:
    pattern = r"(?<![\w&])" + re.escape(name) + r"(?![\w&])"
    return bool(re.search(pattern, text, re.I)) or _acronym_spelled_out(name, text)


def _expression_kept(expression: TimeExpression, text: str) -> bool:
    if expression.text.lower() in text.lower():
        return True
    days = {expression.start.date(), expression.end.date(), expression.deadline.date()}
    yearless = not _YEAR.search(expression.text)  # "November 3": the year is the reader's, not the resolver's
    for written in written_dates(text):
        if any(written.matches(day) for day in days):
            return True
        if yearless and written.day is not None and \
                any((written.month, written.day) == (day.month, day.day) for day in days):
            return True
        if written.year is not None and written.day is not None:
            try:
                named = date(written.year, written.month, written.day)
            except ValueError:
                continue
            if expression.start.date() <= named <= expression.end.date():
                return True
        elif written.day is None and written.year is not None and \
                (expression.start.year, expression.start.month) <= (written.year, written.month) <= \
                (expression.end.year, expression.end.month):
            return True
    if expression.kind == "year":
        return str(expression.start.year) in text
    return False


def _iso_kept(expression: TimeExpression, text: str, reading: Reading) -> bool:
    """An expression read across an ISO date of the prediction is kept when that date is in words in `text`."""
    start, end = expression.position
    days = {day for match in ISO_MOMENT.finditer(reading.prompt) if match.start() < end and start < match.end()
            for day in _iso_dates(match, reading)}
    return any(written.matches(day) for written in written_dates(text) for day in days)


def _relative(expression: TimeExpression, reading: Reading) -> bool:
    """Words whose day depends on when they were said ("tomorrow", "on Friday", "this month"). In a call
    checked now, a day the resolver reads ahead ("beat them on November 3": next year's) is the past one the
    words mean: it gets no date rather than a wrong one."""
    if reading.immediate and expression.start > reading.now:
        return False
    return expression.firm and not _YEAR.search(expression.text) and not ISO_MOMENT.search(expression.text)


def _relative_expressions(text: str, reading: Reading) -> list[TimeExpression]:
    """The relative time expressions of `text`, but not a weekday that opens a date in words ("Friday, 1
    January 2027") or anything inside an ISO date."""
    taken = [w.span for w in written_dates(text) if w.year is not None]
    taken += [match.span() for match in ISO_MOMENT.finditer(text)]
    return [e for e in reading.resolve(text) if _relative(e, reading)
            and not any(start < e.position[1] and e.position[0] < end for start, end in taken)]


def _date_numbers_allowed(text: str, reading: Reading) -> list[tuple[int, int]]:
    """Spans of `text` that are dates in words the prediction resolves to (their numbers may appear)."""
    allowed = reading.dates
    return [written.span for written in written_dates(text) if any(written.matches(day) for day in allowed)]


def statement_failures(statement: str, reading: Reading) -> list[Failure]:
    """Every rule `statement` breaks against the prediction in `reading`."""
    failures: list[Failure] = []

    def fail(rule: str, detail: str) -> None:
        failures.append(Failure(STATEMENT, rule, detail))

    for machine in machine_formats(statement):
        fail("machine_format", f"{machine} is a machine format, not a date written for people")
    said = numbers_in(statement)
    for number in _prompt_numbers(reading):
        if not _has_value(said, number) and not (number.kind == "word" and number.text.lower() in statement.lower()):
            fail("numbers", f"the number {number.text} of the prediction is missing")
    prompt_numbers = numbers_in(reading.prompt)
    date_spans = _date_numbers_allowed(statement, reading)
    date_spans += [match.span() for match in ISO_MOMENT.finditer(statement)]  # reported as machine formats
    years = {day.year for day in reading.dates}
    for number in said:
        if number.kind == "word" or _has_value(prompt_numbers, number):
            continue
        if any(start <= number.span[0] and number.span[1] <= end for start, end in date_spans):
            continue
        if number.kind == "number" and number.value in years:
            continue
        if number.kind == "time" and number.value in reading.times:
            continue
        fail("new_number", f"{number.text} is in neither the prediction nor a date it names")
    for unit, pattern in _UNITS:
        if pattern.search(reading.prompt) and not pattern.search(statement):
            fail("units", f"the unit ({unit}) of the prediction is missing")
    for name in _names(reading.prompt, reading):
        if not _name_kept(name, statement):
            fail("names", f'the name "{name}" of the prediction is missing')
    said_negations, prompt_negations = negations_in(statement), negations_in(reading.prompt)
    if len(said_negations) != len(prompt_negations):
        fail("negation", f"the prediction has {len(prompt_negations)} negation(s), the statement "
                         f"{len(said_negations)}")
    for expression in reading.expressions:
        if expression.firm and not _expression_kept(expression, statement) and \
                not _iso_kept(expression, statement, reading):
            fail("dates", f'the time "{expression.text}" of the prediction is missing')
    relative = [e.text for e in _relative_expressions(statement, reading)]
    relative += [match.group(0) for match in _UNRESOLVED.finditer(statement)]
    if relative and not any(written.year is not None for written in written_dates(statement)):
        fail("relative", f'"{relative[0]}" needs its date in words')
    for match in _VERDICT_WORDS.finditer(statement):
        if not re.search(rf"\b{match.group(0)}\b", reading.prompt, re.I):
            fail("verdict_words", f'"{match.group(0)}" judges the prediction instead of stating it')
    return failures


_CLOCK_AFTER = r"\)?(?:,?\s*(?:at\s+)?\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?)?"


def _repeated_dates(text: str, reading: Reading) -> list[tuple[int, int]]:
    """Spans that name a date a second time, which the small model appends: the same day again in other
    words ("on March 15, 2027, 15 March 2027"), or its bare year right after it ("September 9, 2027,
    2027"). Never the prediction's own words."""
    spans: list[tuple[int, int]] = []
    seen: set[tuple[int, int, int]] = set()
    prompt = reading.prompt.lower()
    for written in written_dates(text):
        if written.year is None:
            continue
        if written.day is not None:
            key = (written.year, written.month, written.day)
            if key in seen and text[written.span[0]:written.span[1]].lower() not in prompt:
                spans.append(written.span)
            seen.add(key)
        # a time may come between: "15 January 2027, 15:00, 2027"
        year = re.match(rf"{_CLOCK_AFTER}(,?\s*\(?{written.year}\)?)(?!\d)", text[written.span[1]:], re.I)
        if year is not None and text[written.span[0]:written.span[1] + year.end(1)].lower() not in prompt:
            spans.append((written.span[1] + year.start(1), written.span[1] + year.end(1)))
    tail = re.search(r",\s*\(?(?P<year>\d{4})\)?[.!]?\s*$", text)  # "… on a Saturday, 2026." after "July 4, 2026"
    if tail is not None and re.search(rf"\b{tail.group('year')}\b", text[:tail.start()]) and \
            not re.search(rf",\s*{tail.group('year')}\s*[.!]?\s*$", reading.prompt):
        spans.append((tail.start(), tail.end("year") + (1 if text[tail.end("year"):].startswith(")") else 0)))
    return sorted(set(spans))


def _stray_today(text: str, reading: Reading) -> list[tuple[int, int]]:
    """Spans naming today's date in a statement whose prediction has nothing to do with today (the small
    model appended the day it was told: "Water boils at 100 C at sea level, 21 November 2026"). Today
    belongs where the words speak of it ("tonight", "already"), or where a later call is checked today."""
    today = reading.now.date()
    if ABOUT_NOW.search(reading.prompt) or any(
            expression.start.date() <= today <= expression.end.date() for expression in reading.expressions):
        return []
    if not reading.immediate and reading.checked_at is not None and reading.checked_at.date() == today:
        return []
    prompt = reading.prompt.lower()
    return [written.span for written in written_dates(text)
            if written.day is not None and written.matches(today)
            and text[written.span[0]:written.span[1]].lower() not in prompt]


def _without_claimed_weekday(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A date span less its weekday when the weekday is what the sentence says ("is a Sunday, 21 November
    2026": the Sunday stays), not part of the appended date (", Sunday, 21 November 2026")."""
    start, end = span
    weekday = re.match(rf"(?:{'|'.join(WEEKDAYS)})\.?,?\s*", text[start:end], re.I)
    if weekday is None or re.search(r"(?:[,(]|\b(?:on|by|of|at|until|through))\s*$", text[:start], re.I):
        return span
    return start + weekday.end(), end


def said_once(statement: str, reading: Reading) -> str:
    """The statement with each date named once and today's only where it belongs (a date the model appended
    goes; nothing else changes)."""
    spans = sorted({_without_claimed_weekday(statement, span) for span in
                    set(_repeated_dates(statement, reading)) | set(_stray_today(statement, reading))})
    for start, end in reversed(spans):
        statement = _cut(statement, start, end)
    return _tidy(statement) if spans else statement


def _cut(text: str, start: int, end: int) -> str:
    """`text` without the date at `start:end` and what led into it (", 21 November 2026", " on …", " (…)")."""
    left, right = text[:start], text[end:]
    lead = re.search(r"(?:\s*\(|\s*,|\s+(?:on|at|by|of))?\s*$", left, re.I)
    left = left[:lead.start()] if lead else left
    if lead and "(" in lead.group(0):
        right = re.sub(r"^\s*\)", "", right)
    return f"{left}{right}"


def text_failures(field: str, text: str) -> list[Failure]:
    """The rule for the method and the reasons: no machine formats."""
    return [Failure(field, "machine_format", f"{machine} is a machine format, not a date written for people")
            for machine in machine_formats(text)]


def call_failures(call: CallDraft, reading: Reading) -> list[Failure]:
    """Every rule the call breaks: the statement's rules, and machine formats anywhere people read."""
    failures = statement_failures(call.prediction_statement, reading)
    method = call.verification_method
    for name, items in (("source", method.source), ("criteria", method.criteria), ("steps", method.steps)):
        for item in items:
            failures.extend(text_failures(f"verification_method.{name}", item))
    failures.extend(text_failures("date_reasoning", call.date_reasoning))
    failures.extend(text_failures("category_reasoning", call.category_reasoning))
    if call.check is not None:
        failures.extend(text_failures("check", describe(call.check)))
    return failures


# --- repair ------------------------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"([,;:])(?=[.!?]|$)", "", text)
    text = re.sub(r"\s+([.!?])", r"\1", text).strip()
    text = re.sub(r"[.!?]*$", "", text).rstrip(" ,;:")
    return f"{text[:1].upper()}{text[1:]}." if text else text


def _iso_dates(match: re.Match[str], reading: Reading) -> set[date]:
    """The days an ISO date names: as written, and in the user's zone."""
    days = {date.fromisoformat(match.group("date"))} if parse_iso(match.group("date"), reading.zone) else set()
    parsed = parse_iso(match.group(0), reading.zone)
    if isinstance(parsed, datetime):
        days.add(parsed.date())
    return days


def _words_for(match: re.Match[str], reading: Reading) -> str:
    return iso_to_words(match.group(0), reading.zone, month_first=reading.month_first)


def _drop_or_write_iso(text: str, reading: Reading, *, drop_repeats: bool = True) -> str:
    """ISO dates out: one that repeats a date the text already names goes (unless the user wrote it: the
    prediction's own words stay), any other is written in words."""
    expressions = reading.resolve(text)
    written = written_dates(text)
    for match in reversed(list(ISO_MOMENT.finditer(text))):
        days = _iso_dates(match, reading)
        if not days:
            continue
        start, end = match.span()
        others = [e for e in expressions if not start <= e.position[0] < end]  # not the ISO date's own
        named = drop_repeats and (any(days & {e.start.date(), e.end.date(), e.deadline.date()} for e in others) or any(
            w.matches(day) for w in written for day in days if not (start <= w.span[0] < end)))
        if not named:
            text = text[:start] + _words_for(match, reading) + text[end:]
            continue
        text = _cut(text, start, end)
    return iso_to_words(text, reading.zone, month_first=reading.month_first)  # bare ISO times


def _date_words_for(expression: TimeExpression, reading: Reading, weekday: bool) -> str:
    first, last = expression.start.date(), (expression.end.date())
    if expression.kind == "duration":
        text = expression.text.lower()
        words = date_words(last, month_first=reading.month_first, weekday=weekday)
        if text.startswith(("in ", "a ", "one ")) or text.endswith("from now") or text.endswith("from today"):
            return words
        return f"by {words}" if expression.cue == "within" or text.startswith("within") else f"until {words}"
    if expression.kind in ("day", "evening", "moment", "holiday") or first == last:
        return date_words(first if expression.kind != "moment" else expression.end.date(),
                          month_first=reading.month_first, weekday=weekday)
    return span_words(first, last, month_first=reading.month_first)


def _annotate(text: str, reading: Reading) -> str:
    """Relative time words get their date in words, in brackets after them."""
    weekday_claim = any(day.lower() in reading.prompt.lower() for day in WEEKDAYS) and not any(
        any(day.lower() in e.text.lower() for day in WEEKDAYS) for e in reading.expressions)
    for expression in sorted(_relative_expressions(text, reading), key=lambda e: e.position, reverse=True):
        end = expression.position[1]
        if re.match(r"\s*\(", text[end:]):
            continue
        named_weekday = any(day.lower() in expression.text.lower() for day in WEEKDAYS)
        words = _date_words_for(expression, reading, weekday=not (weekday_claim or named_weekday))
        text = f"{text[:end]} ({words}){text[end:]}"
    if _UNRESOLVED.search(text) and reading.checked_at is not None and \
            not any(written.year is not None for written in written_dates(text)):
        checked = date_words(reading.checked_at.date(), month_first=reading.month_first)
        text = f"{_tidy(text)[:-1]} (checked on {checked})"
    return text


def mend(statement: str, reading: Reading, *, drop_repeats: bool = True) -> str:
    """The statement with ISO dates dropped or written in words and relative words given their dates."""
    return _tidy(_annotate(_drop_or_write_iso(statement, reading, drop_repeats=drop_repeats), reading))


def rebuild(reading: Reading) -> str:
    """A statement from the prediction's own words, with dates written for people."""
    claim = _HEDGE.sub("", reading.prompt, count=1).strip() or reading.prompt.strip()
    return mend(claim, reading, drop_repeats=False)


def faithful_statement(statement: str, reading: Reading) -> tuple[str, str]:
    """The statement that keeps every rule, and how it was reached: kept, mended or rebuilt."""
    statement = said_once(statement, reading)
    if not statement_failures(statement, reading):
        return statement, "kept"
    mended = mend(statement, reading)
    if not statement_failures(mended, reading):
        return mended, "mended"
    return rebuild(reading), "rebuilt"


def _readable(text: str, reading: Reading, limit: int) -> str:
    if not machine_formats(text):
        return text
    return iso_to_words(text, reading.zone, month_first=reading.month_first)[:limit]


class FidelityGuard:
    """Holds the statement to the prediction's words, and keeps machine formats out of the whole call."""

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        reading = Reading.of(context.prompt, context.now, context.timezone, draft.verification_date,
                             self.date_order, immediate=draft.verification_mode is VerificationMode.IMMEDIATE)
        statement, how = faithful_statement(draft.prediction_statement, reading)
        if how != "kept":
            log.info("repair=%s | the statement did not keep to the prediction's words", how)
        method = draft.verification_method
        readable = VerificationMethod(
            source=[_readable(item, reading, _MAX_ITEM) for item in method.source],
            criteria=[_readable(item, reading, _MAX_ITEM) for item in method.criteria],
            steps=[_readable(item, reading, _MAX_ITEM) for item in method.steps],
        )
        update = {
            "prediction_statement": statement[:_MAX_TEXT],
            "verification_method": readable,
            "date_reasoning": _readable(draft.date_reasoning, reading, _MAX_TEXT),
            "category_reasoning": _readable(draft.category_reasoning, reading, _MAX_TEXT),
        }
        current = {"prediction_statement": draft.prediction_statement, "verification_method": method,
                   "date_reasoning": draft.date_reasoning, "category_reasoning": draft.category_reasoning}
        if update == current:
            return draft
        return draft.model_copy(update=update)


__all__ = [
    "Failure",
    "FidelityGuard",
    "Reading",
    "call_failures",
    "faithful_statement",
    "mend",
    "rebuild",
    "statement_failures",
    "text_failures",
]
