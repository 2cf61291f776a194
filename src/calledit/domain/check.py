"""The executable check: which source, what query, which condition; its words and its pure evaluation.

Two families share the union: data checks (a source's daily series, below) and offline checks (calendar,
arithmetic, clock, fact: `domain.offline_checks`, executed by `agents.offline`).

A check is what makes a data-checkable call verify itself. The creation agent writes it (constrained by
`check_json_schema()`), the owner may edit it, and the verifier runs it: a source adapter fetches a daily
series and `evaluate` applies the condition in code. No I/O here.

Dates are local calendar dates, inclusive. "Local" is the source's own day: the place's timezone for
weather, the exchange's for markets, UTC for crypto, the user's for sports; adapters produce the series in
those days and mark with None any value that is not final yet (a game in progress, an archive day not
filled, today's still-moving price).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator, model_validator

from calledit.domain.expression import expression_text
from calledit.domain.offline_checks import (
    ArithmeticCheck,
    CalendarCheck,
    ClockCheck,
    FactCheck,
    OfflineCheck,
    OfflineKind,
    read_day,
)

Comparator = Literal[">", ">=", "<", "<=", "==", "!="]
Over = Literal["at_end", "any_day", "every_day", "total"]
Source = Literal["weather", "market", "crypto", "sports", "economy"]

COMPARATORS: tuple[Comparator, ...] = (">", ">=", "<", "<=", "==", "!=")
OVERS: tuple[Over, ...] = ("at_end", "any_day", "every_day", "total")

WeatherVariable = Literal[
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "rain_sum",
    "snowfall_sum",
    "wind_speed_10m_max",
    "sunshine_duration",
]
SportsVariable = Literal["win", "loss", "draw", "points", "points_against", "total_points", "margin"]

# Units a person may give per weather variable; the first is the default. Open-Meteo answers in the
# source unit (SOURCE_UNITS) and the threshold is converted into it.
WEATHER_UNITS: dict[str, tuple[str, ...]] = {
    "temperature_2m_max": ("C", "F"),
    "temperature_2m_min": ("C", "F"),
    "precipitation_sum": ("mm", "in"),
    "rain_sum": ("mm", "in"),
    "snowfall_sum": ("cm", "mm", "in"),
    "wind_speed_10m_max": ("km/h", "mph", "m/s"),
    "sunshine_duration": ("h",),
}
WEATHER_SOURCE_UNITS: dict[str, str] = {
    "temperature_2m_max": "C",
    "temperature_2m_min": "C",
    "precipitation_sum": "mm",
    "rain_sum": "mm",
    "snowfall_sum": "cm",
    "wind_speed_10m_max": "km/h",
    "sunshine_duration": "s",
}
_UNIT_ALIASES: dict[str, str] = {
    "°c": "C",
    "c": "C",
    "degc": "C",
    "celsius": "C",
    "°f": "F",
    "f": "F",
    "degf": "F",
    "fahrenheit": "F",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "millimeters": "mm",
    "millimetres": "mm",
    "centimeters": "cm",
    "centimetres": "cm",
    "kmh": "km/h",
    "kph": "km/h",
    "km/hr": "km/h",
    "ms": "m/s",
    "hour": "h",
    "hours": "h",
    "hr": "h",
    "hrs": "h",
}

# ESPN's path segments (site.api.espn.com/apis/site/v2/sports/SPORT/LEAGUE) and the league's name.
LEAGUES: dict[tuple[str, str], str] = {
    ("basketball", "nba"): "NBA",
    ("basketball", "wnba"): "WNBA",
    ("football", "nfl"): "NFL",
    ("football", "college-football"): "NCAA football",
    ("baseball", "mlb"): "MLB",
    ("hockey", "nhl"): "NHL",
    ("soccer", "eng.1"): "Premier League",
    ("soccer", "esp.1"): "LaLiga",
    ("soccer", "ger.1"): "Bundesliga",
    ("soccer", "ita.1"): "Serie A",
    ("soccer", "fra.1"): "Ligue 1",
    ("soccer", "usa.1"): "MLS",
    ("soccer", "uefa.champions"): "Champions League",
}

_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _calendar_date(value: object, field: str) -> date:
    """A local calendar date from a date or a YYYY-MM-DD string, with an error that says what to write."""
    if isinstance(value, datetime):
        raise ValueError(f"{field} must be a calendar date such as 2026-12-01, not a date and time")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a calendar date written YYYY-MM-DD, such as 2026-12-01")
    text = value.strip()
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (text[:4] + text[5:7] + text[8:]).isdigit():
        raise ValueError(f"{field} must be a calendar date written YYYY-MM-DD, such as 2026-12-01; got {value!r}")
    if text[:4] == "0000":
        raise ValueError(f"{field} {text!r} has year 0: years run from 0001 to 9999")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{field} {text!r} is not a day on the calendar ({error}); write a real date") from None


_SYMBOL = re.compile(r"^[A-Z0-9^=.\-]{1,20}$")
_COIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_SERIES = re.compile(r"^[A-Z0-9_]{1,40}$")


def _identifier(value: object, field: str, pattern: re.Pattern[str], what: str, case: Callable[[str], str]) -> str:
    """A source's identifier (it goes into a URL path, so only its own characters), normalised in case."""
    text = case(value.strip()) if isinstance(value, str) else None
    if text is None or not pattern.match(text):
        raise ValueError(f"{field} must be {what}; got {value!r}")
    return text


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class _Check(BaseModel):
    """What every check has: the local date range (inclusive) and the condition on the daily values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date
    end: date
    comparator: Comparator
    threshold: Annotated[float, Field(allow_inf_nan=False)]
    # at_end: the value on the last day; any_day / every_day: the condition on some / all days of the
    # range; total: the sum over the range (a month's rain, a week's wins).
    over: Over = "at_end"
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    # The condition is on the change since `start` ("closes higher tomorrow than today"): the value of the
    # start day (the last one on or before it) is the baseline, the threshold a difference from it (0: any
    # rise or fall), and the days after `start` are read as `over` says. Prices only (market, crypto).
    # Written only when set: stored checks keep their JSON, and clients read it as optional (no default in the
    # schema: a default makes generated TypeScript types require it).
    change: bool = Field(default=False, exclude_if=lambda value: value is False, json_schema_extra=_no_default)

    @model_validator(mode="before")
    @classmethod
    def _end_defaults_to_start(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("end") is None and "start" in data:
            return {**data, "end": data["start"]}
        return data

    @field_validator("start", mode="before")
    @classmethod
    def _start_date(cls, value: object) -> date:
        return _calendar_date(value, "start")

    @field_validator("end", mode="before")
    @classmethod
    def _end_date(cls, value: object) -> date:
        return _calendar_date(value, "end")

    @model_validator(mode="after")
    def _start_not_after_end(self) -> _Check:
        if self.start > self.end:
            raise ValueError(
                f"start {self.start.isoformat()} is after end {self.end.isoformat()}: the range runs from start "
                "to end inclusive, so swap them (use the same date twice for one day)"
            )
        if self.change:
            if not isinstance(self, MarketCheck | CryptoCheck):
                raise ValueError("change compares prices with a day's price: use it with market or crypto checks")
            if self.over == "total":
                raise ValueError('change reads a price against the start day\'s: over "total" has no meaning there')
            if self.start == self.end:
                raise ValueError(f"change needs an end after its start (the baseline day {self.start.isoformat()})")
        return self


class WeatherCheck(_Check):
    """Open-Meteo daily values for a place (geocoded by name), in the place's own days."""

    source: Literal["weather"] = "weather"
    place: Name  # as the user named it: "Denver, CO"
    variable: WeatherVariable

    @field_validator("unit", mode="before")
    @classmethod
    def _known_unit_spelling(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            return _UNIT_ALIASES.get(text.lower(), text)
        return value

    @model_validator(mode="after")
    def _unit_fits_variable(self) -> WeatherCheck:
        allowed = WEATHER_UNITS[self.variable]
        if self.unit is None:
            object.__setattr__(self, "unit", allowed[0])  # frozen model: set the default once, here
        elif self.unit not in allowed:
            raise ValueError(f"unit {self.unit!r} does not measure {self.variable}; use one of: {', '.join(allowed)}")
        return self


class MarketCheck(_Check):
    """A Yahoo Finance daily close: stocks (AAPL), indices (^GSPC), futures (GC=F), FX (EURUSD=X)."""

    source: Literal["market"] = "market"
    symbol: str
    variable: Literal["close"] = "close"

    @field_validator("symbol", mode="before")
    @classmethod
    def _yahoo_symbol(cls, value: object) -> str:
        return _identifier(
            value, "symbol", _SYMBOL, "a Yahoo Finance symbol such as AAPL, ^GSPC, GC=F or EURUSD=X", str.upper
        )


class CryptoCheck(_Check):
    """A CoinGecko price in USD; the daily value is the last price of each UTC day."""

    source: Literal["crypto"] = "crypto"
    coin: str
    variable: Literal["price"] = "price"

    @field_validator("coin", mode="before")
    @classmethod
    def _coingecko_id(cls, value: object) -> str:
        return _identifier(value, "coin", _COIN, "a CoinGecko coin id such as bitcoin or ethereum", str.lower)


class SportsCheck(_Check):
    """ESPN scoreboard results of one team; one value per game (win/loss/draw are 1 or 0)."""

    source: Literal["sports"] = "sports"
    sport: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]
    league: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)]
    team: Name
    opponent: Name | None = None
    variable: SportsVariable

    @model_validator(mode="after")
    def _known_league(self) -> SportsCheck:
        if (self.sport, self.league) not in LEAGUES:
            known = ", ".join(f"{sport}/{league}" for sport, league in LEAGUES)
            raise ValueError(f"sport/league {self.sport}/{self.league} is not one CalledIt reads; use one of: {known}")
        return self

    @property
    def league_name(self) -> str:
        return LEAGUES[(self.sport, self.league)]


