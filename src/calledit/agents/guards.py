"""Deterministic help around the model: hints before it writes, guards on what it wrote.

- `TimeHinter` resolves the prediction's time expressions and reads its mode cues before the model starts;
  the model gets the results as prompt hints and clients see them as a `resolve_dates` tool event.
- `ModeGuard` holds `verification_mode` to the rule in docs/DESIGN.md: checkable now (a computation, a calendar
  fact, a published schedule such as "the next full moon is before ...", past tense about a date already
  passed, a plain present-tense fact) -> immediate; "every", "stays" -> recurring; "by", "before", "within"
  a date -> before_date; one future day or moment -> at_date; "will ..." is otherwise never immediate.
- `DateGuard` holds `verification_date` to the resolver: aware and in the user's timezone, never in the past
  for a future event, now for an immediate call, and inside the span the prediction names.
- `ScoreGuard` computes `verifiability_score` and its factors in code (domain/verifiability.py); it runs last.
Each repair is explained in `date_reasoning`, so the user sees why the call differs from the model's answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from calledit.agents.creation import PENDING_STEP, CallContext, says_the_day
from calledit.agents.dates import TimeExpression, date_order_for, primary, resolve_dates
from calledit.domain.call import CallDraft, RecurringInterval, VerifiableCategory, VerificationMode
from calledit.domain.events import ToolEvent
from calledit.domain.verifiability import claim_of, offline_check, score_call
from calledit.domain.words import date_words, moment_words

TOOL_NAME = "resolve_dates"

_EVERY = re.compile(
    r"\b(?:every|each)\s+(?:single\s+)?(?:(?P<count>\d+)\s+)?(?P<unit>days?|mornings?|evenings?|nights?|"
    r"weekdays?|weeks?|weekends?|months?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|"
    r"\b(?P<daily>daily|nightly)\b|\b(?P<weekly>weekly)\b",
    re.I,
)
_STAYS = re.compile(
    r"\b(?:stays?|staying|remains?|remaining)\s+(?:above|below|under|over|at|in|on|within|open|closed|the|"
    r"number|first|top|ahead|positive|negative|warm|cold|dry|sunny|higher|lower)\b|"
    r"\b(?:holds?|holding)\s+(?:above|below|under|over)\b|\b(?:keeps?|kept)\s+(?:rising|falling|growing|going)\b",
    re.I,
)
_DEADLINE_CUES = ("by", "before", "within")
_DEADLINE_WORDS = re.compile(r"\b(?:no later than|at some point|sometime|some time|at least once|any time)\b", re.I)
# A future event tied to one day or moment ("tomorrow", "on 12/3", "in three weeks") is checked then.
_ONE_DAY_KINDS = ("day", "moment", "evening", "duration", "holiday")
_ANY_DEADLINE = re.compile(r"\b(?:by|before|until|till|within)\b", re.I)
# A fact about the present moment ("today is", "it is already", "this month has") needs only a clock.
_PRESENT_MOMENT = re.compile(r"\b(?:today|right now|now|currently|at the moment|already|this (?:week|month|year))\b",
                             re.I)
_FUTURE = re.compile(
    r"\b(?:will|won't|wont|shall|gonna|going to|about to|expected to|set to|likely to|is to|are to)\b|'ll\b|"
    r"\b(?:tonight|tomorrow|next|upcoming|soon|later)\b",
    re.I,
)
_PRESENT_FACT = re.compile(
    r"\b(?:is|are|was|were|has|have|had|equals?|falls?\s+on|fell\s+on|contains?|boils?|freezes?|orbits?|"
    r"flows?|lies|consists?|means?|makes?|gives?|comes?|takes?)\b|=",
    re.I,
)


# Checkable now whatever the tense: a published schedule ("the next full moon is before 1 December", "the
# next home game starts after 6pm"): the claim is about when a scheduled thing happens, not whether.
_SCHEDULED = (
    r"(?:full moon|new moon|supermoon|(?:solar |lunar )?eclipse|solstice|equinox|meteor shower|sunrise|sunset|"
    r"high tide|low tide|(?:home |away )?(?:game|match)|fixture|race|grand prix|kick-?off|meeting|election|"
    r"(?:public |bank )?holiday|concert|episode|flight|train|bus|session|hearing|tournament|final)"
)
_SCHEDULE_VERB = (
    r"(?:is|are|falls?|starts?|begins?|kicks? off|takes? place|happens|occurs|will be|will fall|will start|"
    r"will begin|will take place)"
)
_SCHEDULE_WHEN = r"(?:on|before|after|in|at|by|during|within|earlier|later)"
_PUBLISHED_SCHEDULE = re.compile(
    rf"\bnext\s+(?:[\w'\u2019-]+\s+){{0,3}}?{_SCHEDULED}s?\s+(?:[\w'\u2019-]+\s+){{0,2}}?{_SCHEDULE_VERB}\s+"
    rf"{_SCHEDULE_WHEN}\b|"
    rf"\b(?:sunrise|sunset|the (?:full|new) moon|high tide|low tide)\s+(?:[\w'\u2019-]+\s+){{0,3}}?{_SCHEDULE_VERB}\s+"
    rf"{_SCHEDULE_WHEN}\b",
    re.I,
)
# Past tense: irregular verbs people use for results, and lowercase -ed words that are not a passive
# ("is expected", "are published") or an adjective a capital marks as a name ("Manchester United").
_PAST_IRREGULAR = re.compile(
    r"\b(?:was|were|had|did|won|lost|beat|rose|fell|hit|cut|drew|came|went|got|made|took|became|broke|grew|"
    r"sold|shut|left|ran|saw|said|told|led|spent|paid|met|held|kept|brought|bought|thought|sank|shrank|froze|"
    r"struck|stood)\b",
    re.I,
)
_PAST_REGULAR = re.compile(r"(?<![A-Za-z])(?<!\bis )(?<!\bare )(?<!\bbe )(?<!\bbeen )(?<!\bbeing )(?<!\bam )"
                           r"(?<!\bget )(?<!\bgets )[a-z]{3,}(?<!e)ed\b")
_NOT_PAST = frozenset({"hundred", "sacred", "kindred", "naked", "wicked", "beloved", "rugged", "ragged",
                       "crooked", "based", "scheduled", "expected", "supposed", "planned", "related"})
_YEAR = re.compile(r"\b(?:19|20|21)\d{2}\b")


def _past_tense(prediction: str) -> str | None:
    """The first past-tense verb of the prediction, or None."""
    irregular = _PAST_IRREGULAR.search(prediction)
    regular = next((m for m in _PAST_REGULAR.finditer(prediction) if m.group(0) not in _NOT_PAST), None)
    found = [match for match in (irregular, regular) if match is not None]
    return min(found, key=lambda match: match.start()).group(0) if found else None


def _checkable_now(prediction: str, expressions: list[TimeExpression], now: datetime | None, future: bool) -> str:
    """Why the prediction can be checked now whatever its tense, or "" (docs/DESIGN.md: a computation, a fact
    about the past or present, a schedule already published)."""
    kind = offline_check(prediction)
    if kind == "calendar":
        return "a calendar fact that can be worked out now"
    if kind == "computation" and not any(e.firm for e in expressions):
        return "a computation that can be checked now"
    schedule = _PUBLISHED_SCHEDULE.search(prediction)
    if schedule:
        return f'"{schedule.group(0)}": a published schedule that can be checked now'
    if future:
        return ""
    verb = _past_tense(claim_of(prediction))
    if verb is None:
        return ""
    # A date with its year that is still ahead ("was moved to March 2027") is not a result already in;
    # a day without a year ("on November 3") is read as the one already past.
    ahead = [e for e in expressions if e.firm and _YEAR.search(e.text) and (now is None or e.start > now)]
    if ahead:
        return ""
    passed = [e for e in expressions if now is not None and e.end <= now]
    when = f' about "{passed[0].text}", already past' if passed else ""
    return f'"{verb}": past tense{when}, so it can be checked now'


@dataclass(frozen=True)
class ModeReading:
    """What the prediction's own words say about its mode; `mode` is None when they do not say."""

    mode: VerificationMode | None
    interval: RecurringInterval | None
    reason: str
    future: bool  # the words speak of something still to come


