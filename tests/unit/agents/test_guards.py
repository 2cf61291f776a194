"""Mode and date guards, the time hinter, and their wiring into every creation agent."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calledit.agents.creation import CallContext
from calledit.agents.dates import resolve_dates
from calledit.agents.guards import TOOL_NAME, DateGuard, MethodGuard, ModeGuard, TimeHinter, read_mode_cues
from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.call import CallDraft, RecurringInterval, VerificationMode
from calledit.domain.events import CompleteEvent, ToolEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=NY)  # Saturday


def context(prompt: str, now: datetime = NOW, timezone: str = "America/New_York") -> CallContext:
    return CallContext(prompt=prompt, timezone=timezone, now=now)


def draft(**changes: Any) -> CallDraft:
    fields: dict[str, Any] = {
        "prediction_statement": "Something happens.",
        "verification_date": "2026-11-27T23:59:59-05:00",
        "date_reasoning": "The model's reasoning.",
        "verification_mode": "at_date",
        "recurring_interval": None,
        "verifiable_category": "api_tool_verifiable",
        "category_reasoning": "Needs outside data.",
        "verifiability_score": 0.8,
        "verification_method": {"source": ["a source"], "criteria": ["a criterion"], "steps": ["a step"]},
    }
    fields.update(changes)
    return CallDraft.model_validate(fields)


@pytest.mark.parametrize(
    ("prediction", "mode", "interval"),
    [
        ("Bitcoin stays above $80,000 every day next week", "recurring", "daily"),
        ("The S&P closes higher every Friday in December", "recurring", "weekly"),
        ("I go to the gym each morning", "recurring", "daily"),
        ("Jobless claims stay under 250,000 every week this quarter", "recurring", "weekly"),
        ("The euro will remain above 1.05 dollars through March", "recurring", "daily"),
        ("Mortgage rates are published weekly and keep rising", "recurring", "weekly"),
        ("Sales double by the end of the month", "before_date", None),
        ("People land on Mars before 2030", "before_date", None),
        ("The heatwave breaks within 10 days", "before_date", None),
        ("Nvidia becomes the most valuable company at some point this year", "before_date", None),
        ("Water boils at 100 C at sea level", "immediate", None),
        ("17 x 23 is 391", "immediate", None),
        ("Christmas 2026 falls on a Friday", "immediate", None),
        ("The Lakers will win tonight", "at_date", None),
        ("It will snow on Thursday", "at_date", None),
        ("In three weeks the Senate will pass the budget bill", "at_date", None),
        ("The Lakers will hold on to win tonight", "at_date", None),
        ("The Lakers will win by 10 points tonight", None, None),  # "by" here is no deadline: the model decides
        ("I'll quit smoking by my birthday on March 3, 2027", "before_date", None),  # the deadline is on that day
        ("London will have a heatwave next summer", None, None),  # a period: at or before, the model decides
        ("Oil holds above $70 a barrel", "recurring", "daily"),
    ],
)
def test_mode_cues(prediction: str, mode: str | None, interval: str | None) -> None:
    reading = read_mode_cues(prediction, resolve_dates(prediction, NOW, "America/New_York"))
    assert (reading.mode.value if reading.mode else None) == mode
    assert (reading.interval.value if reading.interval else None) == interval


def test_the_future_tense_is_seen_even_without_a_date() -> None:
    reading = read_mode_cues("Apple will release a car", [])
    assert reading.mode is None and reading.future


class TestModeGuard:
    def test_a_deadline_cue_overrules_the_model(self) -> None:
        prompt = "Amazon announces layoffs by the end of the month"
        fixed = ModeGuard()(draft(verification_mode="at_date"), context(prompt))
        assert fixed.verification_mode is VerificationMode.BEFORE_DATE
        assert "mode set to before_date" in fixed.date_reasoning
        assert fixed.date_reasoning.startswith("The model's reasoning.")

    def test_a_repeating_cue_sets_recurring_and_its_interval(self) -> None:
        fixed = ModeGuard()(draft(verification_mode="at_date"), context("The S&P closes higher every Friday"))
        assert fixed.verification_mode is VerificationMode.RECURRING
        assert fixed.recurring_interval is RecurringInterval.WEEKLY

    def test_the_interval_is_corrected_too(self) -> None:
        called = draft(verification_mode="recurring", recurring_interval="daily")
        fixed = ModeGuard()(called, context("I call my mother every Sunday"))
        assert fixed.recurring_interval is RecurringInterval.WEEKLY

    def test_a_future_event_is_never_immediate(self) -> None:
        fixed = ModeGuard()(draft(verification_mode="immediate"), context("Apple will release a car in 2027"))
        assert fixed.verification_mode is VerificationMode.AT_DATE
        assert "future" in fixed.date_reasoning

    def test_a_fact_is_immediate(self) -> None:
        fixed = ModeGuard()(draft(verification_mode="recurring", recurring_interval="daily"),
                            context("Water boils at 100 C at sea level"))
        assert fixed.verification_mode is VerificationMode.IMMEDIATE
        assert fixed.recurring_interval is None

    def test_agreement_changes_nothing(self) -> None:
        called = draft(verification_mode="at_date")
        assert ModeGuard()(called, context("The Lakers will win tonight")) is called

    def test_one_named_day_means_at_date(self) -> None:
        fixed = ModeGuard()(draft(verification_mode="recurring", recurring_interval="daily"),
                            context("In three weeks the Senate will pass the budget bill"))
        assert fixed.verification_mode is VerificationMode.AT_DATE

    def test_without_a_cue_the_model_decides(self) -> None:
        called = draft(verification_mode="before_date")
        assert ModeGuard()(called, context("Apple will release a car in 2027")) is called
        assert ModeGuard()(called, context("The Lakers will win by 10 points tonight")) is called


class TestDateGuard:
    def test_a_contradicting_date_is_replaced_and_explained(self) -> None:
        called = draft(verification_date="2026-11-28T23:59:59-05:00")  # Saturday, not Friday
        fixed = DateGuard()(called, context("The vote passes next Friday"))
        assert fixed.verification_date.isoformat() == "2026-11-27T23:59:59-05:00"
        assert '"next Friday" resolves to it' in fixed.date_reasoning
        assert "2026-11-28T23:59:59-05:00" in fixed.date_reasoning  # what the model wrote

    def test_a_past_date_for_a_future_event_is_replaced(self) -> None:
        called = draft(verification_date="2025-11-21T23:59:59-05:00")
        fixed = DateGuard()(called, context("The Lakers will win tonight"))
        assert fixed.verification_date.isoformat() == "2026-11-21T23:59:59-05:00"

    def test_a_date_inside_the_named_span_stands(self) -> None:
        called = draft(verification_date="2026-11-22T03:00:00Z")  # 22:00 in New York, tonight
        fixed = DateGuard()(called, context("The Lakers will win tonight"))
        assert fixed.verification_date.isoformat() == "2026-11-21T22:00:00-05:00"  # same instant, user's offset
        assert fixed.date_reasoning == called.date_reasoning

    def test_a_deadline_must_be_the_deadline(self) -> None:
        called = draft(verification_mode="before_date", verification_date="2026-12-20T12:00:00-05:00")
        fixed = DateGuard()(called, context("Bitcoin hits $150k by the end of 2026"))
        assert fixed.verification_date.isoformat() == "2026-12-31T23:59:59-05:00"

    def test_before_ends_the_day_before(self) -> None:
        called = draft(verification_mode="before_date", verification_date="2026-12-25T23:59:59-05:00")
        fixed = DateGuard()(called, context("The renovation is done before Christmas"))
        assert fixed.verification_date.isoformat() == "2026-12-24T23:59:59-05:00"

    def test_a_recurring_call_is_checked_within_its_period(self) -> None:
        called = draft(verification_mode="recurring", recurring_interval="daily",
                       verification_date="2026-11-24T23:59:59-05:00")
        assert DateGuard()(called, context("It stays dry every day next week")).verification_date == \
            called.verification_date
        late = draft(verification_mode="recurring", recurring_interval="daily",
                     verification_date="2027-01-24T23:59:59-05:00")
        fixed = DateGuard()(late, context("It stays dry every day next week"))
        assert fixed.verification_date.isoformat() == "2026-11-29T23:59:59-05:00"

    def test_an_immediate_call_is_checked_now(self) -> None:
        called = draft(verification_mode="immediate", verification_date="2027-06-01T00:00:00-04:00")
        fixed = DateGuard()(called, context("17 x 23 is 391"))
        assert fixed.verification_date == NOW

    def test_without_any_date_a_future_date_stands(self) -> None:
        called = draft(verification_date="2027-03-01T00:00:00-05:00")
        assert DateGuard()(called, context("Apple will release a car")).verification_date == \
            called.verification_date

    def test_without_any_date_a_past_date_moves_ahead(self) -> None:
        called = draft(verification_date="2020-03-01T00:00:00-05:00")
        fixed = DateGuard()(called, context("Apple will release a car"))
        assert fixed.verification_date > NOW
        assert "names no date" in fixed.date_reasoning

    def test_a_loose_expression_only_keeps_the_date_out_of_the_past(self) -> None:
        playoffs = draft(verification_date="2027-06-30T23:59:59-04:00")
        assert DateGuard()(playoffs, context("The Lakers make the playoffs this season")).verification_date == \
            playoffs.verification_date
        past = draft(verification_date="2026-01-01T00:00:00-05:00")
        fixed = DateGuard()(past, context("The Lakers make the playoffs this season"))
        assert fixed.verification_date > NOW

    def test_numeric_dates_follow_the_user_region(self) -> None:
        called = draft(verification_date="2026-12-03T23:59:59+00:00")
        fixed = DateGuard()(called, context("The strike goes ahead on 12/3", timezone="Europe/London",
                                            now=NOW.astimezone(ZoneInfo("Europe/London"))))
        assert fixed.verification_date.isoformat() == "2027-03-12T23:59:59+00:00"


def test_the_hinter_gives_the_model_dates_and_reports_a_tool_use() -> None:
    hints, events = TimeHinter()(context("Amazon announces layoffs by the end of the month"))
    # The date and mode are prefilled (DatePrefill): the model gets the date in words, for the statement.
    assert hints == ['"end of the month" is Monday, November 30, 2026']
    (event,) = events
    assert event.name == TOOL_NAME
    assert event.input["resolved"][0]["check_at"] == "2026-11-30T23:59:59-05:00"
    assert event.input["timezone"] == "America/New_York"


def test_the_hinter_says_now_for_a_fact() -> None:
    hints, _ = TimeHinter()(context("Water boils at 100 C at sea level"))
    assert hints == []  # checkable now: the date and mode are code's, nothing to tell the model


def test_the_hinter_lists_other_dates_and_the_interval() -> None:
    hints, _ = TimeHinter()(context("Said yesterday: it stays dry every day next week"))
    assert hints == ['"yesterday" is Friday, November 20, 2026',
                     '"next week" is Sunday, November 29, 2026']


async def test_every_creation_agent_gets_the_hints_and_guards(settings: Settings) -> None:
    answer = draft(verification_date="2026-11-28T23:59:59-05:00", verification_mode="before_date")
    model = ScriptedModel(rate=0, responses=[json.dumps(answer.model_dump(mode="json"))])
    agent = creation_agent(settings, Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [event async for event in agent.stream("The vote passes next Friday", "America/New_York")]
    assert isinstance(events[0], ToolEvent) and events[0].name == TOOL_NAME
    assert '"next Friday" is Friday, November 27, 2026' in model.requests[0]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.content.verification_date.isoformat() == "2026-11-27T23:59:59-05:00"
    assert complete.content.verification_mode is VerificationMode.AT_DATE  # one named day, no deadline word
    assert "mode set to at_date" in complete.content.date_reasoning
    # The date guard's note, with its dates written for people by the fidelity guard (issue 18).
    assert "date set to the end of Friday, November 27, 2026" in complete.content.date_reasoning
    # The steps are code's, from the final mode and date (MethodGuard), whatever the model wrote.
    assert complete.content.verification_method.steps[0] == "On Friday, November 27, 2026, look it up in the source"


@pytest.mark.parametrize(
    ("prediction", "suggested"),
    [
        ("Today is a Saturday", True),
        ("It is already Sunday in Auckland", True),
        ("This month has 31 days", True),
        ("Water boils at 100 C at sea level", False),
        ("The Lakers will win tonight", False),  # about later, not now
        ("It will rain today", False),
    ],
)
def test_a_fact_about_the_present_moment_is_suggested_as_clock_checkable(prediction: str, suggested: bool) -> None:
    hints, _ = TimeHinter()(context(prediction))
    assert any("current_tool_verifiable" in hint for hint in hints) is suggested


def test_a_date_the_model_writes_itself_comes_as_iso_to_copy() -> None:
    """No firm date and no mode cue: the model writes verification_date, so the loose readings are ISO."""
    hints, _ = TimeHinter()(context("Prices will be lower this season"))
    assert hints == ['"this season" = 2026-11-30T23:59:59-05:00']


@pytest.mark.parametrize(("prediction", "category"), [
    ("Amazon will announce layoffs before the end of the month", "api_tool_verifiable"),  # still to come
    ("The Nile flows into the Mediterranean", "agent_verifiable"),  # fixed knowledge stays
])
def test_an_event_still_to_come_is_not_fixed_knowledge(prediction: str, category: str) -> None:
    from calledit.agents.guards import CategoryGuard

    called = draft(verifiable_category="agent_verifiable",
                   verification_mode="before_date" if "will" in prediction else "immediate")
    assert CategoryGuard()(called, context(prediction)).verifiable_category.value == category


@pytest.mark.parametrize(("changes", "steps"), [
    ({}, ["On Friday, November 27, 2026, look it up in the source",
          "Confirmed if the criterion holds, refuted if not"]),
    ({"verification_mode": "before_date"},
     ["Until Friday, November 27, 2026, watch the source",
      "Confirmed once the criterion holds; refuted if it has not by Friday, November 27, 2026"]),
    ({"verification_mode": "recurring", "recurring_interval": "weekly"},
     ["Each week until Friday, November 27, 2026, check the source",
      "Confirmed only if the criterion holds every time"]),
    ({"verifiable_category": "human_verifiable_only", "verification_mode": "before_date"},
     ["On Friday, November 27, 2026, ask the user whether it happened by then"]),
    ({"verification_mode": "immediate", "verification_date": "2026-11-21T10:00:00-05:00"},
     ["Look it up in the source now", "Confirmed if the criterion holds, refuted if not"]),
    ({"verification_date": "2026-11-27T18:30:00-05:00"},
     ["On Friday, November 27, 2026, 6:30 pm, look it up in the source",
      "Confirmed if the criterion holds, refuted if not"]),
])
def test_the_method_steps_follow_the_mode_category_and_date(changes: dict[str, Any], steps: list[str]) -> None:
    fixed = MethodGuard()(draft(**changes), context("Something happens"))
    assert fixed.verification_method.steps == steps
    assert fixed.verification_method.source == ["a source"]  # the model's own
    assert fixed.verification_method.criteria == ["Something happens."]  # the final statement


def test_a_whole_day_hint_names_the_day_not_its_end() -> None:
    """The model copied "the end of Wednesday, ..." into statements: a whole day is hinted as the day itself."""
    hints, _ = TimeHinter()(context("It will rain in London tomorrow", timezone="Europe/London",
                                    now=NOW.astimezone(ZoneInfo("Europe/London"))))
    assert hints == ['"tomorrow" is Sunday, 22 November 2026']


def test_today_is_hinted_only_where_the_user_turn_does_not_say_it() -> None:
    """A claim about now gets the day in the user turn: a hint for "today" would cost its tokens again. A call
    with a later date gets no clock line (the model added today's date to statements that never spoke of
    it), so "than it did today" gets its day as a fact."""
    hints, _ = TimeHinter()(context("The Sensex will close higher tomorrow than it did today"))
    assert hints == ['"today" is Saturday, November 21, 2026', '"tomorrow" is Sunday, November 22, 2026']
    hints, _ = TimeHinter()(context("Today is a Saturday"))
    assert not any(hint.startswith('"today"') for hint in hints)


def test_a_span_from_now_is_hinted_as_its_day() -> None:
    """ "within 6 months" ends at this minute six months on: the statement needs the day, not ", 10:00"."""
    hints, _ = TimeHinter()(context("The new metro line will open within 6 months"))
    assert hints == ['"within 6 months" is Friday, May 21, 2027']