class EconomyCheck(_Check):
    """A FRED series observation (UNRATE, CPIAUCSL, FEDFUNDS, GDP, PAYEMS, DGS10 ...), dated by its period."""

    source: Literal["economy"] = "economy"
    series: str
    variable: Literal["value"] = "value"

    @field_validator("series", mode="before")
    @classmethod
    def _fred_id(cls, value: object) -> str:
        return _identifier(value, "series", _SERIES, "a FRED series id such as UNRATE, CPIAUCSL or DGS10", str.upper)


DataCheck = WeatherCheck | MarketCheck | CryptoCheck | SportsCheck | EconomyCheck
CheckKind = Source | OfflineKind
Check = Annotated[
    WeatherCheck | MarketCheck | CryptoCheck | SportsCheck | EconomyCheck
    | CalendarCheck | ArithmeticCheck | ClockCheck | FactCheck,
    Field(discriminator="source"),
]
CHECK_ADAPTER: TypeAdapter[Check] = TypeAdapter(Check)


def parse_check(data: object) -> Check:
    """A check from a dict (or a JSON string); raises pydantic.ValidationError with what to fix."""
    if isinstance(data, str | bytes):
        return CHECK_ADAPTER.validate_json(data)
    return CHECK_ADAPTER.validate_python(data)


