from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from calledit.domain.check import (
    COMPARATORS,
    LEAGUES,
    WEATHER_UNITS,
    Check,
    CryptoCheck,
    EconomyCheck,
    MarketCheck,
    SportsCheck,
    WeatherCheck,
    check_json_schema,
    compare,
    convert,
    describe,
    evaluate,
    format_day,
    format_number,
    format_range,
    parse_check,
    source_threshold,
)

D = date(2026, 12, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def weather(**changes: Any) -> WeatherCheck:
    fields: dict[str, Any] = {
        "source": "weather",
        "place": "Denver, CO",
        "variable": "snowfall_sum",
        "start": "2026-12-01",
        "end": "2026-12-01",
        "comparator": ">",
        "threshold": 0,
        **changes,
    }
    check = parse_check(fields)
    assert isinstance(check, WeatherCheck)
    return check


def market(**changes: Any) -> Check:
    return parse_check(
        {"source": "market", "symbol": "^GSPC", "start": "2026-12-31", "comparator": ">=", "threshold": 6000, **changes}
    )


# --- validation --------------------------------------------------------------------------------------


def test_each_source_parses_to_its_own_type() -> None:
    base = {"start": "2026-12-01", "comparator": ">", "threshold": 1}
    assert isinstance(market(), MarketCheck)
    assert isinstance(parse_check({"source": "crypto", "coin": "Bitcoin", **base}), CryptoCheck)
    assert isinstance(parse_check({"source": "economy", "series": "unrate", **base}), EconomyCheck)
    sports = parse_check(
        {"source": "sports", "sport": "basketball", "league": "nba", "team": "Celtics", "variable": "win", **base}
    )
    assert isinstance(sports, SportsCheck)
    assert sports.opponent is None
    assert isinstance(weather(), WeatherCheck)


def test_defaults_and_normalisation() -> None:
    check = weather(unit=None)
    assert (check.end, check.over, check.unit) == (D, "at_end", "cm")
    assert weather(variable="temperature_2m_max", unit="°F").unit == "F"
    assert weather(variable="sunshine_duration", unit="hours").unit == "h"
    symbol = market(symbol=" ^gspc ")
    assert isinstance(symbol, MarketCheck) and symbol.symbol == "^GSPC"
    coin = parse_check(
        {"source": "crypto", "coin": "Bitcoin", "start": "2026-12-01", "comparator": ">", "threshold": 1}
    )
    assert isinstance(coin, CryptoCheck) and coin.coin == "bitcoin"


def test_a_check_round_trips_through_json() -> None:
    check = weather(start="2026-11-01", end="2026-11-30", over="total", variable="precipitation_sum", unit="in")
    assert parse_check(json.dumps(check.model_dump(mode="json"))) == check


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"start": "2026-12-02", "end": "2026-12-01"}, "is after end 2026-12-01"),
        ({"start": "0000-12-01"}, "year 0"),
        ({"start": "2026-02-30"}, "not a day on the calendar"),
        ({"start": "12/01/2026"}, "YYYY-MM-DD"),
        ({"start": "2026-12-01T10:00:00"}, "YYYY-MM-DD"),
        ({"start": 20261201}, "YYYY-MM-DD"),
        ({"end": "10000-01-01"}, "YYYY-MM-DD"),
        ({"comparator": "=>"}, "comparator"),
        ({"over": "some_day"}, "over"),
        ({"threshold": float("nan")}, "finite"),
        ({"threshold": "lots"}, "valid number"),
        ({"unit": "F"}, "does not measure snowfall_sum; use one of: cm, mm, in"),
        ({"variable": "sunshine_duration", "unit": "s"}, "use one of: h"),
        ({"variable": "temperature_2m_max", "unit": "mm"}, "use one of: C, F"),
        ({"variable": "weather_code"}, "variable"),
        ({"place": "  "}, "at least 1 character"),
        ({"source": "tides"}, "source"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_weather_checks_say_what_to_fix(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        weather(**changes)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"source": "market", "symbol": "AAPL/../x"}, "Yahoo Finance symbol such as AAPL"),
        ({"source": "market", "symbol": "AAPL", "variable": "open"}, "variable"),
        ({"source": "crypto", "coin": "bit coin"}, "CoinGecko coin id"),
        ({"source": "economy", "series": "UN-RATE"}, "FRED series id"),
        (
            {"source": "sports", "sport": "basketball", "league": "nfl", "team": "X", "variable": "win"},
            "basketball/nba",
        ),
        ({"source": "sports", "sport": "cricket", "league": "ipl", "team": "X", "variable": "win"}, "not one CalledIt"),
        ({"source": "sports", "sport": "hockey", "league": "nhl", "team": "X", "variable": "goals"}, "variable"),
    ],
)
def test_invalid_checks_of_other_sources(data: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        parse_check({"start": "2026-12-01", "comparator": ">", "threshold": 1, **data})


def test_every_known_league_validates() -> None:
    for sport, league in LEAGUES:
        check = parse_check(
            {
                "source": "sports",
                "sport": sport.upper(),
                "league": league,
                "team": "A",
                "variable": "win",
                "start": "2026-12-01",
                "comparator": "==",
                "threshold": 1,
            }
        )
        assert isinstance(check, SportsCheck) and check.league_name == LEAGUES[(sport, league)]


def test_checks_are_immutable() -> None:
    check = weather()
    with pytest.raises(ValidationError):
        check.threshold = 3  # type: ignore[misc]
    assert check.model_copy(update={"threshold": 3}).threshold == 3


# --- the grammar schema --------------------------------------------------------------------------------


def examples() -> list[Check]:
    base: dict[str, Any] = {"start": "2026-11-01", "end": "2026-11-30", "comparator": "<=", "threshold": 2.5}
    checks: list[Check] = []
    for variable, units in WEATHER_UNITS.items():
        checks.extend(weather(variable=variable, unit=unit, over="total") for unit in units)
    checks.append(market(unit="USD"))
    checks.append(parse_check({"source": "crypto", "coin": "ethereum", **base}))
    checks.append(parse_check({"source": "economy", "series": "DGS10", "over": "any_day", **base}))
    for sport, league in LEAGUES:
        checks.append(
            parse_check(
                {
                    "source": "sports",
                    "sport": sport,
                    "league": league,
                    "team": "A",
                    "opponent": "B",
                    "variable": "margin",
                    **base,
                }
            )
        )
    return checks


@pytest.mark.parametrize("check", examples(), ids=lambda check: f"{check.source}-{check.unit}")
def test_the_schema_accepts_every_valid_check(check: Check) -> None:
    jsonschema.validate(check.model_dump(mode="json"), check_json_schema())


def test_the_schema_refuses_what_the_model_refuses() -> None:
    schema = check_json_schema()
    good = weather().model_dump(mode="json")
    for bad in (
        {**good, "unit": "F"},  # F does not measure snow: the grammar's weather branches are per unit family
        {**good, "start": "1 Dec 2026"},
        {**good, "comparator": "=>"},
        {key: value for key, value in good.items() if key != "over"},
        {**good, "extra": 1},
        {**market().model_dump(mode="json"), "variable": "open"},
        {"source": "sports", **{k: v for k, v in good.items() if k != "source"}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(None, schema)
    jsonschema.validate(None, check_json_schema(nullable=True))


def test_the_schema_has_no_length_bounds_or_formats() -> None:
    text = json.dumps(check_json_schema())
    for keyword in ("minLength", "maxLength", "format", "discriminator"):
        assert keyword not in text


def test_llama_cpp_compiles_the_schema_into_a_grammar() -> None:
    llama_grammar = pytest.importorskip("llama_cpp.llama_grammar")
    gbnf = llama_grammar.json_schema_to_gbnf(json.dumps(check_json_schema(nullable=True)))
    assert '"\\"weather\\""' in gbnf
    assert llama_grammar.LlamaGrammar.from_string(gbnf, verbose=False) is not None


# --- words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "words"),
    [
        (weather(), "Open-Meteo daily snowfall in Denver, CO on Tue 1 Dec 2026 > 0 cm"),
        (market(), "Yahoo Finance close of ^GSPC on Thu 31 Dec 2026 >= 6,000"),
        (
            parse_check(
                {
                    "source": "sports",
                    "sport": "basketball",
                    "league": "nba",
                    "team": "Boston Celtics",
                    "variable": "win",
                    "start": "2026-12-01",
                    "comparator": "==",
                    "threshold": 1,
                }
            ),
            "ESPN NBA: Boston Celtics win on Tue 1 Dec 2026",
        ),
        (
            parse_check(
                {
                    "source": "economy",
                    "series": "UNRATE",
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "over": "any_day",
                    "comparator": "<",
                    "threshold": 4,
                }
            ),
            "FRED UNRATE on any day from 1 Nov to 30 Nov 2026 < 4.0",
        ),
        (
            weather(
                variable="precipitation_sum",
                start="2026-11-01",
                end="2026-11-30",
                over="total",
                unit="in",
                threshold=4.5,
            ),
            "Open-Meteo total precipitation in Denver, CO in total from 1 Nov to 30 Nov 2026 > 4.5 in",
        ),
        (
            weather(
                variable="temperature_2m_min",
                start="2026-12-20",
                end="2027-01-05",
                over="every_day",
                comparator="<",
                threshold=32,
                unit="F",
            ),
            "Open-Meteo daily minimum temperature in Denver, CO on every day from 20 Dec 2026 to 5 Jan 2027 < 32 °F",
        ),
        (
            parse_check(
                {
                    "source": "crypto",
                    "coin": "bitcoin",
                    "start": "2026-01-01",
                    "end": "2026-12-31",
                    "comparator": ">=",
                    "threshold": 100000,
                    "unit": "USD",
                }
            ),
            "CoinGecko price of bitcoin in USD (last of the UTC day) on Thu 31 Dec 2026,"
            " the end of 1 Jan to 31 Dec 2026 >= 100,000 USD",
        ),
        (
            parse_check(
                {
                    "source": "sports",
                    "sport": "soccer",
                    "league": "eng.1",
                    "team": "Arsenal",
                    "opponent": "Chelsea",
                    "variable": "loss",
                    "start": "2026-12-05",
                    "comparator": "!=",
                    "threshold": 1,
                }
            ),
            "ESPN Premier League: Arsenal do not lose against Chelsea on Sat 5 Dec 2026",
        ),
        (
            parse_check(
                {
                    "source": "sports",
                    "sport": "hockey",
                    "league": "nhl",
                    "team": "Bruins",
                    "variable": "win",
                    "start": "2026-12-01",
                    "end": "2026-12-31",
                    "over": "total",
                    "comparator": ">=",
                    "threshold": 10,
                }
            ),
            "ESPN NHL: Bruins wins in total from 1 Dec to 31 Dec 2026 >= 10",
        ),
    ],
)
def test_describe_reads_like_words(check: Check, words: str) -> None:
    assert describe(check) == words
    assert "2026-" not in describe(check)


def test_formatting_helpers() -> None:
    assert format_day(date(2026, 12, 1)) == "Tue 1 Dec 2026"
    assert format_range(date(2026, 11, 1), date(2026, 11, 30)) == "1 Nov to 30 Nov 2026"
    assert [format_number(x) for x in (6000, 2.3, 101234.567, -0.00001, 0.1 + 0.2)] == [
        "6,000",
        "2.3",
        "101,234.567",
        "0",
        "0.3",
    ]
    assert format_number(4, min_decimals=1) == "4.0"
    assert format_number(4.25, min_decimals=1) == "4.25"


# --- units ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (95, "F", "C", 35.0),
        (-40, "C", "F", -40.0),
        (32, "F", "C", 0.0),
        (1, "in", "mm", 25.4),
        (2, "cm", "mm", 20.0),
        (1, "in", "cm", 2.54),
        (10, "mph", "km/h", 16.09344),
        (10, "m/s", "km/h", 36.0),
        (8, "h", "s", 28800.0),
        (5, "mm", "mm", 5.0),
    ],
)
def test_unit_conversion(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == pytest.approx(expected)
    assert convert(convert(value, source, target), target, source) == pytest.approx(value)


def test_incompatible_units_do_not_convert() -> None:
    with pytest.raises(ValueError, match="cannot convert"):
        convert(1, "mm", "h")
    with pytest.raises(ValueError, match="cannot convert"):
        convert(1, "C", "mm")


@pytest.mark.parametrize(
    ("changes", "threshold"),
    [
        ({"variable": "temperature_2m_max", "unit": "F", "threshold": 95}, 35.0),
        ({"variable": "temperature_2m_min", "unit": "C", "threshold": -3}, -3.0),
        ({"variable": "precipitation_sum", "unit": "in", "threshold": 1}, 25.4),
        ({"variable": "snowfall_sum", "unit": "in", "threshold": 2}, 5.08),
        ({"variable": "snowfall_sum", "unit": "mm", "threshold": 20}, 2.0),
        ({"variable": "wind_speed_10m_max", "unit": "mph", "threshold": 50}, 80.4672),
        ({"variable": "sunshine_duration", "unit": "h", "threshold": 8}, 28800.0),
    ],
)
def test_the_threshold_is_converted_into_the_source_unit(changes: dict[str, Any], threshold: float) -> None:
    assert source_threshold(weather(**changes)) == pytest.approx(threshold)


def test_a_converted_threshold_decides_against_source_values() -> None:
    hot = weather(variable="temperature_2m_max", unit="F", comparator=">=", threshold=95)
    outcome = evaluate(hot, [(D, 35.0)], today=day(1))
    assert outcome.holds is True  # 95 °F is exactly 35 °C: float noise must not refute it
    assert outcome.finding == "temperature_2m_max on 2026-12-01 = 35 °C (threshold >= 95 °F = 35 °C)"
    snow = weather(unit="in", threshold=1)  # > 1 in = 2.54 cm
    assert evaluate(snow, [(D, 2.5)], today=day(1)).holds is False
    assert evaluate(snow, [(D, 2.6)], today=day(1)).holds is True
    sun = weather(variable="sunshine_duration", unit="h", comparator=">=", threshold=8)
    assert evaluate(sun, [(D, 28_799.0)], today=day(1)).holds is False
    assert evaluate(sun, [(D, 28_800.0)], today=day(1)).holds is True


# --- the condition ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparator", "below", "equal", "above"),
    [
        (">", False, False, True),
        (">=", False, True, True),
        ("<", True, False, False),
        ("<=", True, True, False),
        ("==", False, True, False),
        ("!=", True, False, True),
    ],
)
def test_every_comparator(comparator: Any, below: bool, equal: bool, above: bool) -> None:
    assert [compare(v, comparator, 10.0) for v in (9.99, 10.0, 10.01)] == [below, equal, above]
    assert compare(0.1 + 0.2, comparator, 0.3) == equal  # float noise counts as equal
    check = weather(comparator=comparator, threshold=10)
    assert [evaluate(check, [(D, v)], today=day(1)).holds for v in (9.99, 10.0, 10.01)] == [below, equal, above]


