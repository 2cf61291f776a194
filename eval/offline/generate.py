"""Generate eval/offline/dev.json and eval/offline/test.json: offline-decidable predictions from templates.

    python eval/offline/generate.py                 # writes dev.json (deterministic: seed 17)
    python eval/offline/generate.py --split test    # writes test.json (seed 71): only when the lead says so
    python eval/offline/generate.py --out DIR       # writes into DIR instead (to compare a changed generator)

Nine template families (weekdays of dates, weekdays of holidays, dates of moving holidays, leap years, days
between days, counts of weekdays, arithmetic, the clock elsewhere, fixed facts). Every family has wordings
for dev and other wordings for test, each with a negated variant; dev and test draw their values with
different seeds. Wordings added after test.json was measured are dev-only (`DEV_*`): they never change
what the test split draws, so its file regenerates byte for byte. The expected verdict is computed here,
independently of the code under test, with python's datetime, calendar, fractions, zoneinfo, dateutil's
Easter and the holidays package (or, for facts, a hand-checked table). Tune on dev only; measure test once.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter

HERE = Path(__file__).parent
WEEKDAYS = list(calendar.day_name)
MONTHS = list(calendar.month_name)[1:]
US_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
OTHER_ZONES = ["Europe/London", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "UTC",
               "Africa/Lagos", "America/Sao_Paulo"]
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
TYPOS = {"falls": "fals", "will": "wil", "definitely": "definately", "between": "betwen", "there": "thier",
         "February": "Febuary", "is going to": "is gonna"}
# Dev only: misspelt and shortened month and weekday names, tried first.
DEV_TYPOS = {"December": "Decmber", "September": "Sept.", "January": "Janurary", "August": "Agust",
             "Wednesday": "Wensday", "Thursday": "Thurday", **TYPOS}

Case = dict[str, Any]
Maker = Callable[[random.Random, bool, str], Case]  # (rng, negated, split) -> a case without id


def words(number: int) -> str:
    """A number in English words (0 to 999,999)."""
    if number < 20:
        return NUMBER_WORDS[number]
    if number < 100:
        tens, rest = divmod(number, 10)
        return TENS[tens] + (f"-{NUMBER_WORDS[rest]}" if rest else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{NUMBER_WORDS[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    tail = "" if not rest else (f" and {words(rest)}" if rest < 100 else f" {words(rest)}")
    return f"{words(thousands)} thousand{tail}"


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def written(day: date, zone: str, rng: random.Random) -> str:
    """A date in one of the ways people write it; numeric dates in the zone's order (US: month first)."""
    us = zone in US_ZONES
    style = rng.choice(["long", "british", "iso", "numeric", "ordinal", "abbrev"])
    if style == "long":
        return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    if style == "british":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    if style == "iso":
        return day.isoformat()
    if style == "numeric":
        return f"{day.month}/{day.day}/{day.year}" if us else f"{day.day}/{day.month}/{day.year}"
    if style == "ordinal":
        return f"the {ordinal(day.day)} of {MONTHS[day.month - 1]}, {day.year}"
    return f"{MONTHS[day.month - 1][:3]}. {ordinal(day.day)} {day.year}"


def typo(text: str, rng: random.Random, split: str = "test") -> str:
    """Now and then one typo in a filler word or a name, the way people type."""
    if rng.random() < 0.25:
        for right, wrong in (DEV_TYPOS if split == "dev" else TYPOS).items():
            if right in text:
                return text.replace(right, wrong, 1)
    return text


def now_for(rng: random.Random) -> datetime:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    return start + timedelta(minutes=rng.randrange(0, 700 * 24 * 60))


def case(prediction: str, now: datetime, zone: str, truth: bool, negated: bool, family: str, *,
         categories: list[str], modes: list[str] | None = None) -> Case:
    holds = truth != negated
    return {
        "family": family,
        "negated": negated,
        "prediction": prediction,
        "now": now.isoformat().replace("+00:00", "Z"),
        "timezone": zone,
        "expect": {
            "verification_mode": modes or ["immediate"],
            "verifiable_category": categories,
            "verdict": "confirmed" if holds else "refuted",
        },
    }


