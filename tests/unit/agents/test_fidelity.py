"""Statement fidelity (issue 18): each rule, the repair, the rebuild, and the guard in every creation agent."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calledit.agents.creation import CallContext
from calledit.agents.fidelity import (
    FidelityGuard,
    Reading,
    call_failures,
    faithful_statement,
    rebuild,
    statement_failures,
)
from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.call import CallDraft
from calledit.domain.events import CompleteEvent
from calledit.evaluation import load_dataset
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=LONDON)  # a Saturday
DEV = Path(__file__).resolve().parents[3] / "eval" / "dev.json"


def reading(prompt: str, timezone: str = "Europe/London", now: datetime = NOW) -> Reading:
    return Reading.of(prompt, now, timezone, now)


def broken(prompt: str, statement: str) -> set[str]:
    return {failure.rule for failure in statement_failures(statement, reading(prompt))}


@pytest.mark.parametrize(
    ("prompt", "statement", "rules"),
    [
        # numbers: kept, never invented
        ("12 times 31 is more than 380", "12 times 31 is more than 380.", set()),
        ("12 times 31 is more than 380", "12 times 31 equals 372, which is more than 380.", {"new_number"}),
        ("Bitcoin will hit $150k by the end of 2027", "Bitcoin will reach $150,000 by 31 December 2027.", set()),
        ("Bitcoin will hit $150k by the end of 2027", "Bitcoin will reach a new high by the end of 2027.",
         {"numbers", "units"}),
        ("Three goals will be scored", "3 goals will be scored.", set()),
        # units in any spelling
        ("Water boils at 100 C at sea level", "Water boils at 100 °C at sea level.", set()),
        ("Inflation falls below 2%", "Inflation falls below 2 percent.", set()),
        ("A marathon is longer than 40 kilometres", "A marathon is longer than 40.", {"units"}),
        # names, case aside; an acronym may be spelled out
        ("The Lakers will beat the Celtics tonight",
         "The Los Angeles Lakers will beat the Boston Celtics tonight (Saturday, 21 November 2026).", set()),
        ("The Lakers will beat the Celtics tonight", "The home team will win tonight (Saturday, 21 November 2026).",
         {"names"}),
        ("The ECB cuts rates next Thursday", "The European Central Bank cuts rates on Thursday, 26 November 2026.",
         set()),
        # negations, one for one
        ("It won't rain in London tomorrow", "It will not rain in London on Sunday, 22 November 2026.", set()),
        ("It won't rain in London tomorrow", "It will rain in London on Sunday, 22 November 2026.", {"negation"}),
        ("Bitcoin hits $100k", "Bitcoin does not hit $100k.", {"negation"}),
        # dates: kept as words or as the date; relative words get their date
        ("Tesla stock will close above $300 on March 15, 2027", "Tesla stock will close above $300.", {"dates"}),
        ("It will rain in London tomorrow", "It will rain in London tomorrow.", {"relative"}),
        ("It will rain in London tomorrow", "It will rain in London on 24 November 2026.", {"dates", "new_number"}),
        ("The Lakers make the playoffs this season", "The Lakers make the playoffs this season.", {"relative"}),
        # no machine formats
        ("Christmas 2027 will be a Saturday", "Christmas 2027 will be a Saturday 2027-12-25T23:59:59+00:00.",
         {"machine_format"}),
        ("There are fewer than 60 days left until New Year",
         "There are fewer than 60 days left until New Year 2027-01-01.", {"machine_format"}),
        # the statement does not judge itself
        ("12 squared is 154", "12 squared is 154, which is false.", {"verdict_words"}),
    ],
)
def test_each_rule(prompt: str, statement: str, rules: set[str]) -> None:
    assert broken(prompt, statement) == rules


@pytest.mark.parametrize(
    ("prompt", "model_wrote", "shown", "how"),
    [
        # the examples, as regression cases
        ("Christmas 2027 will be a Saturday", "Christmas 2027 will be a Saturday 2027-12-25T23:59:59+00:00.",
         "Christmas 2027 will be a Saturday.", "mended"),
        ("12 times 31 is more than 380", "12 times 31 equals 372, which is more than 380.",
         "12 times 31 is more than 380.", "rebuilt"),
        ("There are fewer than 60 days left until New Year",
         "There are fewer than 60 days left until New Year 2027-01-01.",
         "There are fewer than 60 days left until New Year (Friday, 1 January 2027).", "mended"),
        # a negation in the prompt is kept
        ("It won't rain in London tomorrow", "It will rain in London tomorrow.",
         "It won't rain in London tomorrow (Sunday, 22 November 2026).", "rebuilt"),
        ("The Lakers will beat the Celtics tonight", "The Los Angeles Lakers will beat the Boston Celtics tonight.",
         "The Los Angeles Lakers will beat the Boston Celtics tonight (Saturday, 21 November 2026).", "mended"),
        # a weekday claim is not given away by the date written out
        ("Today is a Saturday", "Today is a Saturday.", "Today (21 November 2026) is a Saturday.", "mended"),
        ("It will snow in Denver on Thursday", "It will snow in Denver on Thursday.",
         "It will snow in Denver on Thursday (26 November 2026).", "mended"),
        ("I'll get promoted at my review on 2027-01-15 at 3pm",
         "I will get promoted at my review on 2027-01-15T15:00:00+00:00.",
         "I will get promoted at my review on Friday, 15 January 2027, 15:00.", "mended"),
        ("I'll get promoted at my review on 2027-01-15 at 3pm", "I will get promoted at 2027-01-15T16:00:00+00:00.",
         "I'll get promoted at my review on Friday, 15 January 2027 at 3pm.", "rebuilt"),  # 4 pm is a new time
        ("The Lakers make the playoffs this season", "The Lakers make the playoffs this season.",
         "The Lakers make the playoffs this season (checked on Saturday, 21 November 2026).", "mended"),
        ("Bitcoin will hit $150k by the end of 2027", "Bitcoin will reach $150,000 by 31 December 2027.",
         "Bitcoin will reach $150,000 by 31 December 2027.", "kept"),
        ("I bet it rains in London tomorrow", "Sunshine in London.", "It rains in London tomorrow (Sunday, 22 "
         "November 2026).", "rebuilt"),
    ],
)
def test_a_broken_statement_is_mended_or_rebuilt(prompt: str, model_wrote: str, shown: str, how: str) -> None:
    seen = reading(prompt)
    assert faithful_statement(model_wrote, seen) == (shown, how)
    assert statement_failures(shown, seen) == []


def test_a_past_day_read_ahead_by_the_resolver_gets_no_wrong_date() -> None:
    """Said on 21 November 2026, "November 3" in a past-tense call is the 3rd just gone, not next year's."""
    past = Reading.of("The Lakers beat the Celtics on November 3", NOW, "Europe/London", NOW, immediate=True)
    assert rebuild(past) == "The Lakers beat the Celtics on November 3."
    assert statement_failures("The Lakers beat the Celtics on 3 November 2026.", past) == []
    ahead = Reading.of("The Lakers beat the Celtics on November 3", NOW, "Europe/London", NOW)
    assert rebuild(ahead) == "The Lakers beat the Celtics on November 3 (Wednesday, 3 November 2027)."