def test_the_comparators_are_all_covered() -> None:
    assert set(COMPARATORS) == {">", ">=", "<", "<=", "==", "!="}


WEEK = {"start": "2026-12-01", "end": "2026-12-07"}


def week(values: list[float | None]) -> list[tuple[date, float | None]]:
    return [(day(n), value) for n, value in enumerate(values)]


@pytest.mark.parametrize(
    ("over", "series", "today", "status", "holds"),
    [
        # at_end: the last day's value decides, the days before do not matter
        ("at_end", week([9, 9, 9, 9, 9, 9, 1]), day(7), "decided", False),
        ("at_end", week([0, 0, 0, 0, 0, 0, 3]), day(7), "decided", True),
        ("at_end", week([9, 9, 9, 9, 9, 9]), day(5), "pending", None),  # the end has not come
        ("at_end", week([9, 9, 9, 9, 9, 9, None]), day(9), "pending", None),  # end day not published
        ("at_end", week([9, 9, 9, 9, 9, 9, 3]), day(6), "decided", True),  # a final end value counts on the day
        ("at_end", week([9, 9, 9, 9, 9]), day(8), "decided", True),  # no end-day entry: the last before it
        ("at_end", [], day(8), "pending", None),
        # any_day: one day is enough, even before the end; a no needs every day
        ("any_day", week([0, 0, 4]), day(3), "decided", True),
        ("any_day", week([0, None, 4]), day(3), "decided", True),
        ("any_day", week([0, 0, 0]), day(3), "pending", None),
        ("any_day", week([0, 0, 0, 0, 0, 0, 0]), day(7), "decided", False),
        ("any_day", week([0, 0, 0, None, 0, 0, 0]), day(9), "pending", None),
        ("any_day", week([0, 0, 0, 0, 0, 0, 0]), day(6), "pending", None),  # the last day may still change it
        ("any_day", [], day(9), "pending", None),
        # every_day: one failing day refutes at once; a yes needs every day
        ("every_day", week([4, 4, 0]), day(3), "decided", False),
        ("every_day", week([4, 4, 4]), day(3), "pending", None),
        ("every_day", week([4, 4, 4, 4, 4, 4, 4]), day(7), "decided", True),
        ("every_day", week([4, 4, 4, None, 4, 4, 4]), day(8), "pending", None),
        ("every_day", week([4, None, 0]), day(3), "decided", False),
        # total: the sum of a complete range
        ("total", week([0.5, 0, 0, 0, 0, 0, 0.6]), day(7), "decided", True),
        ("total", week([0.5, 0, 0, 0, 0, 0, 0.4]), day(7), "decided", False),
        ("total", week([5, 5, 5]), day(3), "pending", None),
        ("total", week([0.5, 0, 0, None, 0, 0, 0.6]), day(8), "pending", None),
    ],
)
def test_every_over(over: Any, series: list[tuple[date, float | None]], today: date, status: str, holds: Any) -> None:
    check = weather(over=over, comparator=">", threshold=1, **WEEK)
    outcome = evaluate(check, series, today=today)
    assert (outcome.status, outcome.holds) == (status, holds)
    if status == "pending":
        assert outcome.holds is None
    else:
        assert outcome.values