CALENDAR = ["strands_tool_verifiable", "agent_verifiable", "current_tool_verifiable"]
FUTURE_MODES = ["immediate", "at_date", "before_date"]


def pick(rng: random.Random, options: dict[str, list[str]], split: str, negated: bool) -> str:
    return rng.choice(options[f"{split}{'_not' if negated else ''}"])


def claimed_weekday(rng: random.Random, actual: str) -> tuple[str, bool]:
    """The weekday a prediction names: the true one about half the time."""
    if rng.random() < 0.5:
        return actual, True
    return rng.choice([w for w in WEEKDAYS if w != actual]), False


# --- families --------------------------------------------------------------------------------------

WEEKDAY_TEMPLATES = {
    "dev": ["{d} falls on a {w}", "{d} is a {w}", "{d} will be a {w}", "{d} was a {w}"],
    "dev_not": ["{d} does not fall on a {w}", "{d} isn't a {w}", "{d} won't be a {w}", "{d} was never a {w}"],
    "test": ["{d} lands on a {w}", "{d} is going to be a {w}", "I bet {d} turns out to be a {w}"],
    "test_not": ["{d} doesn't land on a {w}", "{d} is not going to be a {w}", "{d} is definitely not a {w}"],
}


def weekday_of_date(rng: random.Random, negated: bool, split: str) -> Case:
    zone = rng.choice(US_ZONES + OTHER_ZONES)
    day = date(rng.randrange(1950, 2070), rng.randrange(1, 13), rng.randrange(1, 29))
    if rng.random() < 0.15:
        day = date(rng.choice([2024, 2028, 2032, 2000]), 2, 29)
    weekday, truth = claimed_weekday(rng, WEEKDAYS[day.weekday()])
    text = typo(pick(rng, WEEKDAY_TEMPLATES, split, negated).format(d=written(day, zone, rng), w=weekday), rng, split)
    text = text[0].upper() + text[1:]
    future = any(word in text for word in ("will", "wil ", "going", "gonna", "won't"))
    return case(text, now_for(rng), zone, truth, negated, "weekday_of_date", categories=CALENDAR,
                modes=FUTURE_MODES if future else None)


FIXED_HOLIDAYS = {"Christmas": (12, 25), "Christmas Day": (12, 25), "New Year's Day": (1, 1), "Halloween": (10, 31),
                  "Valentine's Day": (2, 14), "Christmas Eve": (12, 24), "New Year's Eve": (12, 31)}
HOLIDAY_WEEKDAY_TEMPLATES = {
    "dev": ["{h} {y} falls on a {w}", "In {y}, {h} is on a {w}", "{h} {y} will be a {w}"],
    "dev_not": ["{h} {y} doesn't fall on a {w}", "In {y}, {h} is not on a {w}", "{h} {y} won't be a {w}",
                "{h} {y} will never be a {w}"],
    "test": ["{h} of {y} lands on a {w}", "{y}'s {h} is going to be a {w}", "{h} {y} happens on a {w}"],
    "test_not": ["{h} of {y} does not land on a {w}", "{y}'s {h} isn't going to be a {w}",
                 "{h} {y} never falls on a {w}"],
}


def holiday_weekday(rng: random.Random, negated: bool, split: str) -> Case:
    zone = rng.choice(US_ZONES + OTHER_ZONES)
    name = rng.choice(list(FIXED_HOLIDAYS))
    year = rng.randrange(2025, 2045)
    month, day = FIXED_HOLIDAYS[name]
    weekday, truth = claimed_weekday(rng, WEEKDAYS[date(year, month, day).weekday()])
    text = typo(pick(rng, HOLIDAY_WEEKDAY_TEMPLATES, split, negated).format(h=name, y=year, w=weekday), rng, split)
    text = text[0].upper() + text[1:]
    return case(text, now_for(rng), zone, truth, negated, "holiday_weekday", categories=CALENDAR,
                modes=FUTURE_MODES)


