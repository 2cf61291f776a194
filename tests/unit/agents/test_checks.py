"""The check at creation: code picks the source and the dates, the model only writes the query."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from calledit.agents.checks import check_range, complete_check, detect_source, plan_check, plan_fields
from calledit.agents.creation import CreationAgent, call_output
from calledit.agents.setup import creation_agent
from calledit.config import Settings
from calledit.domain.call import CallDraft, VerifiableCategory
from calledit.domain.check import SportsCheck, WeatherCheck
from calledit.domain.events import CompleteEvent
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel, plausible_call

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prediction", "source"),
    [
        ("The Celtics win tonight", "sports"),
        ("I bet the Lakers beat the Heat on Friday", "sports"),
        ("Man City beat Arsenal this weekend", "sports"),
        ("It snows in Denver tomorrow", "weather"),
        ("There will be a heat wave in Paris next week", "weather"),
        ("Auckland will reach 25 C on New Year's Day", "weather"),  # a temperature with its unit
        ("Tokyo's daily high will stay below 10 C every day this weekend", "weather"),
        ("Phoenix hits 110°F on Saturday", "weather"),
        ("The Vitamin C trial reports on Friday", None),  # a capital C that is no unit
        ("Bitcoin hits $100k by the end of 2026", "crypto"),
        ("Ethereum is above $5,000 on New Year's Day", "crypto"),
        ("Unemployment is below 4% in March", "economy"),
        ("The S&P 500 closes above 6000 on Friday", "market"),
        ("Gold closes above $2,000 every day this week", "market"),
        ("I will finish my novel by the end of the month", None),
        ("My meeting goes well tomorrow", None),
        ("We win the pub quiz tonight", None),
        ("Biden wins the election", None),
        ("144 divided by 12 is 12", None),
        ("The Nile flows into the Mediterranean", None),
    ],
)
def test_the_source_is_chosen_in_code(prediction: str, source: str | None) -> None:
    assert detect_source(prediction) == source


def test_a_game_knows_its_league_and_teams_before_the_model_writes() -> None:
    plan = plan_check("I bet the Lakers beat the Heat on Friday")
    assert plan is not None
    assert plan.known == {"sport": "basketball", "league": "nba", "team": "Los Angeles Lakers",
                          "opponent": "Miami Heat", "variable": "win", "comparator": "==", "threshold": 1,
                          "unit": None}
    schema = plan.schema()
    assert not {"team", "league", "variable", "threshold"} & set(schema["properties"])
    assert "Los Angeles Lakers" in plan.hint


def test_the_request_schema_carries_the_query_only_when_a_source_was_chosen() -> None:
    assert "check" not in call_output(None).schema["properties"]
    plan = plan_check("The weather in Boston will be nice on Friday")  # no variable in the words
    schema = call_output(plan).schema
    assert schema["required"][-1] == "check"
    branches = schema["properties"]["check"]["anyOf"]
    assert all("start" not in branch["properties"] for branch in branches)  # dates are code's


def _draft(mode: str, when: str) -> CallDraft:
    call = plausible_call("x", NOW)
    call.update(verification_mode=mode, verification_date=when, recurring_interval="daily" if mode == "recurring"
                else None)
    return CallDraft.model_validate(call)


@pytest.mark.parametrize(
    ("prediction", "mode", "when", "expected"),
    [
        ("It snows in Denver tomorrow", "at_date", "2026-12-02T23:59:59+00:00",
         (date(2026, 12, 2), date(2026, 12, 2), "at_end")),
        ("Bitcoin hits $100k by the end of 2026", "before_date", "2026-12-31T23:59:59+00:00",
         (date(2026, 12, 1), date(2026, 12, 31), "any_day")),
        ("Gold closes above $2,000 every day this week", "recurring", "2026-12-06T23:59:59+00:00",
         (date(2026, 12, 1), date(2026, 12, 6), "every_day")),
        ("It rained in London yesterday", "immediate", "2026-12-01T15:00:00+00:00",
         (date(2026, 11, 30), date(2026, 11, 30), "at_end")),
    ],
)
def test_dates_and_reading_come_from_the_words_and_the_mode(
    prediction: str, mode: str, when: str, expected: tuple[date, date, str]
) -> None:
    assert check_range(prediction, _draft(mode, when), NOW, "UTC") == expected


def test_a_query_that_does_not_validate_leaves_no_check() -> None:
    prediction = "It will be windy in Denver tomorrow"  # the variable is code's; the unit the model's
    plan = plan_check(prediction)
    assert plan is not None
    draft = _draft("at_date", "2026-12-02T23:59:59+00:00")
    bad = {"source": "weather", "place": "Denver", "comparator": ">", "threshold": 40, "unit": "°F"}
    assert complete_check(plan, bad, draft, prediction, NOW, "UTC") is None
    assert complete_check(plan, None, draft, prediction, NOW, "UTC") is None
    other = {"source": "market", "symbol": "AAPL", "variable": "close", "comparator": ">", "threshold": 1}
    assert complete_check(plan, other, draft, prediction, NOW, "UTC") is None


@pytest.mark.parametrize(("prediction", "known"), [
    ("It snows in Denver tomorrow", {"variable": "snowfall_sum", "comparator": ">", "threshold": 0, "unit": "cm"}),
    ("It will rain in London on Friday", {"variable": "rain_sum", "comparator": ">", "threshold": 0, "unit": "mm"}),
    ("It will be below freezing in Chicago tomorrow morning",
     {"variable": "temperature_2m_min", "comparator": "<", "threshold": 0, "unit": "C"}),
    ("More than 10 mm of rain in Paris tomorrow", {"variable": "rain_sum", "comparator": ">"}),  # amount: model's
    ("It won't rain in Seattle this weekend", {"variable": "rain_sum"}),  # a negation: the condition too
    ("It will be windy in Boston tomorrow", {"variable": "wind_speed_10m_max"}),
    ("The temperature in London will be above 10 C on Christmas Day",
     {"variable": "temperature_2m_max", "unit": "C", "comparator": ">"}),
    ("Phoenix will reach 100 degrees F on the Fourth of July",
     {"variable": "temperature_2m_max", "unit": "F", "comparator": ">="}),
    ("The temperature in Oslo drops below -5 C tonight",
     {"variable": "temperature_2m_min", "unit": "C", "comparator": "<"}),
    ("Within 10 days the heatwave in Perth will break", {"variable": "temperature_2m_max"}),
    ("The weather in Boston will be nice on Friday", {}),
])
def test_the_words_settle_what_they_say_of_a_weather_query(prediction: str, known: dict[str, object]) -> None:
    plan = plan_check(prediction)
    assert plan is not None and plan.source == "weather"
    assert {name: value for name, value in plan.known.items() if name != "place"} == known  # place: below
    check = plan.schema()
    if known:  # only the branch of that variable is left, without what code set
        assert "anyOf" not in check and not set(plan.known) & set(check["properties"])


def _answer(prediction: str, check: dict[str, Any]) -> str:
    call = plausible_call(prediction, NOW)
    call["check"] = check
    return json.dumps(call)


async def test_a_streamed_call_ends_with_its_executable_check() -> None:
    prediction = "It snows in Denver, CO tomorrow"
    query = {"source": "weather", "place": "Denver, CO", "variable": "snowfall_sum", "comparator": ">",
             "threshold": 0, "unit": "cm"}
    model = ScriptedModel(rate=0, responses=[_answer(prediction, query)])
    agent = creation_agent(Settings(model="scripted"), Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [event async for event in agent.stream(prediction, "America/Denver")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    check = complete.content.check
    assert isinstance(check, WeatherCheck)
    assert (check.start, check.end, check.over) == (date(2026, 12, 2), date(2026, 12, 2), "at_end")
    assert complete.content.verifiable_category is VerifiableCategory.API_TOOL_VERIFIABLE
    assert complete.content.verification_method.criteria == [
        "Open-Meteo daily snowfall in Denver, CO on Wed 2 Dec 2026 > 0 cm"]
    # Code read the whole query from the words (snow, no amount, "in Denver, CO"): the model got no hint for it.
    assert "Data source: weather" not in model.requests[-1]


async def test_code_fills_the_teams_the_model_did_not_write() -> None:
    prediction = "The Celtics win tonight"
    model = ScriptedModel(rate=0, responses=[_answer(prediction, {
        "source": "sports", "variable": "win", "comparator": "==", "threshold": 1, "unit": None})])
    agent = CreationAgent(Provider(name="scripted", model=model), clock=lambda: NOW)
    events = [event async for event in agent.stream(prediction, "America/New_York")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert isinstance(complete.content.check, SportsCheck)
    assert complete.content.check.team == "Boston Celtics" and complete.content.check.league == "nba"


async def test_no_source_no_check() -> None:
    agent = CreationAgent(Provider(name="scripted", model=ScriptedModel(rate=0)), clock=lambda: NOW)
    events = [event async for event in agent.stream("My meeting goes well tomorrow", "UTC")]
    complete = events[-1]
    assert isinstance(complete, CompleteEvent) and complete.content.check is None


@pytest.mark.parametrize(("comparator", "threshold", "expected"), [(">=", 100, 1), ("==", 1, 1), ("==", 0, 0),
                                                                    ("!=", 1, 0)])
def test_a_game_result_is_one_or_zero(comparator: str, threshold: float, expected: int) -> None:
    plan = plan_check("The Celtics game tonight")  # no result word: the model names it
    assert plan is not None and "variable" not in plan.known
    draft = _draft("at_date", "2026-12-01T23:59:59+00:00")
    query = {"source": "sports", "variable": "win", "comparator": comparator, "threshold": threshold, "unit": None}
    check = complete_check(plan, query, draft, "The Celtics game tonight", NOW, "UTC")
    assert isinstance(check, SportsCheck) and (check.comparator, check.threshold) == ("==", expected)


@pytest.mark.parametrize(("prediction", "variable", "threshold"), [
    ("The Celtics win tonight", "win", 1), ("The Lakers lose to the Heat on Friday", "loss", 1),
    ("Arsenal and Chelsea draw on Saturday", "draw", 1), ("The Celtics won't win tonight", "win", 0)])
def test_the_result_a_game_names_is_code_s(prediction: str, variable: str, threshold: int) -> None:
    plan = plan_check(prediction)
    assert plan is not None and plan.source == "sports"
    assert (plan.known["variable"], plan.known["comparator"], plan.known["threshold"]) == (variable, "==", threshold)
    assert "variable" not in plan.schema()["properties"]


def test_it_snows_means_more_than_zero() -> None:
    plan = plan_check("It snows in Denver, CO tomorrow")
    assert plan is not None
    draft = _draft("at_date", "2026-12-02T23:59:59+00:00")
    query = {**{"source": "weather", "place": "Denver, CO", "variable": "snowfall_sum", "unit": "cm"},
             "comparator": ">=", "threshold": 0}
    check = complete_check(plan, query, draft, "It snows in Denver, CO tomorrow", NOW, "UTC")
    assert check is not None and check.comparator == ">"


@pytest.mark.parametrize(("prediction", "written", "expected"), [
    ("Ethereum will be below $3,000 on New Year's Day", ">=", "<"),
    ("The US unemployment rate for November will be below 4.5%", ">=", "<"),
    ("Bitcoin hits $100k by the end of 2026", ">", ">="),
    ("The S&P 500 closes above 6000 on Friday", "<", ">"),
])
def test_the_comparison_the_words_state_wins_over_the_model_s(prediction: str, written: str, expected: str) -> None:
    plan = plan_check(prediction)
    assert plan is not None
    draft = _draft("at_date", "2026-12-31T23:59:59+00:00")
    query = {"crypto": {"source": "crypto", "coin": "ethereum", "variable": "price", "unit": None},
             "economy": {"source": "economy", "variable": "value", "unit": None},
             "market": {"source": "market", "symbol": "^GSPC", "variable": "close", "unit": None}}[plan.source]
    check = complete_check(plan, {**query, "comparator": written, "threshold": 1}, draft, prediction, NOW, "UTC")
    assert check is not None and check.comparator == expected


def test_the_series_and_the_stated_comparison_are_set_by_code() -> None:
    plan = plan_check("The 10-year Treasury yield will be above 4% on December 15")
    assert plan is not None and plan.known == {"series": "DGS10", "comparator": ">"}
    assert set(plan.schema()["properties"]) == {"threshold", "unit"}  # not the source's name nor what code read


def test_the_model_writes_no_fixed_value_and_code_puts_it_back() -> None:
    prediction = "Rivian stock will close above $30 on March 15, 2027"  # a company code has no symbol for
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and plan.full_schema()["properties"]["variable"] == {"const": "close"}
    assert set(plan.schema()["properties"]) == {"symbol", "threshold", "unit"}
    draft = _draft("at_date", "2027-03-15T23:59:59+00:00")
    check = complete_check(plan, {"symbol": "RIVN", "threshold": 30, "unit": None}, draft, prediction, NOW, "UTC")
    assert check is not None and (check.source, check.variable, check.comparator) == ("market", "close", ">")


@pytest.mark.parametrize(("prediction", "symbol"), [
    ("The Sensex will close above 80,000 tomorrow", "^BSESN"),  # the model wrote ^N225, the Nikkei
    ("The Nasdaq 100 will end the year above 25,000", "^NDX"),
    ("The Nasdaq will close above 20,000 on Friday", "^IXIC"),
    ("The S&P 500 will close above 6,000 on Friday", "^GSPC"),
    ("Gold will close above $3,000 on December 31", "GC=F"),
    ("Brent crude will trade above $90 on Friday", "BZ=F"),
    ("The euro will remain above 1.05 dollars through March", "EURUSD=X"),
    ("$PLTR closes above 40 next Friday", "PLTR"),
    ("Tesla stock will close above $300 on March 15, 2027", "TSLA"),
])
def test_code_names_the_symbol_of_a_well_known_instrument(prediction: str, symbol: str) -> None:
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and plan.source == "market" and plan.known["symbol"] == symbol
    assert "symbol" not in plan.schema()["properties"]  # the model writes only the threshold


@pytest.mark.parametrize("prediction", [
    "The Fed will cut interest rates in December",
    "Unemployment will rise in Q4",
    "Microsoft stock will be higher than Apple by 2027",  # against another price, not against today's
    "Tesla stock will swing both ways: up then down",
])
def test_a_move_without_a_level_or_a_price_is_no_data_check(prediction: str) -> None:
    """No number to compare with: a model asked for a threshold invents one (it wrote 100,000,000)."""
    assert plan_check(prediction, now=NOW) is None


@pytest.mark.parametrize(("prediction", "mode", "when", "expected"), [
    ("The Sensex will close higher tomorrow than it did today", "at_date", "2026-12-02T23:59:59+00:00",
     ("^BSESN", ">", "2026-12-01", "2026-12-02", "at_end")),
    ("The price of gold will be higher at the end of the year than today", "at_date", "2026-12-31T23:59:59+00:00",
     ("GC=F", ">", "2026-12-01", "2026-12-31", "at_end")),
    ("Nvidia shares will drop by Friday", "before_date", "2026-12-04T23:59:59+00:00",
     ("NVDA", "<", "2026-12-01", "2026-12-04", "any_day")),
    ("Tesla stock won't rise before Friday", "before_date", "2026-12-04T23:59:59+00:00",
     ("TSLA", "<=", "2026-12-01", "2026-12-04", "every_day")),  # on no day higher: every day at most today's
    ("Bitcoin will go up this week", "at_date", "2026-12-06T23:59:59+00:00",
     ("bitcoin", ">", "2026-12-01", "2026-12-06", "at_end")),
])
def test_a_price_move_is_read_against_the_day_of_the_call(prediction: str, mode: str, when: str,
                                                          expected: tuple[str, ...]) -> None:
    """ "Higher tomorrow than today", "drops by Friday": the change since today's price, all of it code's (the
    model writes no query), with the baseline day as the range's start."""
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and plan.known["change"] is True and not plan.needs_query
    check = complete_check(plan, None, _draft(mode, when), prediction, NOW, "UTC")
    assert check is not None and check.change and check.threshold == 0
    name = getattr(check, "symbol", None) or getattr(check, "coin", None)
    assert (name, check.comparator, check.start.isoformat(), check.end.isoformat(), check.over) == expected