# --- the grammar-friendly schema -------------------------------------------------------------------


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def check_json_schema(*, nullable: bool = False) -> dict[str, Any]:
    """A JSON Schema of `Check` that llama.cpp's json-schema-to-grammar turns into a small grammar.

    Every field required and in a fixed order, enums for the literals, dates as a plain pattern, no
    string length bounds or `format`. The weather and sports branches are split so the grammar itself only
    allows units that measure the variable and leagues of the sport. What it accepts, `parse_check` accepts.
    `nullable` adds `null` (a call with no data source).
    """
    definitions: dict[str, Any] = {
        "text": {"type": "string"},
        "optional_text": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "day": {"type": "string", "pattern": _DATE_PATTERN},
        "over": {"enum": list(OVERS)},
        "comparator": {"enum": list(COMPARATORS)},
    }
    # Shared pieces by reference: the grammar gets one rule each instead of one per branch.
    text, optional_text, day, over, comparator = ({"$ref": f"#/$defs/{name}"} for name in definitions)

    def condition(unit: dict[str, Any]) -> dict[str, Any]:
        return {
            "start": day,
            "end": day,
            "over": over,
            "comparator": comparator,
            "threshold": {"type": "number"},
            "unit": unit,
        }

    branches: list[dict[str, Any]] = []
    families: dict[tuple[str, ...], list[str]] = {}
    for variable, units in WEATHER_UNITS.items():
        families.setdefault(units, []).append(variable)
    for units, variables in families.items():
        branches.append(
            _object(
                {
                    "source": {"const": "weather"},
                    "place": text,
                    "variable": {"enum": variables},
                    **condition({"enum": list(units)}),
                }
            )
        )
    for source, name, variable in (("market", "symbol", "close"), ("crypto", "coin", "price")):
        branch = _object({"source": {"const": source}, name: text, "variable": {"const": variable},
                          **condition(optional_text)})
        branch["properties"]["change"] = {"type": "boolean"}  # optional: code sets it, the model never writes it
        branches.append(branch)
    sports: dict[str, list[str]] = {}
    for sport, league in LEAGUES:
        sports.setdefault(sport, []).append(league)
    sports_variables = list(get_args(SportsVariable))
    for sport, leagues in sports.items():
        branches.append(
            _object(
                {
                    "source": {"const": "sports"},
                    "sport": {"const": sport},
                    "league": {"enum": leagues},
                    "team": text,
                    "opponent": optional_text,
                    "variable": {"enum": sports_variables},
                    **condition(optional_text),
                }
            )
        )
    branches.append(
        _object(
            {"source": {"const": "economy"}, "series": text, "variable": {"const": "value"}, **condition(optional_text)}
        )
    )
    if nullable:
        branches.append({"type": "null"})
    return {"anyOf": branches, "$defs": definitions}