def test_dates_follow_the_users_order_and_zone() -> None:
    new_york = reading("The Knicks will win tomorrow", "America/New_York", NOW.astimezone(ZoneInfo("America/New_York")))
    assert rebuild(new_york) == "The Knicks will win tomorrow (Sunday, November 22, 2026)."


def test_a_rebuilt_statement_keeps_every_rule_for_every_dev_prompt() -> None:
    for case in load_dataset(DEV).cases:
        seen = Reading.of(case.prediction, case.now, case.timezone, case.now)
        statement = rebuild(seen)
        assert statement_failures(statement, seen) == [], (case.id, statement)


_WORDS = st.sampled_from([
    "It", "will", "rain", "in", "Paris", "tomorrow", "tonight", "2027-12-25T23:59:59+00:00", "$150k", "12", "times",
    "31", "is", "not", "won't", "on", "Friday", "by", "the", "end", "of", "month", "12/3", "ECB", "I", "bet",
    "every", "day", "next", "week", "this season", "last night", "°C", "%", "3pm", "6:15", "Christmas", "a",
    "Saturday", "March 15, 2027", "within 10 days", "2030", "in 9000 years",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=10).map(" ".join), st.lists(_WORDS, max_size=10).map(" ".join))
def test_whatever_the_words_the_shown_statement_keeps_every_rule(prompt: str, model_wrote: str) -> None:
    seen = reading(prompt)
    shown, _ = faithful_statement(model_wrote or "x", seen)
    assert statement_failures(shown, seen) == []


def _draft(**changes: Any) -> CallDraft:
    fields: dict[str, Any] = plausible_call("It will rain in London tomorrow", NOW)
    fields.update(changes)
    return CallDraft.model_validate(fields)


def test_the_guard_writes_dates_for_people_in_the_method_and_the_reasons() -> None:
    draft = _draft(
        prediction_statement="It will rain in London on Sunday, 22 November 2026.",
        date_reasoning="Tomorrow is 2026-11-22; checked at 2026-11-22T23:59:59+00:00.",
        category_reasoning="Rain data for 2026-11-22 comes from a weather service.",
        verification_method={"source": ["Met Office"], "criteria": ["Rain on 2026-11-22"],
                             "steps": ["Read the rain total for 2026-11-22"]},
    )
    fixed = FidelityGuard()(draft, CallContext("It will rain in London tomorrow", "Europe/London", NOW))
    assert fixed.prediction_statement == draft.prediction_statement
    assert fixed.date_reasoning == ("Tomorrow is Sunday, 22 November 2026; checked at the end of Sunday, "
                                    "22 November 2026.")
    assert fixed.verification_method.criteria == ["Rain on Sunday, 22 November 2026"]
    assert "2026-11-22" not in fixed.category_reasoning + fixed.verification_method.steps[0]
    assert call_failures(fixed, reading("It will rain in London tomorrow")) == []