def _us_holiday(label: str) -> Callable[[int], date]:
    def find(year: int) -> date:
        return next(day for day, name in holidays.country_holidays("US", years=year).items() if name == label)
    return find


MOVING = {
    "Thanksgiving": (_us_holiday("Thanksgiving Day"), US_ZONES),
    "Memorial Day": (_us_holiday("Memorial Day"), US_ZONES),
    "Labor Day": (_us_holiday("Labor Day"), US_ZONES),
    "Martin Luther King Jr. Day": (_us_holiday("Martin Luther King Jr. Day"), US_ZONES),
    "Easter": (easter, US_ZONES + ["Europe/London", "Europe/Paris", "Australia/Sydney"]),
    "Easter Sunday": (easter, ["Europe/London", "Europe/Paris"]),
    "Good Friday": (lambda year: easter(year) - timedelta(days=2), ["Europe/London", "Australia/Sydney"]),
}
HOLIDAY_DATE_TEMPLATES = {
    "dev": ["{h} {y} is on {md}", "{h} {y} falls on {dm}", "In {y}, {h} will be on {md}"],
    "dev_not": ["{h} {y} is not on {md}", "{h} {y} doesn't fall on {dm}", "In {y}, {h} won't be on {md}"],
    "test": ["{h} lands on {md}, {y}", "{h} is going to be on the {ord} of {month} in {y}",
             "The date of {h} {y} is {dm}"],
    "test_not": ["{h} doesn't land on {md}, {y}", "{h} is not going to be on the {ord} of {month} in {y}",
                 "The date of {h} {y} isn't {dm}"],
}


def holiday_date(rng: random.Random, negated: bool, split: str) -> Case:
    name = rng.choice(list(MOVING))
    rule, zones = MOVING[name]
    zone = rng.choice(zones)
    year = rng.randrange(2026, 2040)
    actual = rule(year)
    truth = rng.random() < 0.5
    claimed = actual if truth else actual + timedelta(days=rng.choice([-7, -1, 1, 7, 14]))
    text = pick(rng, HOLIDAY_DATE_TEMPLATES, split, negated).format(
        h=name, y=year, md=f"{MONTHS[claimed.month - 1]} {claimed.day}",
        dm=f"{claimed.day} {MONTHS[claimed.month - 1]}", ord=ordinal(claimed.day), month=MONTHS[claimed.month - 1])
    text = typo(text[0].upper() + text[1:], rng, split)
    return case(text, now_for(rng), zone, truth, negated, "holiday_date", categories=CALENDAR, modes=FUTURE_MODES)


LEAP_TEMPLATES = {
    "dev": ["{y} is a leap year", "{y} was a leap year", "{y} will be a leap year"],
    "dev_not": ["{y} is not a leap year", "{y} wasn't a leap year", "{y} won't be a leap year"],
    "test": ["The year {y} is going to be a leap year", "{yw} was a leap year", "{y} has a February 29th, so it is a "
             "leap year"],
    "test_not": ["The year {y} isn't going to be a leap year", "{yw} was not a leap year",
                 "{y} is definitely not a leap year"],
}


def leap_year(rng: random.Random, negated: bool, split: str) -> Case:
    year = rng.choice([1900, 2000, 2100, 2400, 1996, 2023, 2024, 2026, 2027, 2028, 2032, 2035, 2048, 2100, 1800, 2200,
                       9996, 9999, 1600, 2012])
    truth = calendar.isleap(year)
    text = pick(rng, LEAP_TEMPLATES, split, negated).format(y=year, yw=words(year).capitalize())
    text = typo(text, rng, split)
    future = any(word in text for word in ("will", "wil ", "going", "won't"))
    return case(text, now_for(rng), rng.choice(US_ZONES + OTHER_ZONES), truth, negated, "leap_year",
                categories=CALENDAR, modes=FUTURE_MODES if future else None)