# --- units -----------------------------------------------------------------------------------------

_LINEAR: dict[str, tuple[str, float]] = {  # unit -> (dimension, size in the dimension's base unit)
    "mm": ("length", 1.0),
    "cm": ("length", 10.0),
    "in": ("length", 25.4),
    "km/h": ("speed", 1.0),
    "mph": ("speed", 1.609344),
    "m/s": ("speed", 3.6),
    "s": ("duration", 1.0),
    "h": ("duration", 3600.0),
}


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """`value` in `from_unit` expressed in `to_unit` (°C/°F, mm/cm/in, km/h/mph/m/s, s/h)."""
    if from_unit == to_unit:
        return value
    if {from_unit, to_unit} == {"C", "F"}:
        return (value - 32.0) * 5.0 / 9.0 if from_unit == "F" else value * 9.0 / 5.0 + 32.0
    source, target = _LINEAR.get(from_unit), _LINEAR.get(to_unit)
    if source is None or target is None or source[0] != target[0]:
        raise ValueError(f"cannot convert {from_unit} to {to_unit}")
    return value * source[1] / target[1]


def source_unit(check: DataCheck) -> str | None:
    """The unit the source's values come in; None where the source has no unit to convert (prices, rates)."""
    if isinstance(check, WeatherCheck):
        return WEATHER_SOURCE_UNITS[check.variable]
    return None


