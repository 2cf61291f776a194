"""Arithmetic as data: an expression tree over numbers with units and percentages, parsed from a short text
and evaluated exactly (fractions), with bounds. Nothing is ever `eval`ed.

The text is what a person or a model writes: `17 * 23`, `15% of 80`, `1000 * (1 + 5%)^3`, `3 ft`,
`2.5 hours`, `$1,157.63`, `sqrt(169)`. Units convert exactly to a base unit of their dimension (length,
mass, time, volume, data, speed as length/time, and currencies, which never convert into each other).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 200
MAX_NODES = 60
MAX_EXPONENT = 1000
MAX_DIGITS = 400  # a result beyond this many digits is refused rather than computed


class ExpressionError(ValueError):
    """Not arithmetic this calculator reads, or too large to compute; the message says what to write."""


class Number(BaseModel):
    """A number as written (`1157.63`), and its unit (`km`, `USD`, `%`) or None."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Annotated[str, Field(pattern=r"^[0-9]+(?:\.[0-9]+)?$", max_length=60)]
    unit: Annotated[str, Field(max_length=20)] | None = None


class Operation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["+", "-", "*", "/", "^"]
    left: Expr
    right: Expr


class Function(BaseModel):
    """`neg` (-x), `percent` (x%), `sqrt`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fn: Literal["neg", "percent", "sqrt"]
    arg: Expr


Expr = Number | Operation | Function
Operation.model_rebuild()
Function.model_rebuild()

# --- units -------------------------------------------------------------------------------------------

Dimension = tuple[tuple[str, int], ...]  # ("length", 1), ("time", -1): sorted, no zero powers
_CURRENCIES = {"$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR",
               "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound sterling": "GBP"}
_UNITS: dict[str, tuple[str, Fraction]] = {}


def _define(dimension: str, size: Fraction | int | str, *names: str) -> None:
    for name in names:
        _UNITS[name] = (dimension, Fraction(size))


_define("length", 1, "m", "meter", "meters", "metre", "metres")
_define("length", Fraction(1, 1000), "mm", "millimeter", "millimeters", "millimetre", "millimetres")
_define("length", Fraction(1, 100), "cm", "centimeter", "centimeters", "centimetre", "centimetres")
_define("length", 1000, "km", "kilometer", "kilometers", "kilometre", "kilometres")
_define("length", "0.0254", "in", "inch", "inches")
_define("length", "0.3048", "ft", "foot", "feet")
_define("length", "0.9144", "yd", "yard", "yards")
_define("length", "1609.344", "mi", "mile", "miles")
_define("mass", 1, "kg", "kilogram", "kilograms", "kilo", "kilos")
_define("mass", Fraction(1, 1000), "g", "gram", "grams")
_define("mass", Fraction(1, 1000000), "mg", "milligram", "milligrams")
_define("mass", 1000, "t", "tonne", "tonnes")
_define("mass", "0.45359237", "lb", "lbs", "pound", "pounds")
_define("mass", Fraction("0.45359237") / 16, "oz", "ounce", "ounces")
_define("time", 1, "s", "sec", "secs", "second", "seconds")
_define("time", 60, "min", "mins", "minute", "minutes")
_define("time", 3600, "h", "hr", "hrs", "hour", "hours")
_define("time", 86400, "day", "days")
_define("time", 604800, "week", "weeks")
_define("volume", 1, "l", "liter", "liters", "litre", "litres")
_define("volume", Fraction(1, 1000), "ml", "milliliter", "milliliters", "millilitre", "millilitres")
_define("volume", "3.785411784", "gal", "gallon", "gallons")
_define("data", 1, "b", "byte", "bytes")
_define("data", 1000, "kb", "kilobyte", "kilobytes")
_define("data", 1000**2, "mb", "megabyte", "megabytes")
_define("data", 1000**3, "gb", "gigabyte", "gigabytes")
_define("data", 1000**4, "tb", "terabyte", "terabytes")
_define("count", 12, "dozen", "dozens")
_define("count", 1, "each")
_SPEEDS = {"km/h": ("km", "h"), "kmh": ("km", "h"), "kph": ("km", "h"), "mph": ("mi", "h"), "m/s": ("m", "s")}


def unit_dimension(unit: str) -> tuple[Dimension, Fraction]:
    """The dimension of a unit and its size in the dimension's base unit; ExpressionError if unknown."""
    key = unit.strip().lower()
    if key in ("%", "percent", "per cent"):
        return (), Fraction(1, 100)
    if unit.strip().upper() in ("USD", "EUR", "GBP") or key in _CURRENCIES:
        code = _CURRENCIES.get(key, unit.strip().upper())
        return ((code, 1),), Fraction(1)
    if key in _SPEEDS:
        top, bottom = _SPEEDS[key]
        return (("length", 1), ("time", -1)), _UNITS[top][1] / _UNITS[bottom][1]
    if key in _UNITS:
        dimension, size = _UNITS[key]
        return (() if dimension == "count" else ((dimension, 1),)), size
    raise ExpressionError(f"unknown unit {unit!r}; use one such as km, ft, kg, lb, hours, liters, GB, USD or %")