DAYS_TEMPLATES = {
    "dev": ["There are {n} days between {a} and {b}", "From {a} to {b} is {n} days",
            "It is {n} days until {h}", "There are {nw} days between {a} and {b}", "{a} is {n} days before {b}",
            "{n} days separate {a} and {b}"],
    "dev_not": ["There are not {n} days between {a} and {b}", "From {a} to {b} isn't {n} days",
                "It is not {n} days until {h}", "There aren't {nw} days between {a} and {b}",
                "{a} is not {n} days before {b}", "{n} days don't separate {a} and {b}"],
    "test": ["{a} and {b} are {n} days apart", "There are {n} days left until {h}",
             "Between {a} and {b} there are more than {n} days"],
    "test_not": ["{a} and {b} are not {n} days apart", "There aren't {n} days left until {h}",
                 "Between {a} and {b} there are no more than {n} days"],
}


def days_between(rng: random.Random, negated: bool, split: str) -> Case:
    zone = rng.choice(US_ZONES + OTHER_ZONES)
    now = now_for(rng)
    template = pick(rng, DAYS_TEMPLATES, split, negated)
    if "{h}" in template:
        today = now.astimezone(ZoneInfo(zone)).date()
        christmas = date(today.year, 12, 25)
        if christmas < today:
            christmas = date(today.year + 1, 12, 25)
        actual = (christmas - today).days
        a = b = ""
    else:
        first = date(rng.randrange(2024, 2030), rng.randrange(1, 13), rng.randrange(1, 29))
        second = first + timedelta(days=rng.randrange(3, 400))
        actual = (second - first).days
        a, b = written(first, zone, rng), written(second, zone, rng)
    more = "more than" in template
    truth = rng.random() < 0.5
    if more:  # "more than n": true when n < actual
        claimed = max(1, actual - rng.randrange(1, 20)) if truth else actual + rng.randrange(0, 20)
    else:
        claimed = actual if truth else actual + rng.choice([-2, -1, 1, 2, 10])
    text = template.format(n=claimed, nw=words(claimed), a=a, b=b, h="Christmas")
    text = typo(text[0].upper() + text[1:], rng, split)
    return case(text, now, zone, truth, negated, "days_between", categories=CALENDAR, modes=FUTURE_MODES)


COUNT_TEMPLATES = {
    "dev": ["There are {n} {w}s in {y}", "{y} has {n} {w}s", "{m} {y} has {n} {w}s", "{y} has {nw} {w}s"],
    "dev_not": ["There are not {n} {w}s in {y}", "{y} doesn't have {n} {w}s", "{m} {y} does not have {n} {w}s",
                "{y} will never have {nw} {w}s"],
    "test": ["{y} contains {nw} {w}s", "In {m} {y} there are {nw} {w}s", "There will be {n} {w}s in {y}"],
    "test_not": ["{y} does not contain {nw} {w}s", "In {m} {y} there aren't {nw} {w}s",
                 "There won't be {n} {w}s in {y}"],
}


def weekday_count(rng: random.Random, negated: bool, split: str) -> Case:
    year = rng.randrange(2020, 2040)
    month = rng.randrange(1, 13)
    weekday = rng.randrange(7)
    template = pick(rng, COUNT_TEMPLATES, split, negated)
    days = [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)] if "{m}" in template \
        else [date(year, 1, 1) + timedelta(days=i) for i in range(366 if calendar.isleap(year) else 365)]
    actual = sum(1 for d in days if d.weekday() == weekday)
    truth = rng.random() < 0.5
    claimed = actual if truth else actual + rng.choice([-1, 1])
    text = template.format(n=claimed, nw=words(claimed), w=WEEKDAYS[weekday], y=year, m=MONTHS[month - 1])
    text = typo(text[0].upper() + text[1:], rng, split)
    return case(text, now_for(rng), rng.choice(US_ZONES + OTHER_ZONES), truth, negated, "weekday_count",
                categories=CALENDAR, modes=FUTURE_MODES)


def money(value: Fraction) -> str:
    cents = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{cents:,.2f}"