def source_threshold(check: DataCheck) -> float:
    """The threshold in the source's unit, the one the values are compared in."""
    target = source_unit(check)
    if target is None or check.unit is None:
        return check.threshold
    return convert(check.threshold, check.unit, target)


# --- words -----------------------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEATHER_WORDS = {
    "temperature_2m_max": "maximum temperature",
    "temperature_2m_min": "minimum temperature",
    "precipitation_sum": "precipitation",
    "rain_sum": "rain",
    "snowfall_sum": "snowfall",
    "wind_speed_10m_max": "maximum wind speed",
    "sunshine_duration": "sunshine",
}
_SPORTS_WORDS = {
    "win": "wins",
    "loss": "losses",
    "draw": "draws",
    "points": "points",
    "points_against": "points against",
    "total_points": "total points (both teams)",
    "margin": "margin",
}
_SPORTS_VERBS = {"win": ("win", "do not win"), "loss": ("lose", "do not lose"), "draw": ("draw", "do not draw")}


def format_day(day: date) -> str:
    """`Tue 1 Dec 2026`, the same in every locale."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _short_day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def format_range(start: date, end: date) -> str:
    """`1 Nov to 30 Nov 2026`, or `20 Dec 2026 to 5 Jan 2027` across a year."""
    if start.year == end.year:
        return f"{_short_day(start)} to {_short_day(end)} {end.year}"
    return f"{_short_day(start)} {start.year} to {_short_day(end)} {end.year}"


def format_number(value: float, *, min_decimals: int = 0) -> str:
    """`6,000`, `2.3`, `101,234.57`: thousands separated, no trailing zeros (at most 4 decimals)."""
    rounded = round(value, 4)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    if rounded == int(rounded):
        return f"{int(rounded):,.{min_decimals}f}" if min_decimals == 0 else f"{rounded:,.{min_decimals}f}"
    text = f"{rounded:,.4f}".rstrip("0")
    decimals = len(text.split(".")[1])
    return text if decimals >= min_decimals else f"{rounded:,.{min_decimals}f}"


def unit_label(unit: str | None) -> str:
    if unit in ("C", "F"):
        return f"°{unit}"
    return unit or ""


def _with_unit(number: str, unit: str | None) -> str:
    label = unit_label(unit)
    return f"{number} {label}" if label else number


def _when(check: DataCheck) -> str:
    if check.change:  # the start day is the baseline, not a day the condition reads
        if check.over == "at_end":
            return f"on {format_day(check.end)}"
        span = format_range(check.start + timedelta(days=1), check.end)
        return f"on {'any' if check.over == 'any_day' else 'every'} day from {span}"
    if check.start == check.end:
        return f"on {format_day(check.end)}"
    span = format_range(check.start, check.end)
    if check.over == "any_day":
        return f"on any day from {span}"
    if check.over == "every_day":
        return f"on every day from {span}"
    if check.over == "total":
        return f"in total from {span}"
    return f"on {format_day(check.end)}, the end of {span}"


def _threshold_words(check: DataCheck) -> str:
    decimals = 1 if isinstance(check, EconomyCheck) else 0
    return _with_unit(format_number(check.threshold, min_decimals=decimals), check.unit)


def describe(check: Check) -> str:
    """The check in words a person reads, with no ISO dates: what the source is, what, when, the condition."""
    if isinstance(check, OfflineCheck):
        return describe_offline(check)
    when = _when(check)
    condition = _change_words(check) if check.change else f"{check.comparator} {_threshold_words(check)}"
    if isinstance(check, WeatherCheck):
        kind = "total" if check.over == "total" else "daily"
        return f"Open-Meteo {kind} {_WEATHER_WORDS[check.variable]} in {check.place} {when} {condition}"
    if isinstance(check, MarketCheck):
        return f"Yahoo Finance close of {check.symbol} {when} {condition}"
    if isinstance(check, CryptoCheck):
        return f"CoinGecko price of {check.coin} in USD (last of the UTC day) {when} {condition}"
    if isinstance(check, EconomyCheck):
        return f"FRED {check.series} {when} {condition}"
    against = f" against {check.opponent}" if check.opponent else ""
    head = f"ESPN {check.league_name}: {check.team}"
    verbs = _SPORTS_VERBS.get(check.variable)
    if verbs and check.over != "total" and check.comparator in ("==", "!=") and check.threshold in (0.0, 1.0):
        yes = (check.comparator == "==") == (check.threshold == 1.0)
        return f"{head} {verbs[0] if yes else verbs[1]}{against} {when}"
    return f"{head} {_SPORTS_WORDS[check.variable]}{against} {when} {condition}"


_CHANGE_WORDS = {">": "higher than", ">=": "at least as high as", "<": "lower than", "<=": "at most as high as",
                 "==": "the same as", "!=": "other than"}


def _change_words(check: DataCheck) -> str:
    """`higher than on Mon 23 Nov 2026`; with a threshold, `changed by > 50 since Mon 23 Nov 2026`."""
    baseline = format_day(check.start)
    if check.threshold == 0:
        return f"{_CHANGE_WORDS[check.comparator]} on {baseline}"
    return f"changed by {check.comparator} {format_number(check.threshold)} since {baseline}"


_RELATION_WORDS = {"==": "exactly", ">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}
_CLOCK_WORDS = {"==": "is", ">": "is after", ">=": "is at or after", "<": "is before", "<=": "is at or before"}


def day_words(day: str) -> str:
    """`Fri 25 Dec 2026`, `today`, `Thanksgiving 2026`: a check's day for people."""
    read = read_day(day)
    return format_day(read) if isinstance(read, date) else day


