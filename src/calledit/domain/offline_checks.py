"""The offline checks: truths code can decide without outside data, and the fixed facts a model states.

- `calendar`: the weekday of a day, leap years, the date of a named holiday in a country and year, days
  between two days (or from today until one), and how many of a weekday a month or year has;
- `arithmetic`: an expression tree over numbers with units and percentages, compared with a value;
- `clock`: the local weekday, date, time or part of the day in a named place, from the verifier's clock;
- `fact`: a fixed fact. The only kind a model decides (at verification, with its confidence), and the
  verdict says so.

A day is written `YYYY-MM-DD`, `today` / `tomorrow` / `yesterday` (the verifier's day, in the user's
timezone), or a holiday and its year (`Thanksgiving 2026`). `negated` is set from the prediction's words
by code ("is not", "won't"): the model writes the positive claim only, so it cannot flip the sign.
Pure: the calendar and the clock that execute these live in `agents.offline`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from calledit.domain.expression import Expr, ExpressionError, parse_expression

OfflineKind = Literal["calendar", "arithmetic", "clock", "fact"]
OFFLINE_KINDS: tuple[OfflineKind, ...] = ("calendar", "arithmetic", "clock", "fact")
Relation = Literal["==", ">", ">=", "<", "<="]
RELATIONS: tuple[Relation, ...] = ("==", ">", ">=", "<", "<=")
Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_NAMES: tuple[Weekday, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CalendarQuestion = Literal["weekday", "leap_year", "date", "days_between", "weekday_count"]
ClockPart = Literal["weekday", "date", "time", "period"]
Period = Literal["morning", "afternoon", "evening", "night"]
PERIODS: tuple[Period, ...] = ("morning", "afternoon", "evening", "night")
RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}

DAY_PATTERN = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|today|tomorrow|yesterday|[A-Za-z][A-Za-z'. ]+ [0-9]{4})$"
_HOLIDAY_DAY = re.compile(r"^(?P<name>[A-Za-z][A-Za-z'\u2019. ]{1,60}?)\s+(?P<year>[0-9]{1,4})$")
Year = Annotated[int, Field(ge=1, le=9999)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2,3}$")]


def read_day(value: str) -> date | str | tuple[str, int]:
    """A day as written: a date, a relative word ("today"), or (holiday name, year); ValueError otherwise."""
    text = " ".join(value.strip().split())
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        if text.startswith("0000"):
            raise ValueError(f"{text!r} has year 0: years run from 0001 to 9999")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a day on the calendar; write a real date") from None
    if text.lower() in RELATIVE_DAYS:
        return text.lower()
    match = _HOLIDAY_DAY.match(text)
    if match and 1 <= int(match.group("year")) <= 9999:
        return match.group("name").strip(), int(match.group("year"))
    raise ValueError(f"cannot read the day {value!r}: write YYYY-MM-DD, today, or a holiday and its year such as "
                     "'Thanksgiving 2026'")


def _day(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("a day is text: YYYY-MM-DD, today, or a holiday and its year")
    read_day(value)
    return " ".join(value.strip().split())


DayRef = Annotated[str, Field(max_length=80)]


class _OfflineCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    negated: bool = False  # the prediction says the claim does NOT hold; set by code from the words


class CalendarCheck(_OfflineCheck):
    """A calendar truth; which fields it needs depends on `question` (the validator says which are missing)."""

    source: Literal["calendar"] = "calendar"
    question: CalendarQuestion
    day: DayRef | None = None  # weekday, date: the day asked about; days_between: the first day
    other: DayRef | None = None  # date: the date claimed; days_between: the last day
    weekday: Weekday | None = None  # weekday: the weekday claimed; weekday_count: which weekday
    year: Year | None = None  # leap_year, weekday_count
    month: Annotated[int, Field(ge=1, le=12)] | None = None  # weekday_count within one month
    comparator: Relation = "=="
    value: Annotated[int, Field(ge=-4_000_000, le=4_000_000)] | None = None  # days_between, weekday_count
    country: Country | None = None  # whose holidays (ISO 3166); set by code from the words or the user's zone

    @field_validator("day", "other", mode="before")
    @classmethod
    def _readable_day(cls, value: object) -> object:
        return None if value is None else _day(value)

    @field_validator("weekday", mode="before")
    @classmethod
    def _weekday_name(cls, value: object) -> object:
        return value.strip().capitalize() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _fields_of_the_question(self) -> CalendarCheck:
        needs = {
            "weekday": ("day", "weekday"),
            "leap_year": ("year",),
            "date": ("day", "other"),
            "days_between": ("day", "other", "value"),
            "weekday_count": ("weekday", "year", "value"),
        }[self.question]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.question} question needs {', '.join(missing)}")
        return self


class ArithmeticCheck(_OfflineCheck):
    """An expression compared with the value claimed, computed exactly. `approximate`: the words said "about"."""

    source: Literal["arithmetic"] = "arithmetic"
    expression: Expr
    comparator: Relation = "=="
    value: Expr
    approximate: bool = False

    @field_validator("expression", "value", mode="before")
    @classmethod
    def _parsed(cls, value: object) -> object:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            try:
                return parse_expression(str(value))
            except ExpressionError as error:
                raise ValueError(str(error)) from None
        return value


class ClockCheck(_OfflineCheck):
    """What the clock says now in a place: its weekday, its date, its time (HH:MM) or the part of its day."""

    source: Literal["clock"] = "clock"
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    part: ClockPart
    comparator: Relation = "=="
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

    @model_validator(mode="after")
    def _value_fits_part(self) -> ClockCheck:
        value = self.value
        if self.part == "weekday" and value.capitalize() not in WEEKDAY_NAMES:
            raise ValueError(f"a weekday is one of {', '.join(WEEKDAY_NAMES)}; got {value!r}")
        if self.part == "date":
            read = read_day(value)
            if not isinstance(read, date | str):
                raise ValueError("a clock's date is YYYY-MM-DD, today, tomorrow or yesterday")
        if self.part == "time" and not re.fullmatch(r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]", value):
            raise ValueError(f"a time is HH:MM on a 24-hour clock, such as 17:00; got {value!r}")
        if self.part == "period" and value.lower() not in PERIODS:
            raise ValueError(f"a part of the day is one of {', '.join(PERIODS)}; got {value!r}")
        return self


class FactCheck(_OfflineCheck):
    """A fixed fact the model is asked at verification; an answer that does not settle it, or a confidence
    below the bar, is inconclusive."""

    source: Literal["fact"] = "fact"
    claim: Text  # the claim as said, without its negation (code strips it and sets `negated`)
    # A neutral question about the subject. Written by the verifying model (None until then); calls made
    # before that carry the question their creating model wrote.
    question: Text | None = None


OfflineCheck = CalendarCheck | ArithmeticCheck | ClockCheck | FactCheck


def query_schemas() -> dict[str, dict[str, Any]]:
    """The model's part of each offline kind (and calendar question), grammar-friendly: every field required,
    no negation and no comparator (code reads those from the words), days as a plain pattern."""
    day = {"type": "string", "pattern": DAY_PATTERN}
    weekday = {"enum": list(WEEKDAY_NAMES)}
    number = {"type": "integer"}
    text = {"type": "string"}

    def branch(kind: str, **properties: Any) -> dict[str, Any]:
        props = {"source": {"const": kind}, **properties}
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}

    def calendar(question: str, **properties: Any) -> dict[str, Any]:
        return branch("calendar", question={"const": question}, **properties)

    return {
        "calendar:weekday": calendar("weekday", day=day, weekday=weekday),
        "calendar:leap_year": calendar("leap_year", year=number),
        "calendar:date": calendar("date", day=day, other=day),
        "calendar:days_between": calendar("days_between", day=day, other=day, value=number),
        "calendar:weekday_count": calendar("weekday_count", weekday=weekday, year=number,
                                           month={"anyOf": [{"type": "integer"}, {"type": "null"}]}, value=number),
        "arithmetic": branch("arithmetic", expression=text, value=text),
        "clock": branch("clock", place={"anyOf": [text, {"type": "null"}]},
                        part={"enum": ["weekday", "date", "time", "period"]}, value=text),
        "fact": branch("fact", question=text),
    }


__all__ = [
    "DAY_PATTERN",
    "OFFLINE_KINDS",
    "PERIODS",
    "RELATIONS",
    "RELATIVE_DAYS",
    "WEEKDAY_NAMES",
    "ArithmeticCheck",
    "CalendarCheck",
    "CalendarQuestion",
    "ClockCheck",
    "ClockPart",
    "FactCheck",
    "OfflineCheck",
    "OfflineKind",
    "Relation",
    "query_schemas",
    "read_day",
]