def arithmetic(rng: random.Random, negated: bool, split: str) -> Case:
    """One of several calculations, each worded per split; the claimed result is right about half the time."""
    truth = rng.random() < 0.5
    not_ = {"is": "is not", "equals": "does not equal", "makes": "doesn't make", "comes to": "doesn't come to",
            "leaves": "doesn't leave", "grows to": "doesn't grow to", "is more than": "is not more than",
            "gives": "doesn't give", "works out to": "does not work out to", ">": "is not greater than"}
    kind = rng.choice(["product", "sum", "division", "percent", "square", "root", "compound", "discount", "units",
                       "units_compare", *(DEV_ARITHMETIC if split == "dev" else [])])

    def off(value: int) -> int:
        return value if truth else value + rng.choice([-10, -2, -1, 1, 2, 10])

    if kind in DEV_ARITHMETIC:
        return _dev_arithmetic(rng, negated, kind, truth, off)
    if kind == "product":
        a, b = rng.randrange(11, 60), rng.randrange(11, 60)
        c = off(a * b)
        forms = {"dev": [(f"{a} x {b}", "is", str(c)), (f"{words(a)} times {words(b)}", "equals", str(c))],
                 "test": [(f"{a} multiplied by {b}", "makes", f"{c:,}"),
                          (f"{words(a).capitalize()} times {words(b)}", "comes to", words(c))]}
    elif kind == "sum":
        a, b = rng.randrange(100, 999), rng.randrange(100, 999)
        c = off(a + b)
        forms = {"dev": [(f"{a} plus {b}", "is", str(c)), (f"The sum of {a} and {b}", "is", str(c))],
                 "test": [(f"Adding {a} and {b}", "gives", str(c)), (f"{a} + {b}", "equals", words(c))]}
    elif kind == "division":
        b = rng.randrange(3, 25)
        c0 = rng.randrange(5, 60)
        c = off(c0)
        forms = {"dev": [(f"{b * c0} divided by {b}", "is", str(c))],
                 "test": [(f"{b * c0} split {b} ways", "comes to", str(c)),
                          (f"{b * c0} / {b}", "works out to", str(c))]}
    elif kind == "percent":
        p = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 75])
        x = rng.choice([40, 60, 80, 120, 200, 250, 360, 480])
        y = Fraction(p * x, 100)
        shown = str(y) if y.denominator == 1 else f"{float(y):g}"
        if not truth:
            shown = str(int(y) + rng.choice([1, 2, 5]))
        forms = {"dev": [(f"{p}% of {x}", "is", shown)],
                 "test": [(f"{p} percent of {x}", "comes to", shown), (f"{words(p).capitalize()} percent of {x}",
                                                                       "is", shown)]}
    elif kind == "square":
        a = rng.randrange(11, 40)
        c = off(a * a)
        forms = {"dev": [(f"{a} squared", "is", str(c))],
                 "test": [(f"{a} to the power of 2", "equals", str(c)), (f"{a}^2", "is", str(c))]}
    elif kind == "root":
        r = rng.randrange(6, 40)
        c = off(r)
        forms = {"dev": [(f"The square root of {r * r}", "is", str(c))],
                 "test": [(f"The square root of {r * r}", "equals", words(c)), (f"sqrt({r * r})", "is", str(c))]}
    elif kind == "compound":
        principal = rng.choice([500, 1000, 2000, 5000, 10000])
        rate = rng.choice([2, 3, 4, 5, 6, 8])
        years = rng.randrange(2, 6)
        amount = Fraction(principal) * (1 + Fraction(rate, 100)) ** years
        shown = money(amount) if truth else money(amount + rng.choice([-50, -5, 5, 50]))
        forms = {"dev": [(f"${principal:,} at {rate}% interest compounded annually for {years} years", "grows to",
                          f"${shown}")],
                 "test": [(f"${principal:,} invested at {rate}% a year, compounded yearly, after {years} years", "is",
                           f"${shown}")]}
    elif kind == "discount":
        price = rng.choice([40, 50, 80, 120, 200, 250])
        p = rng.choice([10, 20, 25, 30, 50])
        left = Fraction(price) * (1 - Fraction(p, 100))
        shown = money(left) if truth else money(left + rng.choice([-5, 5, 10]))
        forms = {"dev": [(f"A {p}% discount on ${price}", "leaves", f"${shown}")],
                 "test": [(f"${price} with {p}% off", "comes to", f"${shown}")]}
    elif kind == "units":
        choice = rng.choice(["ft", "h", "km"])
        if choice == "ft":
            a = rng.randrange(2, 12)
            b = off(a * 12)
            dev, test = (f"{a} feet", "is", f"{b} inches"), (f"{words(a).capitalize()} feet", "equals", f"{b} inches")
        elif choice == "h":
            a = rng.choice([1.5, 2, 2.5, 3, 4, 6])
            b = off(int(a * 60))
            dev, test = (f"{a:g} hours", "is", f"{b} minutes"), (f"{a:g} hours", "makes", f"{b} minutes")
        else:
            a = rng.randrange(2, 9)
            b = off(a * 1000)
            dev, test = (f"{a} km", "is", f"{b} meters"), (f"{a} kilometres", "equals", f"{b:,} metres")
        forms = {"dev": [dev], "test": [test]}
    else:
        km = rng.randrange(3, 40)
        miles = Fraction(km * 1000, 1) / Fraction("1609.344")
        claimed = int(miles) if truth else int(miles) + 1  # "km is more than N miles": true iff N < km in miles
        forms = {"dev": [(f"{km} km", "is more than", f"{claimed} miles")],
                 "test": [(f"{km} kilometres", "is more than", f"{claimed} miles")]}
        truth = Fraction(claimed) < miles
    left, verb, right = rng.choice(forms[split])
    said = (rng.choice(DEV_NOT.get(verb, [not_[verb]])) if split == "dev" else not_[verb]) if negated else verb
    text = f"{left} {said} {right}"
    text = typo(text[0].upper() + text[1:], rng, split)
    return case(text, now_for(rng), rng.choice(US_ZONES + OTHER_ZONES), truth, negated, "arithmetic",
                categories=["strands_tool_verifiable", "agent_verifiable"])