def read_mode_cues(
    prediction: str, expressions: list[TimeExpression], now: datetime | None = None
) -> ModeReading:
    """A deterministic reading of "by", "before", "every", "stays", "will", tense and what is checkable now
    (`now`, the user's clock, tells a passed date from one ahead)."""
    future = bool(_FUTURE.search(prediction))
    now_reason = _checkable_now(prediction, expressions, now, future)
    if now_reason:
        return ModeReading(VerificationMode.IMMEDIATE, None, now_reason, False)
    every = _EVERY.search(prediction)
    if every:
        unit = (every.group("unit") or "").lower().rstrip("s")
        weekly = bool(every.group("weekly")) or unit in ("week", "weekend", "month") or (
            unit.endswith("day") and unit not in ("day", "weekday"))
        interval = RecurringInterval.WEEKLY if weekly else RecurringInterval.DAILY
        return ModeReading(VerificationMode.RECURRING, interval, f'"{every.group(0)}" repeats', True)
    stays = _STAYS.search(prediction)
    if stays:
        return ModeReading(VerificationMode.RECURRING, RecurringInterval.DAILY, f'"{stays.group(0)}" must keep holding',
                           True)
    for expression in expressions:
        if expression.cue in _DEADLINE_CUES and expression.firm:
            return ModeReading(
                VerificationMode.BEFORE_DATE, None, f'"{expression.cue} {expression.text}" sets a deadline', True
            )
        # "by my birthday on March 3", "before the meeting on Friday": the deadline is an event on that day
        named = re.search(rf"\b(?:by|before)\s+(?:[\w'\u2019]+\s+){{1,3}}(?:on|in)\s+{re.escape(expression.text)}",
                          prediction, re.I)
        if named is not None and expression.firm:
            return ModeReading(VerificationMode.BEFORE_DATE, None, f'"{named.group(0)}" sets a deadline', True)
    deadline_words = _DEADLINE_WORDS.search(prediction)
    if deadline_words and expressions:
        return ModeReading(VerificationMode.BEFORE_DATE, None, f'"{deadline_words.group(0)}" sets a window', True)
    if not future and (_PRESENT_FACT.search(prediction) or not expressions):
        return ModeReading(VerificationMode.IMMEDIATE, None, "a statement of fact that can be checked now", False)
    one_day = next((e for e in expressions if e.firm and e.kind in _ONE_DAY_KINDS), None)
    if future and one_day is not None and not _ANY_DEADLINE.search(prediction):
        return ModeReading(VerificationMode.AT_DATE, None, f'"{one_day.text}" names one day or moment', True)
    return ModeReading(None, None, "", future or bool(expressions))