def describe_offline(check: OfflineCheck) -> str:
    """An offline check in words; a negated check says "not" where the prediction did."""
    nope = " not" if check.negated else ""
    if isinstance(check, FactCheck):
        return f"Fixed fact, decided by the model: {'it is not so that ' if check.negated else ''}{check.claim}"
    if isinstance(check, ArithmeticCheck):
        symbol = {"==": "=", ">=": "≥", "<=": "≤"}.get(check.comparator, check.comparator)
        about = "about " if check.approximate else ""
        claim = f"{expression_text(check.expression)} {symbol} {about}{expression_text(check.value)}"
        return f"Arithmetic: {'it is not so that ' if check.negated else ''}{claim}"
    if isinstance(check, ClockCheck):
        where = f"in {check.place}" if check.place else "in the user's timezone"
        what = {"weekday": "the weekday", "date": "the date", "time": "the time", "period": "the part of the day"}
        verb = _CLOCK_WORDS[check.comparator]
        value = day_words(check.value) if check.part == "date" else check.value
        verb = verb.replace("is", "is not", 1) if check.negated else verb
        return f"Clock: now, {what[check.part]} {where} {verb} {value}"
    country = f" in {check.country}" if check.country else ""
    if check.question == "leap_year":
        return f"Calendar: {check.year} is{nope} a leap year"
    if check.question == "weekday":
        return f"Calendar: {day_words(check.day or '')}{country} is{nope} a {check.weekday}"
    if check.question == "date":
        return f"Calendar: {day_words(check.day or '')}{country} is{nope} {day_words(check.other or '')}"
    count = f"{_RELATION_WORDS[check.comparator]} {check.value}"
    if check.question == "days_between":
        return (f"Calendar: from {day_words(check.day or '')} to {day_words(check.other or '')}{country} is{nope} "
                f"{count} days")
    span = f"{_MONTHS[check.month - 1]} {check.year}" if check.month else str(check.year)
    return f"Calendar: {span} has{nope} {count} {check.weekday}s"


# --- evaluation ------------------------------------------------------------------------------------