# Dev only: more ways to say "not", and calculations in other notations (dozens, irrational roots compared,
# thousands separators, "4.99k").
DEV_NOT = {"is": ["is not", "isn't", "won't be", "is never"], "equals": ["does not equal", "never equals"],
           "makes": ["doesn't make", "never makes"], ">": ["is not greater than", "isn't more than"]}
DEV_ARITHMETIC = ["dozen", "root_compare", "thousands", "scaled"]


def _dev_arithmetic(rng: random.Random, negated: bool, kind: str, truth: bool, off: Callable[[int], int]) -> Case:
    if kind == "dozen":
        k = rng.randrange(2, 13)
        c = off(12 * k)
        forms = [(f"{words(k)} dozen", "is", str(c)), (f"a dozen times {words(k)}", "equals", str(c))]
    elif kind == "root_compare":  # "sqrt(2) > 1.41": true when the claimed bound is below the root
        n = rng.choice([2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17])
        hundredths = math.isqrt(n * 100**2)  # floor(sqrt(n) * 100): below the root, which is irrational
        bound = Fraction(hundredths if truth else hundredths + 1, 100)
        shown = f"{float(bound):.2f}"
        forms = [(f"sqrt({n})", ">", shown), (f"The square root of {words(n)}", "is more than", shown)]
    elif kind == "thousands":
        a, b = rng.randrange(1000, 99999), rng.randrange(1000, 99999)
        forms = [(f"{a:,} plus {b:,}", "is", f"{off(a + b):,}"), (f"{a + b:,} minus {b:,}", "equals", f"{off(a):,}")]
    else:
        x, b = rng.randrange(100, 999) * 10, rng.randrange(2, 50) * 10
        m = rng.randrange(2, 99) * 1_000_000
        forms = [(f"{x / 1000:g}k plus {b}", "is", f"{off(x + b):,}"),
                 (f"{m:,} divided by 1,000", "is", f"{off(m // 1000):,}")]
    left, verb, right = rng.choice(forms)
    not_ = {"is": "is not", "equals": "does not equal", ">": "is not greater than", "is more than": "is not more than"}
    said = rng.choice(DEV_NOT.get(verb, [not_[verb]])) if negated else verb
    text = f"{left} {said} {right}"
    text = typo(text[0].upper() + text[1:], rng, "dev")
    return case(text, now_for(rng), rng.choice(US_ZONES + OTHER_ZONES), truth, negated, "arithmetic",
                categories=["strands_tool_verifiable", "agent_verifiable"])