# --- parsing -----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<speed>km/h|m/s)"
    r"|(?P<op>\*\*|[-+*/^()%\u00d7\u00f7\u00b7]|x(?![a-z])|\bof\b|\btimes\b|\bplus\b|\bminus\b|\bover\b)"
    r"|(?P<money>[$€£])"
    r"|(?P<word>[A-Za-z]+))",
    re.I,
)
_OPERATOR_WORDS = {"\u00d7": "*", "x": "*", "\u00b7": "*", "\u00f7": "/", "**": "^", "of": "*", "times": "*",
                   "plus": "+", "minus": "-", "over": "/"}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {stripped[position:position + 12]!r} in {text!r}; write numbers, "
                                  "units and + - * / ^ % ( )")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "op":
            value = _OPERATOR_WORDS.get(value.lower(), value)
        elif kind == "number":
            value = value.replace(",", "")
            if value.startswith("."):
                value = "0" + value
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.nodes = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"{self.text!r} ends too early")
        self.at += 1
        return token

    def node(self, made: Expr) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts")
        return made

    def parse(self) -> Expr:
        tree = self.sum(0)
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return tree

    def sum(self, depth: int) -> Expr:
        left = self.product(depth)
        while (token := self.peek()) in (("op", "+"), ("op", "-")):
            self.take()
            left = self.node(Operation(op=token[1], left=left, right=self.product(depth)))
        return left

    def product(self, depth: int) -> Expr:
        left = self.power(depth)
        while (token := self.peek()) in (("op", "*"), ("op", "/")):
            self.take()
            left = self.node(Operation(op=token[1], left=left, right=self.power(depth)))
        return left

    def power(self, depth: int) -> Expr:
        base = self.unary(depth)
        if self.peek() == ("op", "^"):
            self.take()
            return self.node(Operation(op="^", left=base, right=self.power(depth + 1)))
        return base

    def unary(self, depth: int) -> Expr:
        if depth > 20:
            raise ExpressionError("the expression is nested too deeply")
        token = self.peek()
        if token == ("op", "-"):
            self.take()
            return self.node(Function(fn="neg", arg=self.unary(depth + 1)))
        if token == ("op", "+"):
            self.take()
            return self.unary(depth + 1)
        value = self.primary(depth)
        while self.peek() == ("op", "%"):
            self.take()
            value = self.node(Function(fn="percent", arg=value))
        return value

    def primary(self, depth: int) -> Expr:
        kind, value = self.take()
        if kind == "money":
            number_kind, number = self.take()
            if number_kind != "number":
                raise ExpressionError(f"{value} must be followed by an amount in {self.text!r}")
            return self.node(Number(number=number, unit=_CURRENCIES[value]))
        if kind == "number":
            return self.node(Number(number=value, unit=self.unit()))
        if kind == "op" and value == "(":
            inner = self.sum(depth + 1)
            if self.take() != ("op", ")"):
                raise ExpressionError(f"a parenthesis is not closed in {self.text!r}")
            unit = self.unit()
            return self.node(Operation(op="*", left=inner, right=Number(number="1", unit=unit))) if unit else inner
        if kind == "word" and value.lower() in ("sqrt", "root") and self.peek() == ("op", "("):
            self.take()
            inner = self.sum(depth + 1)
            if self.take() != ("op", ")"):
                raise ExpressionError(f"a parenthesis is not closed in {self.text!r}")
            return self.node(Function(fn="sqrt", arg=inner))
        if kind in ("word", "speed"):  # a bare unit: "km / h", "per hour"
            unit_dimension(value)
            return self.node(Number(number="1", unit=value))
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")

    def unit(self) -> str | None:
        token = self.peek()
        if token is not None and token[0] in ("word", "speed"):
            unit_dimension(token[1])  # raises for a word that is no unit
            self.take()
            return token[1]
        if token is not None and token[0] == "money":  # "100$"
            self.take()
            return _CURRENCIES[token[1]]
        return None