class Evaluation(BaseModel):
    """The outcome of applying a check's condition to a series: a verdict, or "look again later"."""

    model_config = ConfigDict(frozen=True)

    status: Literal["decided", "pending"]
    holds: bool | None  # None while pending
    values: list[tuple[date, float]]  # the values the outcome rests on, in the source's unit
    finding: str  # for people: the values read and the threshold


def compare(value: float, comparator: Comparator, threshold: float) -> bool:
    """The condition, with equality tolerant of float noise (95 °F is 35 °C, not 34.99999)."""
    equal = math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-9)
    if comparator == "==":
        return equal
    if comparator == "!=":
        return not equal
    if comparator == ">":
        return value > threshold and not equal
    if comparator == ">=":
        return value > threshold or equal
    if comparator == "<":
        return value < threshold and not equal
    return value < threshold or equal


def _label(check: DataCheck) -> str:
    if isinstance(check, MarketCheck):
        return f"{check.symbol} close"
    if isinstance(check, CryptoCheck):
        return f"{check.coin} price"
    if isinstance(check, SportsCheck):
        return f"{check.team} {check.variable}"
    if isinstance(check, EconomyCheck):
        return check.series
    return check.variable


def _threshold_text(check: DataCheck) -> str:
    """`> 0 cm`, or `> 95 °F = 35 °C` when the source counts in another unit."""
    decimals = 1 if isinstance(check, EconomyCheck) else 0
    given = f"{check.comparator} {_with_unit(format_number(check.threshold, min_decimals=decimals), check.unit)}"
    target = source_unit(check)
    if target is not None and check.unit is not None and target != check.unit:
        given += f" = {_with_unit(format_number(source_threshold(check)), target)}"
    return f"threshold {given}"


def evaluate(check: DataCheck, series: Sequence[tuple[date, float | None]], *, today: date) -> Evaluation:
    """Apply `check` to a daily series (see `_evaluate`); a `change` check reads the days after its start
    against the start day's value."""
    if not check.change:
        return _evaluate(check, series, today=today)
    ordered = sorted(series, key=lambda entry: entry[0])
    label = _label(check)
    before = [(day, value) for day, value in ordered if day <= check.start]
    if not before or before[-1][1] is None:
        waiting = "is not published yet" if before else "is not in the data"
        return Evaluation(status="pending", holds=None, values=[],
                          finding=f"{label} for the baseline day {check.start.isoformat()} {waiting}")
    base_day, base = before[-1][0], float(before[-1][1])
    moves = [(day, None if value is None else value - base) for day, value in ordered if day > check.start]
    shifted = check.model_copy(update={"change": False, "start": check.start + timedelta(days=1)})
    moved = _evaluate(shifted, moves, today=today,
                      label=f"change of {label} since {base_day.isoformat()} (= {format_number(base)})")
    values = [(base_day, base), *((day, move + base) for day, move in moved.values)]
    return moved.model_copy(update={"values": values})