CITIES = {"Tokyo": "Asia/Tokyo", "London": "Europe/London", "New York": "America/New_York",
          "Sydney": "Australia/Sydney", "Mumbai": "Asia/Kolkata", "Adelaide": "Australia/Adelaide",
          "Kathmandu": "Asia/Kathmandu", "St. John's": "America/St_Johns", "Auckland": "Pacific/Auckland",
          "Los Angeles": "America/Los_Angeles", "Paris": "Europe/Paris", "Tehran": "Asia/Tehran",
          "Honolulu": "Pacific/Honolulu", "Dubai": "Asia/Dubai"}
PERIODS = {"morning": (5, 12), "afternoon": (12, 17), "evening": (17, 21), "night": (21, 29)}
CLOCK_TEMPLATES = {
    "dev": ["It is already {w} in {c}", "It's after {t} in {c}", "It is {p} in {c} right now"],
    "dev_not": ["It is not {w} in {c} yet", "It isn't after {t} in {c}", "It is not {p} in {c} right now"],
    "test": ["Right now it's {w} in {c}", "The time in {c} is past {t}", "In {c} it is currently {p}"],
    "test_not": ["Right now it isn't {w} in {c}", "The time in {c} is not past {t}", "In {c} it is not {p} at the "
                 "moment"],
}


def _period(hour: int) -> str:
    hour = hour if hour >= 5 else hour + 24
    return next(name for name, (start, end) in PERIODS.items() if start <= hour < end)


def clock(rng: random.Random, negated: bool, split: str) -> Case:
    city = rng.choice(list(CITIES))
    user_zone = rng.choice(US_ZONES + OTHER_ZONES)
    template = pick(rng, CLOCK_TEMPLATES, split, negated)
    while True:  # keep clear of the edges (an hour from a period's bounds, half an hour from the claimed time)
        now = now_for(rng)
        there = now.astimezone(ZoneInfo(CITIES[city]))
        minutes = there.hour * 60 + there.minute
        if "{p}" in template and any(abs(minutes - 60 * (b % 24)) < 60 for b, _ in PERIODS.values()):
            continue
        break
    truth = rng.random() < 0.5
    if "{w}" in template:
        actual = WEEKDAYS[there.weekday()]
        weekday = actual if truth else WEEKDAYS[(there.weekday() + rng.choice([1, 6])) % 7]
        text = template.format(w=weekday, c=city)
    elif "{t}" in template:
        hour = there.hour - rng.randrange(1, 5) if truth else there.hour + rng.randrange(1, 5)
        if not 0 <= hour < 24:  # no claims about a time on the other side of midnight
            hour = there.hour - 1 if hour >= 24 else there.hour + 1
            hour = min(max(hour, 0), 23)
        claimed = hour * 60
        truth = minutes > claimed  # "after HH:00" on the same day's clock
        text = template.format(t=f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}", c=city)
    else:
        actual = _period(there.hour)
        period = actual if truth else rng.choice([name for name in PERIODS if name != actual])
        text = template.format(p=period, c=city)
    return case(text, now, user_zone, truth, negated, "clock", categories=["current_tool_verifiable",
                                                                            "strands_tool_verifiable"])


