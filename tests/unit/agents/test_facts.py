"""Code's reading of a fixed fact's answer against the claim (agents/facts.py)."""

from __future__ import annotations

import pytest

from calledit.agents.facts import Agreement, asks_about, compare, subject_of

AGREES, CONTRADICTS, UNCLEAR = Agreement.AGREES, Agreement.CONTRADICTS, Agreement.UNCLEAR


@pytest.mark.parametrize(("claim", "question", "answer", "expected"), [
    # open questions: the answer names the claim's thing, or another
    ("Spiders are insects.", "Which group of animals do spiders belong to?", "Arachnida", CONTRADICTS),
    ("Venus is the planet closest to the Sun.", "Which planet is closest to the Sun?", "Mercury", CONTRADICTS),
    ("Sydney is the capital of Australia.", "Which city is the capital of Australia?", "Canberra", CONTRADICTS),
    ("Canberra is the capital of Australia.", "Which city is the capital of Australia?", "Canberra", AGREES),
    ("The Amazon river does flow into the Atlantic Ocean.", "Which ocean does the Amazon River flow into?",
     "The Atlantic Ocean", AGREES),
    ("The Pacific is the smallest ocean.", "Which ocean is the smallest in the world?", "Arctic Ocean", CONTRADICTS),
    # numbers decide first, spelled or in digits, with extra numbers allowed
    ("Water boils at 100 degrees Celsius at sea level.", "At what temperature does water boil at sea level?",
     "100 degrees Celsius (212 F)", AGREES),
    ("Water boils at 90 degrees Celsius at sea level.", "At what temperature does water boil at sea level?",
     "100 degrees Celsius", CONTRADICTS),
    ("Mars has two moons.", "How many moons does Mars have?", "2", AGREES),
    ("A spider has six legs.", "How many legs does a spider have?", "Eight", CONTRADICTS),
    # yes/no questions: the leading word, or a negation in a restatement
    ("Gold is a chemical element.", "Is gold a chemical element?", "Yes", AGREES),
    ("Gold is a chemical element.", "Is gold a chemical element?", "Gold is a chemical element.", AGREES),
    ("Humans have three lungs.", "Do humans have three lungs?", "False", CONTRADICTS),
    ("Penguins can fly.", "Can penguins fly?", "Penguins cannot fly", CONTRADICTS),
    ("Iron is a liquid at room temperature.", "Is iron a liquid at room temperature?", "no", CONTRADICTS),
    # what does not settle it in words is unclear, never a guess
    ("The Eiffel Tower is in Berlin.", "In which city is the Eiffel Tower?", "I am not sure", UNCLEAR),
    ("Whales are mammals.", "Are whales mammals?", "It depends on the species", UNCLEAR),
    ("Sydney is the capital of Australia.", "Which city is the capital of Australia?",
     "A large city with a famous harbour, opera house and many beaches", UNCLEAR),
    ("Gold is a chemical element.", "Which element is gold?", "", UNCLEAR),
])
def test_the_answer_is_read_against_the_claim(claim: str, question: str, answer: str, expected: Agreement) -> None:
    assert compare(claim, question, answer) is expected


@pytest.mark.parametrize(("claim", "question", "about"), [
    ("Mars has two moons.", "How many moons does Mars have?", True),
    ("Mars has two moons.", "Which planet has two moons?", False),  # the subject dropped: asked again
    ("Mount Everest is the tallest mountain on Earth.", "Which is the tallest mountain on Earth?", True),
    ("Humans have three lungs.", "Which body part has three chambers?", False),
])
def test_a_question_must_keep_the_claims_subject(claim: str, question: str, about: bool) -> None:
    assert asks_about(question, subject_of(claim)) is about