def test_the_guard_leaves_a_faithful_call_alone() -> None:
    draft = _draft(prediction_statement="It will rain in London on Sunday, 22 November 2026.",
                   date_reasoning="Tomorrow.")
    assert FidelityGuard()(draft, CallContext("It will rain in London tomorrow", "Europe/London", NOW)) is draft


async def test_the_repair_path_on_the_scripted_model() -> None:
    prompt = "12 times 31 is more than 380"
    answer = plausible_call(prompt, NOW) | {
        "prediction_statement": "12 times 31 equals 372, which is more than 380.",
        "verification_mode": "immediate",
        "date_reasoning": f"Checked now, {NOW.isoformat()}.",
    }
    model = ScriptedModel(rate=0, responses=[json.dumps(answer)])
    agent = creation_agent(Settings(model="scripted"), Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [event async for event in agent.stream(prompt, "Europe/London")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.content.prediction_statement == "12 times 31 is more than 380."
    assert complete.content.date_reasoning.startswith("Checked now, Saturday, 21 November 2026, 10:00.")
    assert call_failures(complete.content, reading(prompt)) == []
    assert len(model.requests) == 1, "no second model round"


@pytest.mark.parametrize(("prompt", "statement", "once"), [
    ("Tesla stock will close above $300 on March 15, 2027",
     "Tesla stock will close above $300 on March 15, 2027, 15 March 2027.",
     "Tesla stock will close above $300 on March 15, 2027."),
    ("Apple will unveil a foldable iPhone on September 9, 2027",
     "Apple will unveil a foldable iPhone on September 9, 2027, 2027.",
     "Apple will unveil a foldable iPhone on September 9, 2027."),
    ("London will have a heatwave next summer",
     "London will have a heatwave next summer (1 June - 31 August 2027), 2027.",
     "London will have a heatwave next summer (1 June - 31 August 2027)."),
    ("It will rain on 3 March 2027", "It will rain on 3 March 2027 (Wednesday, 3 March 2027).",
     "It will rain on 3 March 2027."),
    ("July 4, 2026 falls on a Saturday", "July 4, 2026 falls on a Saturday, 2026.",
     "July 4, 2026 falls on a Saturday."),
    ("I'll get promoted on 2027-01-15 at 3pm", "The user gets promoted on Friday, 15 January 2027, 15:00, 2027.",
     "The user gets promoted on Friday, 15 January 2027, 15:00."),
])
def test_a_date_named_twice_is_said_once(prompt: str, statement: str, once: str) -> None:
    """The small model appended the date it was given after the one it had already written."""
    assert faithful_statement(statement, reading(prompt)) == (once, "kept")


def test_the_prediction_s_own_repeat_stays() -> None:
    prompt = "It snows on 1 January 2027, and again on 1 January 2027"
    assert faithful_statement(prompt + ".", reading(prompt)) == (prompt + ".", "kept")


@pytest.mark.parametrize(("prompt", "statement", "immediate", "checked", "once"), [
    ("Water boils at 100 C at sea level", "Water boils at 100 C at sea level, 21 November 2026.", True, None,
     "Water boils at 100 C at sea level."),
    ("New Year's Day 2027 is a Sunday", "New Year's Day 2027 is a Sunday, 21 November 2026.", True, None,
     "New Year's Day 2027 is a Sunday."),  # the weekday claimed stays
    ("SpaceX will land people on Mars before 2030", "SpaceX will land people on Mars before 2030, 21 November 2026.",
     False, "2029-12-31T23:59:59+00:00", "SpaceX will land people on Mars before 2030."),
    ("The Lakers will win tonight", "The Lakers will win tonight (21 November 2026).", False,
     "2026-11-21T23:59:59+00:00", "The Lakers will win tonight (21 November 2026)."),  # today is the day
    ("It is already Saturday in Tokyo", "It is already Saturday, 21 November 2026, in Tokyo.", True, None,
     "It is already Saturday, 21 November 2026, in Tokyo."),  # a claim about the present day
    ("The Lakers will win", "The Lakers will win on 21 November 2026.", False, "2026-11-21T23:59:59+00:00",
     "The Lakers will win on 21 November 2026."),  # checked today: the day says when
])
def test_today_s_date_stays_only_where_it_belongs(prompt: str, statement: str, immediate: bool, checked: str | None,
                                                  once: str) -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("UTC"))
    when = datetime.fromisoformat(checked) if checked else now
    read = Reading.of(prompt, now, "UTC", when, immediate=immediate)
    assert faithful_statement(statement, read) == (once, "kept")