def test_values_outside_the_range_are_ignored_except_before_an_at_end() -> None:
    outside = [(day(-1), 50.0), (day(8), 50.0)]
    inside = week([0, 0, 0, 0, 0, 0, 0])
    for over in ("any_day", "every_day", "total"):
        check = weather(over=over, comparator="<", threshold=1, **WEEK)
        outcome = evaluate(check, outside + inside, today=day(9))
        assert outcome.holds is True, over
        assert all(D <= entry[0] <= day(6) for entry in outcome.values)
    # a market closed on the end day: the close before it, even from before start, is the one at the end
    holiday = market(start="2026-12-25", end="2026-12-25")
    outcome = evaluate(holiday, [(date(2026, 12, 24), 6100.0), (date(2026, 12, 28), 5000.0)], today=date(2026, 12, 28))
    assert (outcome.holds, outcome.values) == (True, [(date(2026, 12, 24), 6100.0)])


def test_series_order_does_not_matter() -> None:
    check = weather(over="at_end", **WEEK)
    shuffled = list(reversed(week([0, 0, 0, 0, 0, 0, 3])))
    assert evaluate(check, shuffled, today=day(7)).values == [(day(6), 3.0)]


def test_findings_name_the_values_and_the_threshold() -> None:
    assert evaluate(weather(), [(D, 2.3)], today=day(1)).finding == (
        "snowfall_sum on 2026-12-01 = 2.3 cm (threshold > 0 cm)"
    )
    anyday = evaluate(weather(over="any_day", **WEEK), week([0, 0, 0, 0, 0, 0, 0]), today=day(7))
    assert anyday.finding.startswith("no day from 2026-12-01 to 2026-12-07 holds: 7 values")
    total = evaluate(
        weather(over="total", variable="precipitation_sum", threshold=1, **WEEK),
        week([0.5, 0, 0, 0, 0, 0, 0.25]),
        today=day(7),
    )
    assert total.finding == (
        "precipitation_sum total from 2026-12-01 to 2026-12-07 = 0.75 mm over 7 values (threshold > 1 mm)"
    )
    pending = evaluate(weather(over="any_day", **WEEK), week([0, None]), today=day(2))
    assert "for 2026-12-02 is not published yet" in pending.finding
    ahead = evaluate(weather(over="every_day", **WEEK), week([1, 1]), today=day(2))
    assert "not complete until after 2026-12-07" in ahead.finding
    sports = parse_check(
        {
            "source": "sports",
            "sport": "basketball",
            "league": "nba",
            "team": "Boston Celtics",
            "variable": "win",
            "start": "2026-12-01",
            "comparator": "==",
            "threshold": 1,
        }
    )
    assert evaluate(sports, [(D, 1.0)], today=D).finding == "Boston Celtics win on 2026-12-01 = 1 (threshold == 1)"
    rate = parse_check(
        {
            "source": "economy",
            "series": "UNRATE",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "comparator": "<",
            "threshold": 4,
            "unit": "%",
        }
    )
    finding = evaluate(rate, [(date(2026, 11, 1), 4.1)], today=date(2026, 12, 5)).finding
    assert finding == "UNRATE on 2026-11-01 = 4.1 % (threshold < 4.0 %)"


