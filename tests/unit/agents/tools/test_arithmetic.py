from fractions import Fraction

import pytest

from calledit.agents.tools.arithmetic import NotArithmetic, calculate, evaluate, format_number


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 2", 4),
        ("17 * 23", 391),
        ("17 times 23", 391),
        ("100 divided by 8", Fraction(25, 2)),
        ("10 / 4", Fraction(5, 2)),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("2 ** 10", 1024),
        ("2^10", 1024),
        ("2 ** -2", Fraction(1, 4)),
        ("(1 + 2) * 3", 9),
        ("0.1 + 0.2", Fraction(3, 10)),  # exact: no float drift
        ("1,000 + 1", 1001),
        ("6 x 7", 42),
        ("6 \u00d7 7", 42),
        ("9 \u00f7 3", 3),
        ("5 minus 8", -3),
        ("3 plus 4", 7),
        ("--3", 3),
        ("sqrt(169)", 13),
        ("the square root of 2.25", Fraction(3, 2)),
        ("\u221a144 + 1", 13),
    ],
)
def test_evaluates_exactly(expression: str, expected: int | Fraction) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("abs(-1)", "not allowed"),
        ("x + 1", "not allowed"),
        ("'a' * 3", "not allowed"),
        ("1 / 0", "division by zero"),
        ("1 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("2 ** 100000", "exponent larger"),
        ("10 ** 999", "digits"),
        ("2 ** 0.5", "whole-number exponents"),
        ("1 +", "not an arithmetic expression"),
        ("1" * 300, "longer than"),
        ("1e400", "finite"),
        ("[1, 2]", "not allowed"),
        ("sqrt(2)", "not exact"),
        ("sqrt(-4)", "negative"),
        ("sqrt(4, 2)", "not allowed"),
        ("pow(2, 2)", "not allowed"),
    ],
)
def test_refuses_anything_else_with_a_reason(expression: str, reason: str) -> None:
    with pytest.raises(NotArithmetic, match=reason):
        evaluate(expression)


@pytest.mark.parametrize(
    ("value", "text"),
    [(391, "391"), (Fraction(5, 2), "2.5"), (Fraction(1, 3), "1/3 (~0.333333)"), (Fraction(-1, 8), "-0.125")],
)
def test_formats_numbers_as_people_write_them(value: int | Fraction, text: str) -> None:
    assert format_number(value) == text


def test_the_strands_tool_answers_in_words() -> None:
    assert calculate(expression="17 * 23") == "17 * 23 = 391"
    assert "division by zero" in calculate(expression="1/0")


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("(1/10**300)**1000", "digits"),  # the base's denominator is what grows: str() of it raised ValueError
        ("(10**300)**2", "digits"),
        ("10**399 * 10**399", "digits"),
        ("1/10**300/10**300", "digits"),
        ("1\x00+1", "not an arithmetic expression"),
    ],
)
def test_huge_results_are_refused_before_they_are_computed(expression: str, reason: str) -> None:
    with pytest.raises(NotArithmetic, match=reason):
        evaluate(expression)


def test_large_values_are_computed_and_shown_without_float_overflow() -> None:
    # (9**330)**1 raised OverflowError: the size estimate turned the 315-digit base into a float
    assert evaluate("(9**330)**1") == 9**330
    assert evaluate("(2**1000)**1") == 2**1000
    assert format_number(evaluate("(10**399+1)/2")) == f"{10**399 + 1}/2 (~5e+398)"
    assert format_number(evaluate("10**399/3")).endswith("(~3.33333e+398)")
    assert format_number(evaluate("1/10**399")) == "1e-399"
    assert format_number(Fraction(1, 3)) == "1/3 (~0.333333)"  # ordinary values read as before
