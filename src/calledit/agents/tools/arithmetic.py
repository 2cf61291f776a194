"""Safe arithmetic: an AST walker over numbers and + - * / // % ** with bounds. User text is never `eval`ed."""

from __future__ import annotations

import ast
import decimal
import math
import operator
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from strands import tool

MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 1000
MAX_DIGITS = 400  # results beyond this many digits are refused rather than computed

Number = int | Fraction

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_WORDS = [
    (re.compile(r"\b(?:multiplied by|times)\b", re.I), "*"),
    (re.compile(r"\b(?:divided by|over)\b", re.I), "/"),
    (re.compile(r"\bplus\b", re.I), "+"),
    (re.compile(r"\bminus\b", re.I), "-"),
    (re.compile(r"\b(?:to the power of|raised to)\b", re.I), "**"),
    (re.compile(r"\bmod(?:ulo)?\b", re.I), "%"),
    (re.compile("(?<=[\\d)\\s])[x\u00d7\u2715](?=\\s*[\\d(])"), "*"),  # x, multiplication signs
    (re.compile("\u00f7"), "/"),  # division sign
    (re.compile(r"\^"), "**"),
    (re.compile(r"\b(?:the\s+)?square root of\s+(\d+(?:\.\d+)?)", re.I), r"sqrt(\1)"),
    (re.compile("\u221a\\s*(\\d+(?:\\.\\d+)?)"), r"sqrt(\1)"),  # the radical sign
    (re.compile(r"(?<=\d),(?=\d{3}\b)"), ""),  # thousands separators: 1,000 -> 1000
]


class NotArithmetic(ValueError):
    """The expression is not plain arithmetic, or its result would be too large to compute safely."""


def normalize(expression: str) -> str:
    """Spoken operators and typographic signs to Python's: '17 times 23' -> '17 * 23'."""
    text = expression.strip()
    for pattern, replacement in _WORDS:
        text = pattern.sub(replacement, text)
    return text


def evaluate(expression: str) -> Number:
    """The exact value of an arithmetic expression (ints and fractions; decimals are read exactly).

    Raises NotArithmetic with a precise reason for anything else: names, calls, strings, huge powers,
    division by zero.
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise NotArithmetic(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    text = normalize(expression)
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:  # ValueError: a NUL byte
        raise NotArithmetic(f"not an arithmetic expression: {expression!r}") from exc
    try:
        return _walk(tree.body)
    except (OverflowError, RecursionError) as exc:  # a last guard: the bounds below should come first
        raise NotArithmetic("the numbers are too large to compute safely") from exc


def _walk(node: ast.AST) -> Number:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if isinstance(node.value, float):
            if not math.isfinite(node.value):
                raise NotArithmetic("only finite numbers are allowed")
            return _exact(Fraction(repr(node.value)))
        return int(node.value)  # type: ignore[arg-type]  # checked: int or float above
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        value = _walk(node.operand)
        return value if isinstance(node.op, ast.UAdd) else -value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and right == 0:
            raise NotArithmetic("division by zero")
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        if isinstance(node.op, ast.Div):
            return _bounded(_exact(Fraction(left) / Fraction(right)))
        result = _BINARY[type(node.op)](left, right)
        return _bounded(_exact(Fraction(result)))
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sqrt"
        and len(node.args) == 1 and not node.keywords
    ):
        return _sqrt(_walk(node.args[0]))
    raise NotArithmetic(f"not allowed in arithmetic: {type(node).__name__}")


def _sqrt(value: Number) -> Number:
    """Exact square roots only (of perfect squares, or fractions of them): anything else is irrational."""
    if value < 0:
        raise NotArithmetic("square root of a negative number")
    fraction = Fraction(value)
    top, bottom = math.isqrt(fraction.numerator), math.isqrt(fraction.denominator)
    if top * top != fraction.numerator or bottom * bottom != fraction.denominator:
        raise NotArithmetic("the square root is not exact")
    return _exact(Fraction(top, bottom))


def _power(base: Number, exponent: Number) -> Number:
    if isinstance(exponent, Fraction):
        raise NotArithmetic("only whole-number exponents are supported")
    if abs(exponent) > MAX_EXPONENT:
        raise NotArithmetic(f"exponent larger than {MAX_EXPONENT}")
    if base == 0 and exponent < 0:
        raise NotArithmetic("division by zero")
    if abs(exponent) * _digits(base) > MAX_DIGITS:  # estimated from logs: never a float of a huge base
        raise NotArithmetic(f"result would have more than {MAX_DIGITS} digits")
    return _bounded(_exact(Fraction(base) ** exponent))


def _exact(value: Fraction) -> Number:
    return int(value) if value.denominator == 1 else value


def _digits(value: Number) -> float:
    """About how many decimal digits the larger of the value's numerator and denominator has (0 for 0, 1)."""
    fraction = Fraction(value)
    return max(_log10(abs(fraction.numerator)), _log10(fraction.denominator))


def _log10(whole: int) -> float:
    return math.log10(whole) if whole > 1 else 0.0  # math.log10 takes ints of any size


def _bounded(value: Number) -> Number:
    if _digits(value) >= MAX_DIGITS:  # counted without str(), which refuses ints over 4,300 digits
        raise NotArithmetic(f"result would have more than {MAX_DIGITS} digits")
    return value


def format_number(value: Number) -> str:
    """An exact value as people write it: 391, 0.25, or 1/3 (~0.333333) when it does not terminate."""
    if isinstance(value, int):
        return str(value)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:  # a terminating decimal
        text = _approximately(value, ".15g")
        return text if Fraction(text) == value else f"{value} (~{_approximately(value, '.12g')})"
    return f"{value.numerator}/{value.denominator} (~{_approximately(value, '.6g')})"


def _approximately(value: Fraction, spec: str) -> str:
    """`value` formatted as a float would be, also beyond a float's range (then in decimal arithmetic)."""
    try:
        approximate = float(value)
    except OverflowError:
        approximate = 0.0
    if approximate == 0.0 and value != 0:  # too large for a float, or so small it rounded to zero
        with decimal.localcontext() as context:
            context.prec = 20
            quotient = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
            return format(quotient.normalize(), spec)  # normalized: no trailing zeros, as a float prints
    return format(approximate, spec)


@tool
def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression exactly: numbers with + - * / // % **, sqrt() and parentheses.

    Args:
        expression: the arithmetic to evaluate, e.g. "17 * 23" or "(2 ** 10) / 4".
    """
    try:
        return f"{expression} = {format_number(evaluate(expression))}"
    except NotArithmetic as exc:
        return f"cannot evaluate {expression!r}: {exc}"