def _note(draft: CallDraft, note: str) -> str:
    return f"{draft.date_reasoning.rstrip()} ({note})"


def _day_words(moment: datetime, month_first: bool) -> str:
    """A resolved date as the statement may say it: the bare day for a whole day ("Wednesday, 2 December
    2026"), with the time otherwise. Not "the end of ...": the model copied that phrase into statements."""
    if moment.timetz().replace(tzinfo=None, microsecond=0) == time(23, 59, 59):
        return date_words(moment.date(), month_first=month_first)
    return moment_words(moment, month_first=month_first)


def _hint_words(moment: datetime, now: datetime, month_first: bool, *, today: bool = False) -> str:
    """A resolved date in words for a hint: "" for a whole day that is today (unless `today`), the bare day
    when the time is only now's clock carried over ("within 6 months" ends at this minute, the statement
    needs the day: the time was copied into statements as ", 10:00")."""
    moment = moment.astimezone(now.tzinfo)
    whole_day = moment.timetz().replace(tzinfo=None, microsecond=0) == time(23, 59, 59)
    if whole_day and moment.date() == now.date() and not today:
        return ""
    if (moment.hour, moment.minute) == (now.hour, now.minute) and moment.date() != now.date():
        return date_words(moment.date(), month_first=month_first)
    return _day_words(moment, month_first)


class TimeHinter:
    """Resolves dates and reads mode cues before the model runs; see the module docstring."""

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, context: CallContext) -> tuple[list[str], list[ToolEvent]]:
        expressions = resolve_dates(context.prompt, context.now, context.timezone, date_order=self.date_order)
        reading = read_mode_cues(context.prompt, expressions, context.now)
        target = primary([e for e in expressions if e.firm], context.now)
        mode = reading.mode
        # Few tokens: every token here is evaluated before the model's first word (no KV cache for them), at
        # about 30 ms each on two cores. The date and the mode the words settle are prefilled (DatePrefill):
        # the model never writes them, so they are not repeated here; the date in words is, for the statement.
        month_first = date_order_for(context.timezone, self.date_order) == "MDY"
        now = context.now
        if mode is VerificationMode.IMMEDIATE or target is not None:  # the date is prefilled: words, for the statement
            # (for a claim about now the user turn says what day it is: a date that is today is not repeated;
            # for a later date it does not, so "than it did today" gets its day here)
            about_now = says_the_day(mode is VerificationMode.IMMEDIATE, context.prompt)
            hints = [f'"{expression.text}" is {words}' for expression in expressions
                     if expression is not target
                     and (words := _hint_words(expression.deadline, now, month_first, today=not about_now))]
        else:  # the model writes the date itself: ISO 8601 it can copy
            hints = [expression.describe() for expression in expressions]
        if mode is not VerificationMode.IMMEDIATE and target is not None:
            hints.append(f'"{target.text}" is {_hint_words(target.deadline, now, month_first, today=True)}')
        if mode is VerificationMode.IMMEDIATE and _PRESENT_MOMENT.search(context.prompt):
            hints.append("verifiable_category: current_tool_verifiable (about the present moment: a clock is enough)")
        event = ToolEvent(
            name=TOOL_NAME,
            input={
                "prediction": context.prompt,
                "now": context.now.isoformat(timespec="seconds"),
                "timezone": context.timezone,
                "resolved": [expression.as_dict() for expression in expressions],
                "mode_cue": mode.value if mode else None,
            },
        )
        return hints, [event]