FACTS = {  # (said, negated, true?) hand-checked
    "dev": [
        ("Water boils at 100 degrees Celsius at sea level", "Water does not boil at 100 degrees Celsius at sea level",
         True),
        ("The Eiffel Tower is in Berlin", "The Eiffel Tower is not in Berlin", False),
        ("Mount Everest is the tallest mountain above sea level", "Mount Everest isn't the tallest mountain above sea "
         "level", True),
        ("The Pacific is the largest ocean on Earth", "The Pacific is not the largest ocean on Earth", True),
        ("Light travels faster than sound", "Light doesn't travel faster than sound", True),
        ("The Sun orbits the Earth", "The Sun does not orbit the Earth", False),
        ("Tokyo is the capital of Japan", "Tokyo is not the capital of Japan", True),
        ("Sydney is the capital of Australia", "Sydney isn't the capital of Australia", False),
        ("Spiders are insects", "Spiders are not insects", False),
        ("Gold is a chemical element", "Gold is not a chemical element", True),
        ("The Amazon river flows into the Atlantic Ocean", "The Amazon river does not flow into the Atlantic Ocean",
         True),
        ("Venus is the planet closest to the Sun", "Venus is not the planet closest to the Sun", False),
    ],
    "test": [
        ("Paris is the capital of France", "Paris is not the capital of France", True),
        ("The Nile is in South America", "The Nile isn't in South America", False),
        ("Whales are mammals", "Whales are not mammals", True),
        ("Jupiter is the largest planet in the Solar System", "Jupiter is not the largest planet in the Solar System",
         True),
        ("Penguins can fly", "Penguins cannot fly", False),
        ("Ice is less dense than liquid water", "Ice isn't less dense than liquid water", True),
        ("Mars has two moons", "Mars does not have two moons", True),
        ("Canberra is the capital of Canada", "Canberra is not the capital of Canada", False),
    ],
}


def fact(rng: random.Random, negated: bool, split: str) -> Case:
    said, denied, truth = rng.choice(FACTS[split])
    return case(denied if negated else said, now_for(rng), rng.choice(US_ZONES + OTHER_ZONES), truth, negated, "fact",
                categories=["agent_verifiable"])


FAMILIES: dict[str, tuple[Maker, int, int]] = {  # family: (maker, dev cases, test cases)
    "weekday_of_date": (weekday_of_date, 12, 8),
    "holiday_weekday": (holiday_weekday, 10, 6),
    "holiday_date": (holiday_date, 10, 6),
    "leap_year": (leap_year, 8, 6),
    "days_between": (days_between, 10, 8),
    "weekday_count": (weekday_count, 8, 6),
    "arithmetic": (arithmetic, 14, 10),
    "clock": (clock, 8, 6),
    "fact": (fact, 10, 6),
}


def build(split: str, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    cases: list[Case] = []
    seen: set[str] = set()
    for family, (maker, dev_n, test_n) in FAMILIES.items():
        wanted = dev_n if split == "dev" else test_n
        made = 0
        attempts = 0
        while made < wanted and attempts < 50 * wanted:
            attempts += 1
            negated = made % 2 == 1  # every family: half its cases are the negated variant
            item = maker(rng, negated, split)
            if item["prediction"] in seen:
                continue
            seen.add(item["prediction"])
            made += 1
            cases.append({"id": f"{split[0]}-{family}-{made:02d}", **item})
    return {
        "description": f"Offline-decidable predictions ({split}), generated by eval/offline/generate.py with seed "
                       f"{seed}: {len(cases)} cases in {len(FAMILIES)} families, each family half negated; test "
                       "wordings are not in dev. Expected verdicts come from an independent reference in the "
                       "generator. Format: docs/eval.md (the extra `family` and `negated` fields are notes).",
        "cases": [{key: value for key, value in item.items() if key not in ("family", "negated")} for item in cases],
        "notes": {item["id"]: {"family": item["family"], "negated": item["negated"]} for item in cases},
    }


SEEDS = {"dev": 17, "test": 71}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=[*SEEDS, "all"], default="dev",
                        help="which file to write (default dev: the held-out test split is written once)")
    parser.add_argument("--out", type=Path, default=HERE, help="the directory to write into")
    args = parser.parse_args(argv)
    for split in SEEDS if args.split == "all" else [args.split]:
        data = build(split, SEEDS[split])
        (args.out / f"{split}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
        print(f"{split}: {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