def test_a_recurring_move_gets_no_change_check() -> None:
    """ "Closes higher every Friday" is each Friday against the day before: not a change since today."""
    prediction = "The S&P 500 will close higher every Friday in December"
    plan = plan_check(prediction, now=NOW)
    assert plan is not None
    assert complete_check(plan, None, _draft("recurring", "2026-12-31T23:59:59+00:00"), prediction, NOW, "UTC") is None


@pytest.mark.parametrize("prediction", [
    "Bitcoin will hit $150k by the end of 2027",
    "The 10-year yield will be above 4.5% on Friday",
    "Weekly jobless claims will stay under 250,000 every week this quarter",
])
def test_a_level_keeps_the_data_check(prediction: str) -> None:
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and not plan.offline


def test_a_hint_splits_into_what_every_call_shares_and_what_is_this_call_s() -> None:
    """The shared part goes before the prediction (cached by the local model); the call's own words after."""
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    crypto = plan_check("Bitcoin will hit $150k by the end of 2027", now=now)
    assert crypto is not None and crypto.lead == crypto.hint and crypto.detail == ""
    game = plan_check("The Celtics beat the Heat tonight", now=now)
    assert game is not None and game.lead == "" and game.detail == ""  # the result words settle the whole query
    points = plan_check("The Lakers score more than 110 points tonight", now=now)
    assert points is not None and "Los Angeles Lakers" in points.detail and points.lead == ""
    spelled = plan_check("A dozen eggs and a half cost more than seven dollars fifty at two thirty each", now=now)
    assert spelled is not None and not spelled.complete  # code cannot read it whole: the model writes it
    assert spelled.lead.startswith("Check: arithmetic") and "Numbers" not in spelled.lead
    assert spelled.detail.startswith("Numbers in the prediction: a dozen = 12")
    whole = plan_check("Christmas 2026 falls on a Friday", now=now)
    assert whole is not None and whole.complete and whole.lead == whole.detail == ""