class ModeGuard:
    """Repairs `verification_mode` (and `recurring_interval`) when the model contradicts a strong cue."""

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        expressions = resolve_dates(context.prompt, context.now, context.timezone, date_order=self.date_order)
        reading = read_mode_cues(context.prompt, expressions, context.now)
        mode, interval, reason = draft.verification_mode, draft.recurring_interval, ""
        if reading.mode is not None and reading.mode is not mode:
            mode, interval, reason = reading.mode, reading.interval, reading.reason
        elif mode is VerificationMode.IMMEDIATE and reading.future:
            mode, reason = VerificationMode.AT_DATE, "it speaks of the future, so it cannot be checked now"
        elif mode is VerificationMode.RECURRING and reading.interval and interval is not reading.interval:
            interval, reason = reading.interval, reading.reason
        if not reason:
            return draft
        if mode is VerificationMode.RECURRING and interval is None:
            interval = RecurringInterval.DAILY
        note = f"mode set to {mode.value}: {reason}"
        return draft.model_copy(update={
            "verification_mode": mode,
            "recurring_interval": interval if mode is VerificationMode.RECURRING else None,
            "date_reasoning": _note(draft, note),
        })


class CategoryGuard:
    """A prediction about what is still to come is never `agent_verifiable` (fixed knowledge): by the
    category's own definition it is an event in the world after today (`api_tool_verifiable`). A call with a
    typed check already has its category from the check and is left alone."""

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        if draft.verifiable_category is not VerifiableCategory.AGENT_VERIFIABLE or draft.check is not None:
            return draft
        if draft.verification_mode is VerificationMode.IMMEDIATE:
            return draft
        expressions = resolve_dates(context.prompt, context.now, context.timezone)
        if not read_mode_cues(context.prompt, expressions, context.now).future:
            return draft
        return draft.model_copy(update={
            "verifiable_category": VerifiableCategory.API_TOOL_VERIFIABLE,
            "category_reasoning": f"{draft.category_reasoning.rstrip()} (category set to api_tool_verifiable: "
                                  "it speaks of an event still to come, which no fixed knowledge settles)",
        })


class DateGuard:
    """Repairs `verification_date` when it is in the past, or disagrees with the resolved dates."""

    # A model's "end of the day" may be 23:59 or midnight; small differences are not contradictions.
    slack = timedelta(hours=1)
    no_date_default = timedelta(days=30)

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        zone = context.now.tzinfo
        now = context.now
        written = draft.verification_date.astimezone(zone)
        mode = draft.verification_mode
        expressions = resolve_dates(context.prompt, now, context.timezone, date_order=self.date_order)
        target = primary([e for e in expressions if e.firm], now)
        fixed, note = self._check(written, mode, target, expressions, now)
        if fixed is None:
            return draft.model_copy(update={"verification_date": written})  # same instant, user's offset
        return draft.model_copy(update={
            "verification_date": fixed,
            "date_reasoning": _note(draft, f"date set to {fixed.isoformat(timespec='seconds')}: {note}; "
                                           f"the model wrote {written.isoformat(timespec='seconds')}"),
        })

    def _check(
        self,
        written: datetime,
        mode: VerificationMode,
        target: TimeExpression | None,
        expressions: list[TimeExpression],
        now: datetime,
    ) -> tuple[datetime | None, str]:
        """The repaired date and why, or (None, "") when the written date stands."""
        if mode is VerificationMode.IMMEDIATE:
            if abs(written - now) > timedelta(days=1):
                return now, "an immediate call is checked now"
            return None, ""
        if target is not None:
            deadline = target.deadline
            if mode is VerificationMode.BEFORE_DATE or target.kind == "duration":
                low = deadline - timedelta(days=1)  # "in three weeks" is a day, not the whole three weeks
            elif mode is VerificationMode.RECURRING:
                low = now
            else:
                low = min(target.start, deadline) - self.slack
            if not (low <= written <= deadline + self.slack):
                return deadline, f'"{target.text}" resolves to it'
            if written < now:
                return deadline, "it was in the past"
            return None, ""
        if written >= now - self.slack:
            return None, ""
        loose = primary(expressions, now)  # "this season": keep to its reading rather than guess
        if loose is not None:
            return loose.deadline, f'"{loose.text}" resolves to it and the written date was in the past'
        return now + self.no_date_default, "it was in the past and the prediction names no date"