def test_a_monthly_release_not_out_yet_stays_pending() -> None:
    # FRED dates November's unemployment rate 2026-11-01; before the release the adapter has no entry.
    rate = parse_check(
        {
            "source": "economy",
            "series": "UNRATE",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "comparator": "<",
            "threshold": 4,
        }
    )
    assert evaluate(rate, [], today=date(2026, 12, 2)).status == "pending"
    assert evaluate(rate, [(date(2026, 11, 1), 3.9)], today=date(2026, 12, 5)).holds is True


def test_a_double_header_reads_the_last_game_of_the_day() -> None:
    games = parse_check(
        {
            "source": "sports",
            "sport": "baseball",
            "league": "mlb",
            "team": "Red Sox",
            "variable": "win",
            "start": "2026-06-01",
            "comparator": "==",
            "threshold": 1,
        }
    )
    first, second = (date(2026, 6, 1), 1.0), (date(2026, 6, 1), 0.0)
    assert evaluate(games, [first, second], today=date(2026, 6, 2)).holds is False
    total = games.model_copy(update={"over": "total", "comparator": ">=", "threshold": 1})
    assert evaluate(total, [first, second], today=date(2026, 6, 2)).holds is True


# --- a change since the start day ----------------------------------------------------------------------


def moved(**changes: Any) -> Check:
    return parse_check({"source": "market", "symbol": "^BSESN", "start": "2026-12-01", "end": "2026-12-02",
                        "comparator": ">", "threshold": 0, "change": True, **changes})