def _evaluate(check: DataCheck, series: Sequence[tuple[date, float | None]], *, today: date,
              label: str | None = None) -> Evaluation:
    """Apply `check` to a daily series (dates in the source's days, values in its unit, None = not final).

    `today` is the source's current day: the range is complete once `today` is after `end` and no day in
    it is still missing. at_end reads the last date <= end; any_day confirms on the first day that holds
    and refutes only on a complete range; every_day refutes on the first day that fails and confirms on a
    complete range; total sums a complete range. A day whose value is missing (None) keeps it pending.
    """
    unit = source_unit(check) or check.unit
    threshold = source_threshold(check)
    label = label or _label(check)
    criterion = _threshold_text(check)
    ordered = sorted(series, key=lambda entry: entry[0])  # stable: same-day entries keep their order
    in_range = [(day, value) for day, value in ordered if check.start <= day <= check.end]
    known = [(day, value) for day, value in in_range if value is not None]
    missing = [day for day, value in in_range if value is None]
    complete = today > check.end and not missing
    span = f"from {check.start.isoformat()} to {check.end.isoformat()}"

    def one(day: date, value: float) -> str:
        return f"{label} on {day.isoformat()} = {_with_unit(format_number(value), unit)} ({criterion})"

    def pending(finding: str, values: list[tuple[date, float]] | None = None) -> Evaluation:
        return Evaluation(status="pending", holds=None, values=values or [], finding=finding)

    def decided(holds: bool, values: list[tuple[date, float]], finding: str) -> Evaluation:
        return Evaluation(status="decided", holds=holds, values=values, finding=finding)

    def waiting() -> str:
        if missing:
            return f"{label} for {missing[0].isoformat()} is not published yet ({criterion})"
        if today <= check.end:
            return f"{label} {span} is not complete until after {check.end.isoformat()} ({criterion})"
        return f"no {label} values {span} ({criterion})"

    if check.over == "at_end":
        upto = [(day, value) for day, value in ordered if day <= check.end]
        if not upto:
            return pending(waiting() if today <= check.end else f"no {label} value up to {check.end.isoformat()}")
        day, value = upto[-1]
        if value is None:
            return pending(f"{label} for {day.isoformat()} is not published yet ({criterion})")
        if day < check.end and today <= check.end:
            return pending(f"{label} for {check.end.isoformat()} is not in yet ({criterion})")
        return decided(compare(value, check.comparator, threshold), [(day, value)], one(day, value))

    if check.over == "any_day":
        for day, value in known:
            if compare(value, check.comparator, threshold):
                return decided(True, [(day, value)], one(day, value))
        if complete and known:
            closest = _closest(known, check.comparator)
            return decided(
                False,
                known,
                f"no day {span} holds: {len(known)} values, the nearest {one(*closest)}",
            )
        return pending(waiting(), known)

    if check.over == "every_day":
        for day, value in known:
            if not compare(value, check.comparator, threshold):
                return decided(False, [(day, value)], one(day, value))
        if complete and known:
            closest = _closest(known, _opposite(check.comparator))
            return decided(True, known, f"every day {span} holds: {len(known)} values, the nearest {one(*closest)}")
        return pending(waiting(), known)

    if complete and known:
        total = math.fsum(value for _, value in known)
        holds = compare(total, check.comparator, threshold)
        return decided(
            holds,
            known,
            f"{label} total {span} = {_with_unit(format_number(total), unit)} over {len(known)} values ({criterion})",
        )
    return pending(waiting(), known)


_OPPOSITE: dict[Comparator, Comparator] = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


def _opposite(comparator: Comparator) -> Comparator:
    return _OPPOSITE[comparator]


def _closest(values: list[tuple[date, float]], comparator: Comparator) -> tuple[date, float]:
    """The value nearest to passing `comparator` (the highest for > and >=, the lowest for < and <=)."""
    if comparator in (">", ">="):
        return max(values, key=lambda entry: entry[1])
    if comparator in ("<", "<="):
        return min(values, key=lambda entry: entry[1])
    return values[-1]


__all__ = [
    "CHECK_ADAPTER",
    "COMPARATORS",
    "LEAGUES",
    "OVERS",
    "WEATHER_SOURCE_UNITS",
    "WEATHER_UNITS",
    "ArithmeticCheck",
    "CalendarCheck",
    "Check",
    "CheckKind",
    "ClockCheck",
    "Comparator",
    "CryptoCheck",
    "DataCheck",
    "EconomyCheck",
    "Evaluation",
    "FactCheck",
    "MarketCheck",
    "OfflineCheck",
    "OfflineKind",
    "Over",
    "Source",
    "SportsCheck",
    "WeatherCheck",
    "check_json_schema",
    "compare",
    "convert",
    "describe",
    "describe_offline",
    "evaluate",
    "format_day",
    "format_number",
    "format_range",
    "parse_check",
    "source_threshold",
    "source_unit",
]