class MethodGuard:
    """The method's criterion and steps, written by code: the model writes only where to look (`source`).
    What makes the call true is its final statement (dates written for people by FidelityGuard), and how
    the check unfolds follows from the mode, category and date. A typed check, attached after the guards,
    sets its own source and criterion (a data check keeps these steps; an offline one has its own)."""

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        steps = method_steps(draft, month_first=date_order_for(context.timezone, self.date_order) == "MDY")
        criterion = draft.prediction_statement.strip()
        method = draft.verification_method.model_copy(update={"criteria": [criterion], "steps": steps})
        return draft.model_copy(update={"verification_method": method})


def method_steps(draft: CallDraft, *, month_first: bool = False) -> list[str]:
    """How a call without a typed check is checked, step by step, in words."""
    day = _day_words(draft.verification_date, month_first)
    mode, every = draft.verification_mode, "week" if draft.recurring_interval is RecurringInterval.WEEKLY else "day"
    if draft.verifiable_category is VerifiableCategory.HUMAN_VERIFIABLE_ONLY:
        return {
            VerificationMode.IMMEDIATE: ["Ask the user whether it holds"],
            VerificationMode.AT_DATE: [f"On {day}, ask the user whether it happened"],
            VerificationMode.BEFORE_DATE: [f"On {day}, ask the user whether it happened by then"],
            VerificationMode.RECURRING: [f"Each {every} until {day}, ask the user whether it still holds"],
        }[mode]
    return {
        VerificationMode.IMMEDIATE: ["Look it up in the source now", PENDING_STEP],
        VerificationMode.AT_DATE: [f"On {day}, look it up in the source", PENDING_STEP],
        VerificationMode.BEFORE_DATE: [f"Until {day}, watch the source",
                                       f"Confirmed once the criterion holds; refuted if it has not by {day}"],
        VerificationMode.RECURRING: [f"Each {every} until {day}, check the source",
                                     "Confirmed only if the criterion holds every time"],
    }[mode]


class ScoreGuard:
    """The score from what will happen at check time, not from the model (domain/verifiability.py).

    Idempotent: the creation agent scores again with `score_call` once the check is attached."""

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft:
        return score_call(draft, context.prompt)


class DatePrefill:
    """The fields code knows before the model writes, left out of its grammar (they cost no tokens): the
    date and its reasoning when the prediction's own words resolve it (or it is checkable now), the
    recurring interval its cues name, and a placeholder score (the score is computed after the model)."""

    def __init__(self, date_order: str | None = None) -> None:
        self.date_order = date_order

    def __call__(self, context: CallContext) -> dict[str, object]:
        expressions = resolve_dates(context.prompt, context.now, context.timezone, date_order=self.date_order)
        reading = read_mode_cues(context.prompt, expressions, context.now)
        known: dict[str, object] = {
            "verifiability_score": 0.5,  # ScoreGuard and score_call decide it from the check and category
            "recurring_interval": (reading.interval or RecurringInterval.DAILY).value,
        }
        if reading.mode is not None:  # ModeGuard would set it whatever the model wrote: not sampled at all
            known["verification_mode"] = reading.mode.value
        target = primary([e for e in expressions if e.firm], context.now)
        if reading.mode is VerificationMode.IMMEDIATE:
            known["verification_date"] = context.now.isoformat(timespec="seconds")
            known["date_reasoning"] = f"Checkable now: {reading.reason}."
        elif target is not None:
            known["verification_date"] = target.deadline.isoformat(timespec="seconds")
            month_first = date_order_for(context.timezone, self.date_order) == "MDY"
            known["date_reasoning"] = f'"{target.text}" is {moment_words(target.deadline, month_first=month_first)}.'
        return known