@pytest.mark.parametrize(("prediction", "place"), [
    ("It will be below freezing in Chicago tomorrow morning", "Chicago"),
    ("Mumbai will get rain every day for the next two weeks", "Mumbai"),  # not the user's timezone's city
    ("Tokyo's daily high will stay below 10 C every day this weekend", "Tokyo"),
    ("The temperature in London will be above 10 C on Christmas Day", "London"),
    ("It will snow in New York City on Friday", "New York City"),
    ("It will rain in St. Louis, MO tomorrow", "St. Louis, MO"),
    ("It will snow in Paris on New Year's Day", "Paris"),
    ("It will snow in December", None),
    ("It will be sunny tomorrow", None),
])
def test_the_place_a_weather_call_names_is_code_s(prediction: str, place: str | None) -> None:
    from calledit.agents.checks import place_in

    assert place_in(prediction) == place


def test_a_weather_call_whose_words_settle_everything_leaves_the_model_nothing() -> None:
    plan = plan_check("It will rain in London tomorrow")
    assert plan is not None and plan.known["place"] == "London"
    assert plan.lead == "" and plan.detail == ""


@pytest.mark.parametrize("prediction", ["The new Zelda game will be released on 12/3", "The strike ends by 1/15"])
def test_a_date_in_numbers_is_not_a_division(prediction: str) -> None:
    plan = plan_check(prediction, now=datetime(2026, 11, 21, 10, tzinfo=UTC))
    assert plan is None or plan.source != "arithmetic"