def test_a_change_is_read_against_the_start_day_s_value() -> None:
    """ "The Sensex closes higher tomorrow than today": the close of the end day against the start day's."""
    check = moved()
    assert describe(check) == "Yahoo Finance close of ^BSESN on Wed 2 Dec 2026 higher than on Tue 1 Dec 2026"
    up = evaluate(check, [(day(0), 80000.0), (day(1), 80500.0)], today=day(2))
    assert (up.status, up.holds) == ("decided", True)
    assert up.values == [(day(0), 80000.0), (day(1), 80500.0)]
    assert "since 2026-12-01 (= 80,000)" in up.finding and "= 500" in up.finding
    down = evaluate(check, [(day(0), 80000.0), (day(1), 79900.0)], today=day(2))
    assert (down.status, down.holds) == ("decided", False)
    flat = evaluate(check, [(day(0), 80000.0), (day(1), 80000.0)], today=day(2))
    assert flat.holds is False  # not higher


def test_a_change_waits_for_both_days_and_takes_the_last_close_before_a_closed_start() -> None:
    check = moved()
    assert evaluate(check, [(day(0), None)], today=day(0)).status == "pending"  # today still trading
    assert "baseline" in evaluate(check, [], today=day(2)).finding
    assert evaluate(check, [(day(0), 80000.0), (day(1), None)], today=day(1)).status == "pending"
    weekend = moved(start="2026-12-05", end="2026-12-07")  # made on a Saturday: Friday's close is the baseline
    result = evaluate(weekend, [(day(3), 100.0), (day(6), 101.0)], today=day(7))
    assert (result.holds, result.values[0]) == (True, (day(3), 100.0))