def parse_expression(text: str) -> Expr:
    """The tree of an arithmetic text; ExpressionError says what could not be read."""
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"the expression is longer than {MAX_TEXT} characters")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    return _Parser(text).parse()


# --- evaluation --------------------------------------------------------------------------------------


class Quantity(BaseModel):
    """An exact value in its dimension's base unit; `exact` is False after an irrational square root."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    value: Fraction
    dimension: Dimension = ()
    exact: bool = True


def _combine(left: Dimension, right: Dimension, sign: int) -> Dimension:
    powers = dict(left)
    for name, power in right:
        powers[name] = powers.get(name, 0) + sign * power
    return tuple(sorted((name, power) for name, power in powers.items() if power))


def _digits(value: Fraction) -> float:
    return max(math.log10(abs(value.numerator)) if abs(value.numerator) > 1 else 0.0,
               math.log10(value.denominator) if value.denominator > 1 else 0.0)


def _bounded(quantity: Quantity) -> Quantity:
    if _digits(quantity.value) >= MAX_DIGITS:
        raise ExpressionError(f"the result would have more than {MAX_DIGITS} digits")
    return quantity


def evaluate_expression(tree: Expr) -> Quantity:
    """The exact value of a tree; ExpressionError for division by zero, mixed units, huge powers."""
    if isinstance(tree, Number):
        dimension, size = unit_dimension(tree.unit) if tree.unit else ((), Fraction(1))
        return Quantity(value=Fraction(tree.number) * size, dimension=dimension)
    if isinstance(tree, Function):
        inner = evaluate_expression(tree.arg)
        if tree.fn == "neg":
            return inner.model_copy(update={"value": -inner.value})
        if tree.fn == "percent":
            return inner.model_copy(update={"value": inner.value / 100})
        return _sqrt(inner)
    left, right = evaluate_expression(tree.left), evaluate_expression(tree.right)
    exact = left.exact and right.exact
    if tree.op in ("+", "-"):
        if left.dimension != right.dimension:
            raise ExpressionError(f"cannot add or subtract {_dimension_words(left.dimension)} and "
                                  f"{_dimension_words(right.dimension)}")
        value = left.value + right.value if tree.op == "+" else left.value - right.value
        return _bounded(Quantity(value=value, dimension=left.dimension, exact=exact))
    if tree.op == "*":
        return _bounded(Quantity(value=left.value * right.value,
                                 dimension=_combine(left.dimension, right.dimension, 1), exact=exact))
    if tree.op == "/":
        if right.value == 0:
            raise ExpressionError("division by zero")
        return _bounded(Quantity(value=left.value / right.value,
                                 dimension=_combine(left.dimension, right.dimension, -1), exact=exact))
    return _power(left, right)


def _power(base: Quantity, exponent: Quantity) -> Quantity:
    if exponent.dimension:
        raise ExpressionError("an exponent cannot have a unit")
    if exponent.value.denominator != 1:
        if exponent.value == Fraction(1, 2):
            return _sqrt(base)
        raise ExpressionError("only whole-number exponents are supported (and 0.5 for a square root)")
    power = exponent.value.numerator
    if abs(power) > MAX_EXPONENT:
        raise ExpressionError(f"exponent larger than {MAX_EXPONENT}")
    if base.value == 0 and power < 0:
        raise ExpressionError("division by zero")
    if abs(power) * _digits(base.value) > MAX_DIGITS:
        raise ExpressionError(f"the result would have more than {MAX_DIGITS} digits")
    dimension = tuple((name, p * power) for name, p in base.dimension if p * power)
    return _bounded(Quantity(value=base.value**power, dimension=dimension, exact=base.exact and exponent.exact))


def _sqrt(value: Quantity) -> Quantity:
    if value.value < 0:
        raise ExpressionError("square root of a negative number")
    if any(power % 2 for _, power in value.dimension):
        raise ExpressionError("the square root of that unit is not a unit")
    dimension = tuple((name, power // 2) for name, power in value.dimension)
    top, bottom = math.isqrt(value.value.numerator), math.isqrt(value.value.denominator)
    if top * top == value.value.numerator and bottom * bottom == value.value.denominator:
        return Quantity(value=Fraction(top, bottom), dimension=dimension, exact=value.exact)
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(value.value.numerator) / Decimal(value.value.denominator)).sqrt()
    return Quantity(value=Fraction(root), dimension=dimension, exact=False)


def _dimension_words(dimension: Dimension) -> str:
    if not dimension:
        return "a plain number"
    return " ".join(f"{name}^{power}" if power != 1 else name for name, power in dimension)


def decimals_of(tree: Expr) -> int | None:
    """How many decimals a claimed plain number was written with (`1,157.63` -> 2), else None."""
    if isinstance(tree, Number):
        return len(tree.number.split(".")[1]) if "." in tree.number else 0
    if isinstance(tree, Function) and tree.fn == "neg":
        return decimals_of(tree.arg)
    return None


def expression_text(tree: Expr) -> str:
    """The tree written back for people: `17 \u00d7 23`, `15% \u00d7 80`, `1,000 USD \u00d7 (1 + 5%)^3`."""
    if isinstance(tree, Number):
        number = f"{int(tree.number):,}" if "." not in tree.number else _grouped(tree.number)
        return f"{number} {tree.unit}" if tree.unit and tree.unit != "%" else f"{number}{tree.unit or ''}"
    if isinstance(tree, Function):
        inner = expression_text(tree.arg)
        simple = isinstance(tree.arg, Number)
        if tree.fn == "neg":
            return f"-{inner}" if simple else f"-({inner})"
        if tree.fn == "percent":
            return f"{inner}%" if simple else f"({inner})%"
        return f"√{inner}" if simple else f"√({inner})"
    symbol = {"*": "\u00d7", "/": "\u00f7"}.get(tree.op, tree.op)

    def side(child: Expr, right: bool) -> str:
        text = expression_text(child)
        if isinstance(child, Operation) and (_rank(child.op) < _rank(tree.op) or (right and child.op == tree.op
                                                                                  and tree.op in "-/")):
            return f"({text})"
        return text

    if tree.op == "^":
        return f"{side(tree.left, False)}^{side(tree.right, True)}"
    return f"{side(tree.left, False)} {symbol} {side(tree.right, True)}"


def _rank(op: str) -> int:
    return {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}[op]


def _grouped(number: str) -> str:
    whole, _, fraction = number.partition(".")
    return f"{int(whole):,}.{fraction}"


def format_quantity(quantity: Quantity, unit: str | None = None) -> str:
    """A value for people, in `unit` when given (the claim's unit), else in the base unit."""
    value = quantity.value
    label = ""
    if unit:
        dimension, size = unit_dimension(unit)
        if dimension == quantity.dimension:
            value, label = value / size, unit
    elif quantity.dimension:
        label = _dimension_words(quantity.dimension)
    if unit in ("%", "percent"):
        label = "%"
    text = _decimal_text(value) if quantity.exact else f"about {float(value):,.10g}"
    return f"{text}{label}" if label == "%" else (f"{text} {label}" if label else text)


def _decimal_text(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}"
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    with localcontext() as context:
        context.prec = 30
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if denominator == 1:
        return f"{decimal.normalize():,f}"
    return f"{value.numerator}/{value.denominator} (~{float(value):,.6g})"


__all__ = [
    "Expr",
    "ExpressionError",
    "Function",
    "Number",
    "Operation",
    "Quantity",
    "decimals_of",
    "evaluate_expression",
    "expression_text",
    "format_quantity",
    "parse_expression",
    "unit_dimension",
]
