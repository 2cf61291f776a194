"""Offline claims worded the many ways people write them: code reads the whole query (no model) and the
computed verdict is right. One table per rule: month typos, days-between forms, numbers in words, square
roots, thousands separators and "k", negations; and the claims code must leave to the model.

Expected verdicts come from python's datetime and fractions here, not from the code under test."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from calledit.agents import claim_words
from calledit.agents.checks import plan_check
from calledit.agents.claim_arithmetic import arithmetic_fields
from calledit.agents.offline import run_offline
from calledit.domain.check import ArithmeticCheck, CalendarCheck, ClockCheck, parse_check

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def weekday(year: int, month: int, day: int) -> str:
    return date(year, month, day).strftime("%A")


def days(first: date, last: date) -> int:
    return (last - first).days


def computed(prediction: str, timezone: str = "UTC") -> bool:
    """The verdict code alone reaches: the plan must hold the whole query, and it must compute."""
    plan = plan_check(prediction, now=NOW, timezone=timezone)
    assert plan is not None and plan.complete, f"code did not read all of {prediction!r}: {plan and plan.known}"
    check = parse_check(plan.known)
    assert isinstance(check, CalendarCheck | ArithmeticCheck | ClockCheck)
    outcome = run_offline(check, now=NOW, timezone=timezone)
    assert outcome.status == "decided", outcome.finding
    assert outcome.holds is not None
    return outcome.holds


# --- month names typed wrong -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("Febuary 14, 2027", "February 14, 2027"),
        ("14 Febuary 2027", "14 February 2027"),
        ("Feburary 2, 2027", "February 2, 2027"),  # two letters swapped
        ("the 3rd of Decmber, 2030", "the 3rd of December, 2030"),
        ("Janurary 9, 2029", "January 9, 2029"),
        ("Agust 9, 2029", "August 9, 2029"),
        ("Septmber 3, 2027", "September 3, 2027"),
        ("Apirl 1 2027", "April 1 2027"),
        ("decmber 3, 2027", "december 3, 2027"),  # a long name is fixed lowercase too
        ("2027 has 52 Wensdays", "2027 has 52 Wednesdays"),  # a weekday anywhere, its plural kept
        ("Christmas 2026 is a Tuseday", "Christmas 2026 is a Tuesday"),
        ("30 days betwen", "30 days between"),
        # left as written: no day or year beside it, a real word, two months as close, the name itself
        ("the match 3, 2027", "the match 3, 2027"),
        ("Juny 4, 2027", "Juny 4, 2027"),
        ("Decmber is cold", "Decmber is cold"),
        ("Sundays", "Sundays"),
        ("Sept. 5th 2027", "Sept. 5th 2027"),
    ],
)
def test_misspelt_month_and_weekday_names_are_put_right(text: str, fixed: str) -> None:
    assert claim_words.respelled(text) == fixed


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        (f"Febuary 14, 2027 is a {weekday(2027, 2, 14)}", True),
        (f"14 Febuary 2027 isn't a {weekday(2027, 2, 14)}", False),
        (f"Decmber 25, 2026 falls on a {weekday(2026, 12, 25)}", True),
        ("The 3rd of Decmber, 2030 is a Monday", weekday(2030, 12, 3) == "Monday"),
        (f"Sept. 5th 2027 is a {weekday(2027, 9, 5)}", True),
        (f"Sept 5, 2027 is a {weekday(2027, 9, 5)}", True),
        (f"5 Sept 2027 is not a {weekday(2027, 9, 5)}", False),
        (f"Janurary 9, 2029 will be a {weekday(2029, 1, 9)}", True),
        (f"Novmber 9, 2029 won't be a {weekday(2029, 11, 9)}", False),
        ("Christmas 2026 is a Fryday", weekday(2026, 12, 25) == "Friday"),  # a misspelt weekday
        ("2027-09-01 is a Wensday", weekday(2027, 9, 1) == "Wednesday"),
        ("Agust 2025 has 4 Mondays", sum(date(2025, 8, d).weekday() == 0 for d in range(1, 32)) == 4),
        (f"From the 14th of Febuary, 2027 to 2027-04-02 is {days(date(2027, 2, 14), date(2027, 4, 2))} days", True),
    ],
)
def test_a_date_with_a_misspelt_name_is_computed(prediction: str, holds: bool) -> None:
    assert computed(prediction) is holds


def test_a_month_code_cannot_read_is_not_taken_for_the_whole_year() -> None:
    plan = plan_check("Juny 2025 has 4 Mondays", now=NOW)  # June or July: the model reads it, not "2025"
    assert plan is not None and plan.source == "calendar" and not plan.complete


# --- days between two days -----------------------------------------------------------------------------

MARCH = days(date(2027, 3, 1), date(2027, 3, 31))  # 30
QUARTER = days(date(2027, 1, 1), date(2027, 4, 1))  # 90


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        (f"March 1, 2027 and March 31, 2027 are {MARCH} days apart", True),
        (f"March 1, 2027 and March 31, 2027 are not {MARCH} days apart", False),
        (f"2027-01-01 and 2027-04-01 are {QUARTER} days apart", True),
        (f"2027-01-01 and 2027-04-01 are {QUARTER + 1} days apart", False),
        ("1 March 2027 and 31 March 2027 are exactly thirty days apart", MARCH == 30),
        (f"There are {MARCH} days between March 1, 2027 and March 31, 2027", True),
        ("There are thirty days between March 1, 2027 and March 31, 2027", MARCH == 30),
        ("There are twenty-nine days between 1 March 2027 and 31 March 2027", MARCH == 29),
        ("There aren't twenty-nine days between 1 March 2027 and 31 March 2027", MARCH != 29),
        (f"There are {MARCH} days betwen March 1, 2027 and March 31, 2027", True),
        (f"{QUARTER} days separate 2027-01-01 and 2027-04-01", True),
        (f"March 1, 2027 is {MARCH} days before March 31, 2027", True),
        (f"March 31, 2027 is {MARCH} days after March 1, 2027", True),
        (f"It is {days(NOW.date(), date(2026, 12, 25))} days until Christmas", True),
        (f"It is more than {days(NOW.date(), date(2026, 12, 25))} days until Christmas", False),
    ],
)
def test_days_between_in_its_forms(prediction: str, holds: bool) -> None:
    assert computed(prediction) is holds


# --- numbers in words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("fifty-two Sundays", [("fifty two", 52)]),
        ("twelve times thirty-one", [("twelve", 12), ("thirty one", 31)]),
        ("three hundred and ninety-one", [("three hundred and ninety one", 391)]),
        ("two thousand and one hundred", [("two thousand and one hundred", 2100)]),
        ("nineteen ninety-six", [("nineteen ninety six", 1996)]),  # a year said in pairs
        ("twenty twenty-six", [("twenty twenty six", 2026)]),
        ("two and two make four", [("two", 2), ("two", 2), ("four", 4)]),  # "and" joins no units
        ("three four", [("three", 3), ("four", 4)]),
        ("a dozen", [("a dozen", 12)]),
        ("three dozen", [("three dozen", 36)]),
        ("a hundred and five", [("a hundred and five", 105)]),
        ("a man", []),
    ],
)
def test_numbers_in_words_follow_the_grammar_of_numbers(text: str, numbers: list[tuple[str, int]]) -> None:
    assert claim_words.spelled_numbers(text) == numbers


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("There are fifty-two Sundays in 2026", "There are 52 Sundays in 2026"),
        ("Three dozen is 36", "3 dozen is 36"),  # the unit stays for the calculator
        ("A dozen times twelve is 144", "1 dozen times 12 is 144"),
        ("4.99k plus 10 is 5,000", "4990 plus 10 is 5,000"),
        ("$1.2k", "$1200"),
        ("1.5 million divided by 3", "1500000 divided by 3"),
        ("$5m is a lot", "$5000000 is a lot"),
        ("5m is 500cm", "5m is 500cm"),  # metres, not millions, without a currency sign
    ],
)
def test_numbers_are_written_in_digits_for_the_readers(text: str, digits: str) -> None:
    assert claim_words.with_digits(text) == digits


def sundays(year: int) -> int:
    return sum(1 for n in range(366 if year % 4 == 0 else 365)
               if date.fromordinal(date(year, 1, 1).toordinal() + n).weekday() == 6)


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        ("There are fifty-two Sundays in 2026", sundays(2026) == 52),
        ("There are fifty two Sundays in 2026", sundays(2026) == 52),
        ("2026 has fifty-three Sundays", sundays(2026) == 53),
        ("2026 doesn't have fifty-two Sundays", sundays(2026) != 52),
        ("Twenty twenty-six has fifty-two Sundays", sundays(2026) == 52),
        ("Nineteen ninety-six was a leap year", True),
        ("Two thousand and one hundred will be a leap year", False),
        ("Twelve times thirty-one is 372", 12 * 31 == 372),
        ("Twelve times thirty-one is three hundred seventy-two", True),
        ("twelve times thirty-one isn't 372", False),
        ("Seven times eight is fifty-four", False),
        ("A dozen times twelve is 144", True),
        ("Three dozen is 36", True),
        ("Two dozen is not 24", False),
        ("Two and two make four", True),
        ("A million divided by a thousand is a thousand", True),
        ("Ten cubed is a thousand", True),
    ],
)
def test_counts_spelled_out_are_computed(prediction: str, holds: bool) -> None:
    assert computed(prediction) is holds


# --- square roots are arithmetic, not facts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        ("The square root of 144 is 12", True),
        ("The square root of 144 is not 12", False),
        ("the square root of 169 equals 13", True),
        ("sqrt(144) = 12", True),
        ("sqrt(2) > 1.41", math.sqrt(2) > 1.41),
        ("sqrt(2) >= 1.42", False),
        ("sqrt(2) is greater than 1.42", False),
        ("sqrt(2) is not greater than 1.42", True),
        ("\u221a2 < 1.5", True),
        ("The square root of 2 is more than 1.41", True),
        ("The square root of two is less than 1.5", True),
        ("sqrt(2) is about 1.414", True),
        ("The square root of the sum of 9 and 16 is 5", True),
    ],
)
def test_square_roots_are_arithmetic(prediction: str, holds: bool) -> None:
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and plan.source == "arithmetic"
    assert computed(prediction) is holds


# --- thousands separators and "k" --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        ("4,990 + 10 = 5,000", True),
        ("4,990 plus 10 is 5,000", True),
        ("1,000,000 divided by 1,000 is 1,000", True),
        ("1,000,000 / 1,000 is not 1,000", False),
        ("4.99k plus 10 is 5,000", True),
        ("4.99k + 10 = 5k", True),
        ("$4.99k plus $10 is $5,000", True),
        ("4.99k is less than 5k", True),
        ("$4.99k is more than $5,000", False),
        ("127,497 minus 30,098 equals 97,399", 127_497 - 30_098 == 97_399),
        ("The sum of 1,000 and 2,500 is 3,500", True),
        ("A 10% raise on $50,000 is $55,000", True),
    ],
)
def test_grouped_and_scaled_numbers_are_computed(prediction: str, holds: bool) -> None:
    assert computed(prediction) is holds


# --- calculations in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "holds"),
    [
        ("A 25% discount on $40 leaves $30.00", True),
        ("A 20% discount on $80 doesn't leave $74.00", True),
        ("$50 with 20% off is $40", True),
        ("$80 reduced by 25% is $60", True),
        ("$200 increased by 10% is $220", True),
        ("$100 plus 8% tax is $108", True),
        ("A 15% tip on $60 is $9", True),
        ("100 - 20% is 80", True),
        ("$1,000 at 5% interest compounded annually for 3 years grows to $1,157.63", True),
        ("$1,000 growing at 5% a year for 3 years is $1,157.63", True),
        ("11 km is more than 6 miles", True),
        ("11 km is not more than 7 miles", 11_000 / 1609.344 <= 7),
        ("100 km/h is about 62 mph", True),
        ("2 feet is not 24 inches", False),
        ("5,000 meters is 5 km", True),
        ("10 over 2 is 5", True),
        ("One third of 90 is 30", True),
        ("Half of 90 is 45", True),
        ("Twice 21 is 42", True),
        ("Double 21 is 43", False),
        ("The difference between 100 and 37 is 63", True),
        ("Subtracting 37 from 100 leaves 63", True),
        ("9 squared minus 1 is 80", True),
        ("2 to the power of 10 is 1,024", True),
        ("20% of 50 exceeds 9", True),
        ("2 + 2 is 5 or more", False),
    ],
)
def test_calculations_in_words_are_computed(prediction: str, holds: bool) -> None:
    assert computed(prediction) is holds


# --- negation flips the outcome exactly once ------------------------------------------------------------

CHRISTMAS = weekday(2026, 12, 25)


@pytest.mark.parametrize(
    ("positive", "negated"),
    [
        ("17 times 23 is 391", "17 times 23 is not 391"),
        ("17 times 23 is 391", "17 times 23 isn't 391"),
        ("17 times 23 is 391", "17 times 23 will never be 391"),
        ("17 times 23 is 391", "17 times 23 won't be 391"),
        ("17 times 23 is 391", "It is not true that 17 times 23 is 391"),
        ("12 times 12 equals 144", "12 times 12 doesn't equal 144"),
        ("12 times 12 equals 144", "12 times 12 will not equal 144"),
        ("20% of 50 exceeds 9", "20% of 50 does not exceed 9"),
        ("2 + 2 is more than 4", "2 + 2 is no more than 4"),
        ("2028 will be a leap year", "2028 won't be a leap year"),
        ("2028 is a leap year", "2028 is never a leap year"),
        (f"Christmas 2026 will be a {CHRISTMAS}", f"Christmas 2026 won't be a {CHRISTMAS}"),
        (f"Christmas 2026 will be a {CHRISTMAS}", f"Christmas 2026 will never be a {CHRISTMAS}"),
        (f"Christmas 2026 falls on a {CHRISTMAS}", f"Christmas 2026 never falls on a {CHRISTMAS}"),
        (f"Christmas 2026 is a {CHRISTMAS}", f"Christmas 2026 isn't a {CHRISTMAS}"),
        ("There are thirty days between March 1, 2027 and March 31, 2027",
         "There are not thirty days between March 1, 2027 and March 31, 2027"),
        ("2026 has fifty-two Sundays", "2026 will never have fifty-two Sundays"),
    ],
)
def test_a_negation_flips_the_verdict_once(positive: str, negated: str) -> None:
    assert computed(negated) is not computed(positive)


def test_two_negations_cancel() -> None:
    assert computed("17 times 23 is not not 391") is computed("17 times 23 is 391") is True


# --- what code leaves to the model -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "The square root of 16 plus 9 is 5",  # sqrt(16) + 9 or sqrt(25): the words do not say
        "Half of 10 plus 4 is 9",
        "A dozen eggs times 3 is 36 eggs",  # "eggs" is no unit
        "6 times 7 is 42, not 43",  # two values
        "2 + 2 = 4 and 3 + 3 = 6",  # two claims
        "50% more than 10 is 15",
        "1 mile is longer than 1 km",  # a comparison word the reader does not know
        "2026 is 2026",  # no calculation
        "$1,000 at 5% for 3 years grows to $1,157.63",  # simple or compound interest: not said
        "5 km is 3 kg",  # they measure different things
    ],
)
def test_claims_code_cannot_read_whole_are_left_to_the_model(claim: str) -> None:
    assert arithmetic_fields(claim) is None


def test_a_long_text_is_not_read_as_one_calculation() -> None:
    assert arithmetic_fields("1 plus 1 is 2 " * 40) is None