def test_a_change_over_a_range() -> None:
    """Before a deadline: any day above the baseline; "won't rise": every day at most the baseline."""
    series = [(day(0), 100.0), (day(1), 99.0), (day(2), 101.0), (day(3), 98.0)]
    any_day = evaluate(moved(end="2026-12-04", over="any_day"), series, today=day(5))
    assert (any_day.holds, any_day.values) == (True, [(day(0), 100.0), (day(2), 101.0)])
    every_day = evaluate(moved(end="2026-12-04", over="every_day", comparator="<="), series, today=day(5))
    assert (every_day.holds, every_day.values) == (False, [(day(0), 100.0), (day(2), 101.0)])
    assert "any day from 2 Dec to 4 Dec 2026" in describe(moved(end="2026-12-04", over="any_day"))


@pytest.mark.parametrize(("changes", "words"), [
    ({"end": "2026-12-01"}, "end after its start"),
    ({"over": "total"}, "total"),
])
def test_invalid_changes_say_what_to_fix(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        moved(**changes)
    with pytest.raises(ValidationError, match="market or crypto"):
        weather(change=True, end="2026-12-02")


def test_change_is_written_only_when_it_is_set() -> None:
    """Stored checks that read values keep their JSON; a change check round-trips with its flag."""
    assert "change" not in market().model_dump(mode="json")
    check = moved()
    assert check.model_dump(mode="json")["change"] is True
    assert parse_check(check.model_dump_json()) == check
    jsonschema.validate(check.model_dump(mode="json"), check_json_schema())
