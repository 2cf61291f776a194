"""What code reads in a claim before the model translates it: kind, negation, comparison, spelled numbers."""

from __future__ import annotations

import pytest

from calledit.agents import claim_words
from calledit.agents.checks import plan_check


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Christmas 2026 falls on a Friday", False),
        ("Christmas 2026 does not fall on a Friday", True),
        ("Christmas 2026 doesnt fall on a Friday", True),  # typed without the apostrophe
        ("2100 won\u2019t be a leap year", True),
        ("It is not true that 17 x 23 isn't 391", False),  # two negations cancel
        ("There are no more than 30 days until Christmas", True),  # "no more than" = not more than
        ("Nothing beats a Monday", False),
    ],
)
def test_negation_is_read_in_code(text: str, negated: bool) -> None:
    assert claim_words.negated(text) is negated


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("There are more than 20 days until Christmas", ">"),
        ("It is at least 20 days until Christmas", ">="),
        ("2027 has fewer than 53 Fridays", "<"),
        ("It is at most 30 days", "<="),
        ("17 x 23 is 391", "=="),
    ],
)
def test_the_comparison_is_read_in_code(text: str, relation: str) -> None:
    assert claim_words.comparison(text) == relation


def test_the_positive_claim_of_a_fact() -> None:
    assert claim_words.without_negation("Water doesn't boil at 50 C") == "Water does boil at 50 C"
    assert claim_words.without_negation("It is not true that Paris is in Italy") == "Paris is in Italy"


@pytest.mark.parametrize(
    ("prediction", "kind", "question"),
    [
        ("Easter Sunday 2029 falls on 2 April", "calendar", "date"),  # its Sunday is no weekday claim
        ("Gold is not a chemical element", "fact", None),  # no price, no date: no market data
        ("Water boils at 100 degrees Celsius at sea level", "fact", None),  # no place, no date: no weather
        ("I bet 2028 is a leap year", "calendar", "leap_year"),
        ("It is already Sunday in Auckland", "clock", None),
        ("A 20% discount on $50 leaves $40", "arithmetic", None),
    ],
)
def test_the_offline_kind_is_chosen_in_code(prediction: str, kind: str, question: str | None) -> None:
    plan = plan_check(prediction)
    assert plan is not None and (plan.source, plan.question) == (kind, question)


@pytest.mark.parametrize("prediction", ["Gold closes above $2,000 on Friday", "It snows in Denver tomorrow",
                                        "The Lakers win tonight", "My meeting goes well tomorrow"])
def test_data_and_personal_predictions_are_not_offline(prediction: str) -> None:
    plan = plan_check(prediction)
    assert plan is None or not plan.offline