def test_a_calendar_claim_about_today_is_about_the_present_moment() -> None:
    plan = plan_check("Today is a Saturday", now=datetime(2026, 11, 21, 10, tzinfo=UTC), timezone="Asia/Kolkata")
    assert plan is not None and plan.source == "calendar"
    assert plan_fields(plan)["verifiable_category"] == "current_tool_verifiable"
    from calledit.agents.checks import with_check
    from calledit.domain.check import parse_check

    called = with_check(_draft("immediate", "2026-11-21T10:00:00+00:00"), parse_check(plan.known))
    assert called.verifiable_category is VerifiableCategory.CURRENT_TOOL_VERIFIABLE  # and stays so with the check


@pytest.mark.parametrize(("prediction", "source"), [
    ("It will rain in London tomorrow", "weather"),
    ("The Lakers will beat the Celtics tonight", "sports"),
])
def test_a_query_code_read_whole_is_not_asked_for_and_still_checked(prediction: str, source: str) -> None:
    plan = plan_check(prediction, now=NOW)
    assert plan is not None and plan.source == source and not plan.needs_query
    assert "check" not in call_output(plan).schema["properties"]
    check = complete_check(plan, None, _draft("at_date", "2026-12-02T23:59:59+00:00"), prediction, NOW, "UTC")
    assert check is not None and check.source == source


def test_a_temperature_written_with_its_unit_letter_is_the_day_s_high_or_low() -> None:
    """ "reach 25 C" named no weather word: the model read it as wind (>= 25 km/h)."""
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    high = plan_check("Auckland will reach 25 C on New Year's Day", now=now, timezone="Pacific/Auckland")
    assert high is not None and high.known["variable"] == "temperature_2m_max" and high.known["unit"] == "C"
    low = plan_check("Oslo will drop below -5 C on Friday", now=now, timezone="Europe/Oslo")
    assert low is not None and low.known["variable"] == "temperature_2m_min"
