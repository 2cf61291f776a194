"""What code reads in a claim's words before a model translates it: which offline kind decides it, whether
it is negated, which comparison it makes, and the numbers it spells out.

These are decisions a small model gets wrong under pressure (a "not" dropped, "no more than" read as
"more than"), so code makes them and the model never sees a negation or comparator field.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from calledit.agents.calendar import CalendarError, holiday_date, month_number
from calledit.agents.tools.clock import zone_for_place
from calledit.domain.offline_checks import CalendarQuestion, OfflineKind, Relation

# --- negation --------------------------------------------------------------------------------------

_NEGATIONS = re.compile(
    r"\b(?:not|never|nope)\b|n[\u2019']t\b|\b(?:isnt|wasnt|doesnt|dont|didnt|wont|arent|werent|cannot|cant|"
    r"aint|hasnt|havent)\b|\bno\s+(?=(?:more|less|fewer|later|earlier|greater|higher|lower|longer|shorter|"
    r"bigger|smaller|sooner)\b)|\b(?:false|untrue|wrong)\s+that\b",
    re.I,
)
_UNNEGATE = [
    (re.compile(r"\b(?:it\s+is|it's|it\u2019s)\s+(?:not\s+true|false|untrue|wrong)\s+that\s+", re.I), ""),
    (re.compile(r"\bwon[\u2019']?t\b", re.I), "will"),
    (re.compile(r"\bcan[\u2019']?t\b|\bcannot\b", re.I), "can"),
    (re.compile(r"\bain[\u2019']?t\b", re.I), "is"),
    (re.compile(r"\b(is|was|does|do|did|are|were|has|have|had|would|should|could)n[\u2019']?t\b", re.I), r"\1"),
    (re.compile(r"\s+not\b|\bnot\s+", re.I), " "),
    (re.compile(r"\bnever\s+", re.I), ""),
]


def negated(text: str) -> bool:
    """Whether the claim says the opposite of its positive form: an odd number of negations."""
    return len(_NEGATIONS.findall(text)) % 2 == 1


def without_negation(text: str) -> str:
    """The claim with its negations taken out ("Water doesn't boil at 50 C" -> "Water does boil at 50 C")."""
    out = text
    for pattern, replacement in _UNNEGATE:
        out = pattern.sub(replacement, out)
    out = re.sub(r"\bno\s+(?=(?:more|less|fewer|later|earlier|greater|higher|lower|longer|shorter)\b)", "", out,
                 flags=re.I)
    return re.sub(r"\s{2,}", " ", out).strip()


# --- comparisons -----------------------------------------------------------------------------------

_MORE = r"(?:more|greater|larger|bigger|higher|longer)\s+than|exceeds?|above|over|in\s+excess\s+of"
_LESS = r"(?:less|fewer|smaller|lower|shorter)\s+than|below|under"
_COMPARISONS: list[tuple[re.Pattern[str], Relation]] = [
    (re.compile(r"\bat\s+least\b|\bor\s+more\b|>=|\u2265", re.I), ">="),
    (re.compile(r"\bat\s+most\b|\bor\s+(?:fewer|less)\b|\bup\s+to\b|<=|\u2264", re.I), "<="),
    (re.compile(rf"\b(?:{_MORE})\b|>", re.I), ">"),
    (re.compile(rf"\b(?:{_LESS})\b|<", re.I), "<"),
]
_CLOCK_COMPARISONS: list[tuple[re.Pattern[str], Relation]] = [
    (re.compile(r"\b(?:after|past|later\s+than|gone)\b", re.I), ">"),
    (re.compile(r"\b(?:before|earlier\s+than|not\s+yet)\b", re.I), "<"),
]
_APPROXIMATE = re.compile(r"\b(?:about|approximately|approx|roughly|around|nearly|almost|close\s+to|some)\b|~|\u2248",
                          re.I)


def comparison(text: str) -> Relation:
    """The comparison a number claim makes: "more than 20" is >, "at least" >=, else ==."""
    for pattern, relation in _COMPARISONS:
        if pattern.search(text):
            return relation
    return "=="


def clock_comparison(text: str) -> Relation:
    for pattern, relation in _CLOCK_COMPARISONS:
        if pattern.search(text):
            return relation
    return "=="


def approximate(text: str) -> bool:
    return bool(_APPROXIMATE.search(text))


# --- numbers in words ------------------------------------------------------------------------------

_UNIT_WORDS_LIST = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                    "sixteen seventeen eighteen nineteen")
_UNITS = {word: index for index, word in enumerate(_UNIT_WORDS_LIST.split(" "))}
_TENS = {word: 10 * (index + 2) for index, word in enumerate(
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"))}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}


def _longest_first(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NUMBER_WORD = _longest_first([*_UNITS, *_TENS, *_SCALES, "a", "and", "dozen"])
_SPELLED = re.compile(
    rf"\b(?:{_longest_first([*_UNITS, *_TENS])}|a\s+(?:hundred|thousand|million|billion|dozen))"
    rf"(?:[\s-]+(?:{_NUMBER_WORD})\b)*",
    re.I,
)
_WORD = re.compile(r"[a-z]+", re.I)


@dataclass(frozen=True)
class Spelled:
    """A number written in words: where it is, its words and its value. `dozen`: the words end in "dozen"
    ("three dozen" is 3 dozen: `value` 3; "a dozen" is 1), so that a calculation can keep the unit."""

    start: int
    end: int
    words: str
    value: int
    dozen: bool = False


def _kind(word: str) -> str:
    if word in _UNITS:
        return "teen" if _UNITS[word] >= 10 else "unit"
    if word in _TENS:
        return "tens"
    return word if word in ("and", "a", "dozen", "hundred") else "scale"


def _read_spelled(match: re.Match[str]) -> list[Spelled]:
    """The numbers in one run of number words, by the grammar of English numbers: a run that breaks it ends
    one number and starts the next ("two and two" is two numbers; "three four" too). Two pairs of two digits
    with no scale word are a year ("nineteen ninety-six" is 1996)."""
    tokens = [(m.start() + match.start(), m.end() + match.start(), m.group(0).lower())
              for m in _WORD.finditer(match.group(0))]
    found: list[Spelled] = []
    index = 0
    while index < len(tokens):
        start = tokens[index][0]
        total, current, last, end, used = 0, 0, "", index, index
        pair: list[int] = []  # the two-digit groups of a year said in pairs
        while end < len(tokens):
            word = tokens[end][2]
            kind = _kind(word)
            if kind == "a":
                if last or end + 1 >= len(tokens) or _kind(tokens[end + 1][2]) not in ("hundred", "scale", "dozen"):
                    break
                current, last = 1, "a"
            elif kind == "and":
                if last not in ("hundred", "scale") or end + 1 >= len(tokens) or \
                        _kind(tokens[end + 1][2]) not in ("unit", "teen", "tens"):
                    break
                last = "and"
            elif kind == "unit" and last in ("", "tens", "hundred", "scale", "and"):
                if last == "tens" and current % 10:
                    break
                current += _UNITS[word]
                last = "unit"
            elif kind == "teen" and last in ("", "hundred", "scale", "and"):
                current += _UNITS[word]
                last = "teen"
            elif kind == "tens" and last in ("", "hundred", "scale", "and"):
                current += _TENS[word]
                last = "tens"
            elif kind in ("tens", "teen") and last in ("tens", "teen", "unit") and total == 0 and \
                    10 <= current <= 99 and not pair:
                pair = [current]  # "nineteen | ninety-six", "twenty | twenty-six"
                current = _TENS.get(word, _UNITS.get(word, 0))
                last = kind
            elif kind == "hundred" and last in ("a", "unit", "teen", "tens") and current % 100 and not pair:
                current *= 100
                last = "hundred"
            elif kind == "scale" and last in ("a", "unit", "teen", "tens", "hundred") and not pair:
                total += current * _SCALES[word]
                current, last = 0, "scale"
            elif kind == "dozen" and last in ("a", "unit", "teen", "tens") and not pair:
                end += 1
                used = end
                break
            else:
                break
            end += 1
            if last not in ("a", "and"):
                used = end
        if used == index:  # no number starts here ("a" on its own, "and")
            index += 1
            continue
        dozen = tokens[used - 1][2] == "dozen"
        value = pair[0] * 100 + current if pair else total + current
        words = " ".join(token[2] for token in tokens[index:used])
        if dozen and words == "a dozen":
            value = 1
        found.append(Spelled(start, tokens[used - 1][1], words, value, dozen))
        index = used
    return found


def spelled(text: str) -> list[Spelled]:
    """Every number written in words in `text`, left to right."""
    return [number for match in _SPELLED.finditer(text) for number in _read_spelled(match)]


def spelled_numbers(text: str) -> list[tuple[str, int]]:
    """Numbers written in words, with their value: ("three hundred and ninety-one", 391)."""
    return [(number.words, number.value * 12 if number.dozen else number.value) for number in spelled(text)]


_SCALED = re.compile(
    r"(?<![\w.,])(?P<money>[$\u20ac\u00a3]\s?)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<k>k)|\s?(?P<word>thousand|million|billion|trillion)|(?P<short>mn|bn|m|b))\b",
    re.I,
)
_SCALE_OF = {"k": 1000, "thousand": 1000, "million": 10**6, "mn": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9,
             "b": 10**9, "trillion": 10**12}


def with_digits(text: str) -> str:
    """The text with its numbers in digits: spelled numbers ("fifty-two" -> 52, "three dozen" -> "3 dozen",
    "a dozen" -> "1 dozen") and scaled ones ("4.99k" -> 4990, "1.5 million" -> 1500000; "5m" only after a currency sign,
    since it may be metres)."""
    out, at = [], 0
    for number in spelled(text):
        out.append(text[at:number.start])
        out.append(f"{number.value} dozen" if number.dozen else str(number.value))
        at = number.end
    out.append(text[at:])
    return _SCALED.sub(_scaled, "".join(out))


def _scaled(match: re.Match[str]) -> str:
    if match.group("short") and not match.group("money"):
        return match.group(0)
    scale = (match.group("k") or match.group("word") or match.group("short")).lower()
    value = (Decimal(match.group("number").replace(",", "")) * _SCALE_OF[scale]).normalize()
    return f"{match.group('money') or ''}{value:f}"


# --- spelling: month names typed wrong ---------------------------------------------------------------

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_LETTERS = re.compile(r"[A-Za-z]{4,}")
_DAY_AFTER = re.compile(r"\.?,?\s*\d")
_DAY_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?\s+(?:of\s+)?$", re.I)


def _distance(a: str, b: str) -> int:
    """Edits between two words (insert, delete, replace, swap two neighbours): "Febuary" is 1 from February."""
    rows = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (x != y)))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _meant(word: str, names: tuple[str, ...]) -> str | None:
    """The name a misspelt word means: two edits from a name of seven letters or more, one from a shorter one
    if capitalised ("match 3" stays a match), same first letter, and only one name that close ("Juny" could
    be June or July). A plural keeps its "s" ("Wensdays" is Wednesdays)."""
    lower = word.lower()
    plural = lower.endswith("s") and lower[:-1] in names
    if lower in names or plural:
        return None
    for stem, tail in ((lower, ""), (lower[:-1], "s")) if lower.endswith("s") else ((lower, ""),):
        close = [name for name in names if name[0] == stem[0] and len(name) >= 4
                 and _distance(stem, name) <= (2 if len(name) >= 7 else 1 if word[0].isupper() else 0)]
        if len(close) == 1:
            return close[0] + tail
    return None


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ANYWHERE = (*_WEEKDAY_NAMES, "between")  # words the calendar readers hang on, misspelt wherever they are


def respelled(text: str) -> str:
    """The text with misspelt names put right: a month next to a number ("Febuary 14, 2027", "3 Decmber
    2030"), a weekday ("Wensday") and "between" anywhere. A month-like word beside no day or year is left
    as written."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        meant = _meant(word, _ANYWHERE)
        if meant is None and (_DAY_AFTER.match(text, match.end())
                              or _DAY_BEFORE.search(text[max(0, match.start() - 12): match.start()])):
            meant = _meant(word, _MONTH_NAMES)
        if meant is None:
            return word
        return meant.capitalize() if word[0].isupper() else meant

    return _LETTERS.sub(fix, text)


# --- which offline kind ----------------------------------------------------------------------------

_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_WEEKDAY_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (r"(?:jan(?:uary)?|feb(?:r?uary)?|febuary|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_NUMBER = rf"(?:\d[\d,.]*|{_longest_first([*_UNITS, *_TENS])})"
_YEAR = r"\b\d{4}\b"
_DATEISH = re.compile(
    rf"\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|\b{_MONTH}\b\.?\s*\d{{1,2}}|"
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|\b(?:today|tomorrow|yesterday)\b", re.I)
_LEAP = re.compile(r"\bleap[\s-]*years?\b|\b366\s+days\b", re.I)
_WEEKDAY_COUNT = re.compile(rf"\b{_NUMBER}\s+{_WEEKDAY_FULL}s\b|\b{_WEEKDAY_FULL}s\b.*\b{_NUMBER}\b"
                            rf"|\bhow\s+many\s+{_WEEKDAY_FULL}s\b", re.I)
_DAY_COUNT = re.compile(
    rf"\b{_NUMBER}\s+(?:more\s+|whole\s+|full\s+)?days?\b.*\b(?:between|from|until|till|til|to|before|after|"
    rf"away|left|remain|since|apart|separate[sd]?)\b|\b(?:between|from|until|till)\b.*\b{_NUMBER}\s+days?\b|"
    rf"\bdays\s+(?:until|till|before|to)\b.*\b{_NUMBER}\b", re.I)
_WEEKDAY_CLAIM = re.compile(rf"\b{_WEEKDAY}\b", re.I)
_ARITHMETIC_WORDS = re.compile(
    r"[+*/^\u00d7\u00f7=<>\u2264\u2265\u221a]|\d\s*[x-]\s*\d|\b(?:plus|minus|times|multiplied|divided|squared|cubed|"
    r"square\s+root|sqrt|dozens?|"
    r"sum|product|difference|quotient|half|twice|double|triple|doubled|tripled|halved|percent|per\s+cent|"
    r"compound(?:ed|ing)?|interest|discount|off|increase[sd]?|decrease[sd]?|raise|tip|tax|grows?|"
    r"to\s+the\s+power)\b|%",
    re.I,
)
_UNIT_WORDS = (r"(?:mm|cm|m|km|in|inch(?:es)?|ft|feet|foot|yards?|yd|miles?|mi|kg|g|grams?|kilograms?|kilos?|"
               r"lbs?|pounds?|ounces?|oz|seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|liters?|litres?|"
               r"l|ml|gallons?|gb|mb|kb|tb|bytes?|dozens?|metres?|meters?|kilomet(?:er|re)s?|centimet(?:er|re)s?|"
               r"millimet(?:er|re)s?)")
_TWO_QUANTITIES = re.compile(rf"{_NUMBER}\s*{_UNIT_WORDS}\b.*\b(?:is|are|equals?|makes?|=|in)\b.*{_NUMBER}\s*"
                             rf"{_UNIT_WORDS}\b", re.I)
_CLOCK_WORDS = re.compile(
    rf"\b(?:o'?clock|a\.?m\.?|p\.?m\.?|noon|midnight|morning|afternoon|evening|night(?:time)?|{_WEEKDAY_FULL}|"
    r"the\s+time|local\s+time|the\s+date|already|right\s+now|currently|at\s+the\s+moment|now)\b|\b\d{1,2}:\d{2}\b",
    re.I)
_PLACE = re.compile(r"\b(?:in|at|for)\s+((?:[A-Z][\w.'\u2019-]*|São)(?:\s+(?:[A-Z][\w.'\u2019-]*|de|da))*)")
_FUTURE = re.compile(
    r"\b(?:will|won't|wont|shall|going\s+to|gonna|by|before|until|till|soon|tomorrow|tonight|next|later|someday|"
    r"eventually|upcoming|expected|predict|forecast|win|wins|beat|beats|election|price|stock|release[sd]?|"
    r"launch(?:es|ed)?|announce[sd]?)\b",
    re.I,
)
_PERSONAL = re.compile(r"\b(?:i|i'm|i'll|i've|me|my|mine|we|we're|we'll|our|us)\b", re.I)
_HEDGE = re.compile(
    r"^\s*(?:i\s+(?:bet|think|predict|reckon|guess|believe|expect|say|claim)|i'm\s+(?:sure|certain|betting)|"
    r"mark\s+my\s+words|my\s+(?:guess|bet|prediction)\s+is|calling\s+it|fun\s+fact|fact)\s*(?:that\s+)?[:,]?\s*",
    re.I,
)
_HOLIDAY_WORDS = re.compile(
    r"\b(?:christmas(?:\s+(?:day|eve))?|xmas|new\s+year'?s?(?:\s+(?:day|eve))?|halloween|valentine'?s?(?:\s+day)?|"
    r"thanksgiving(?:\s+day)?|easter(?:\s+(?:sunday|monday))?|good\s+friday|independence\s+day|"
    r"(?:the\s+)?fourth\s+of\s+july|july\s+4(?:th)?|4th\s+of\s+july|memorial\s+day|labou?r\s+day|"
    r"boxing\s+day|canada\s+day|juneteenth|veterans\s+day|columbus\s+day|st\.?\s+patrick'?s\s+day|"
    r"saint\s+patrick'?s\s+day|mother'?s\s+day|father'?s\s+day|mlk\s+day|martin\s+luther\s+king(?:\s+jr\.?)?\s+day|"
    r"presidents'?\s+day|washington'?s\s+birthday|ash\s+wednesday|palm\s+sunday|pentecost|groundhog\s+day|"
    r"earth\s+day|bastille\s+day|australia\s+day|anzac\s+day)\b",
    re.I,
)


def claim_of(prediction: str) -> str:
    """The claim without a leading hedge ("I bet that ...")."""
    return _HEDGE.sub("", prediction, count=1).strip()


def place_named(text: str) -> str | None:
    """The first place the text names that has a known timezone ("in Tokyo", "in St. John's")."""
    for match in _PLACE.finditer(text):
        words = match.group(1).split()
        for size in range(len(words), 0, -1):  # "Tokyo Japan" -> "Tokyo Japan", then "Tokyo"
            candidate = " ".join(words[:size]).rstrip(".,")
            if zone_for_place(candidate) is not None:
                return candidate
    return None


@dataclass(frozen=True)
class OfflineCue:
    kind: OfflineKind
    question: CalendarQuestion | None = None  # calendar only: which question, when the words make it clear


def offline_cue(prediction: str, *, data_source: bool = False) -> OfflineCue | None:
    """The offline kind that decides the prediction, from its words; None when it is not offline-decidable
    (a data source, the speaker's own life, an event still to come)."""
    claim = claim_of(prediction)
    if _PERSONAL.search(claim):
        return None
    has_day = bool(_DATEISH.search(claim) or _HOLIDAY_WORDS.search(claim) or re.search(_YEAR, claim))
    if _LEAP.search(claim) and re.search(rf"{_YEAR}|\b(?:this|next|last)\s+year\b|thousand", claim, re.I):
        return OfflineCue("calendar", "leap_year")
    if _WEEKDAY_COUNT.search(claim) and (re.search(_YEAR, claim) or re.search(r"\bthis\s+(?:year|month)\b", claim,
                                                                               re.I)):
        return OfflineCue("calendar", "weekday_count")
    if _DAY_COUNT.search(claim) and (has_day or re.search(r"\b(?:now|today)\b", claim, re.I)):
        return OfflineCue("calendar", "days_between")
    if data_source:
        return None
    place = place_named(claim)
    if place is not None and _CLOCK_WORDS.search(claim) and not _FUTURE.search(claim.replace(place, "")):
        return OfflineCue("clock")
    if _WEEKDAY_CLAIM.search(_HOLIDAY_WORDS.sub(" ", claim)) and has_day:  # not the Sunday of "Easter Sunday"
        return OfflineCue("calendar", "weekday")
    if _HOLIDAY_WORDS.search(claim) and _DATEISH.search(_HOLIDAY_WORDS.sub(" ", claim)):
        return OfflineCue("calendar", "date")
    numbers = re.findall(rf"{_NUMBER}", claim, re.I) + [word for word, _ in spelled_numbers(claim)]
    if len(numbers) >= 2 and (_ARITHMETIC_WORDS.search(claim) or _TWO_QUANTITIES.search(claim)):
        return OfflineCue("arithmetic")
    if re.search(r"\b(?:it\s+is|it's|today\s+is)\b.*\b(?:right\s+now|currently|already|at\s+the\s+moment)\b",
                 claim, re.I) and _CLOCK_WORDS.search(claim):
        return OfflineCue("clock")
    if not _FUTURE.search(claim) and not has_day and re.search(r"[A-Za-z]{3}", claim):
        return OfflineCue("fact")
    return None


__all__ = [
    "OfflineCue",
    "Spelled",
    "approximate",
    "calendar_fields",
    "claim_of",
    "clock_comparison",
    "clock_fields",
    "comparison",
    "negated",
    "offline_cue",
    "place_named",
    "respelled",
    "spelled",
    "spelled_numbers",
    "with_digits",
    "without_negation",
]


# --- the operands code can read itself --------------------------------------------------------------

_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*[/:])"
    rf"|\b(?:the\s+)?(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH})\b",
    re.I,
)
_WEEKDAY_NAME = re.compile(rf"\b({_WEEKDAY_FULL})\b", re.I)
_RELATIVE = re.compile(r"\b(today|tomorrow|yesterday)\b", re.I)


def _years(claim: str) -> list[int]:
    years = [int(y) for y in re.findall(r"(?<![\d/.-])(\d{4})(?![\d/-])", claim)]
    years += [value for _, value in spelled_numbers(claim) if 1000 <= value <= 9999]
    return list(dict.fromkeys(years))


def _one(values: list[Any]) -> Any:
    unique = list(dict.fromkeys(values))
    return unique[0] if len(unique) == 1 else None


def calendar_fields(claim: str, question: str | None, today: date, country: str | None,
                    full_dates: list[date]) -> dict[str, Any]:
    """The calendar operands the words give unambiguously: one holiday and one year, one weekday, one date
    written out in full (`full_dates`, read by the date resolver), the count next to "days" or "Fridays".
    Whatever is not certain is left to the model."""
    fields: dict[str, Any] = {}
    holiday_matches = [m.group(0) for m in _HOLIDAY_WORDS.finditer(claim)]
    holiday = _one([" ".join(h.split()) for h in holiday_matches])
    rest = _HOLIDAY_WORDS.sub(" ", claim)
    years = _years(claim)
    year = years[0] if len(years) == 1 else None
    weekday = _one([m.group(1).capitalize() for m in _WEEKDAY_NAME.finditer(rest)])
    holiday_day = f"{holiday} {year}" if holiday and year else None
    relative = _one([m.group(1).lower() for m in _RELATIVE.finditer(claim)])
    if question == "weekday":
        day = holiday_day or (full_dates[0].isoformat() if len(full_dates) == 1 and not holiday else None)
        if day is None and relative and not holiday and not full_dates:
            day = relative
        fields.update({key: value for key, value in (("day", day), ("weekday", weekday)) if value})
    elif question == "leap_year" and year:
        fields["year"] = year
    elif question == "date" and holiday_day:
        fields["day"] = holiday_day
        month_days = [m for m in _MONTH_DAY.finditer(rest)]
        if len(month_days) == 1 and year:
            m = month_days[0]
            with contextlib.suppress(ValueError, CalendarError):
                fields["other"] = date(year, month_number(m.group("month") or m.group("month2")),
                                       int(m.group("day") or m.group("day2"))).isoformat()
    elif question == "weekday_count":
        count = re.search(rf"\b(\d+|[a-z-]+(?:[\s-][a-z]+)?)\s+{_WEEKDAY_FULL}s\b", claim, re.I)
        months = [m.group(0) for m in re.finditer(rf"\b{_MONTH}\b", rest, re.I)
                  if not re.fullmatch(r"may|mar|jan|jun|jul|aug|sep|oct|nov|dec|feb|apr", m.group(0), re.I)
                  or m.group(0)[0].isupper()]
        plural = _one([m.group(1).capitalize() for m in re.finditer(rf"\b({_WEEKDAY_FULL})s\b", rest, re.I)])
        if plural:
            fields["weekday"] = plural
        if year:
            fields["year"] = year
        if len(months) == 1 or (not months and not _unknown_month(rest, year)):
            fields["month"] = month_number(months[0]) if months else None
        value = _count(count.group(1)) if count else None
        if value is not None:
            fields["value"] = value
    elif question == "days_between":
        count = re.search(r"\b(\d[\d,]*|[a-z]+(?:[\s-][a-z]+)*?)\s+(?:more\s+|whole\s+|full\s+)?days?\b", claim, re.I)
        value = _count(count.group(1)) if count else None
        if value is not None:
            fields["value"] = value
        if holiday and not year and len(full_dates) == 0:
            try:
                when = holiday_date(holiday, today.year, country)
                if when < today:
                    when = holiday_date(holiday, today.year + 1, country)
                fields.update(day="today", other=f"{holiday} {when.year}")
            except CalendarError:
                pass
        elif len(full_dates) == 2 and not holiday:
            fields.update(day=full_dates[0].isoformat(), other=full_dates[1].isoformat())
    return fields


_BEFORE_A_YEAR = frozenset({"in", "of", "for", "during", "year", "the", "throughout", "across", "through", "all",
                            "whole", "entire", "calendar"})


def _unknown_month(text: str, year: int | None) -> bool:
    """Whether a word we cannot read stands where a month would ("Juny 2025 has 4 Mondays"): then the span
    is not the whole year, and code leaves it to the model."""
    if year is None:
        return False
    return any(word.lower() not in _BEFORE_A_YEAR for word in re.findall(rf"\b([A-Za-z]+)\.?,?\s+{year}\b", text))


def _count(text: str) -> int | None:
    text = text.replace(",", "").strip()
    if text.isdigit():
        return int(text)
    found = spelled_numbers(text)
    return found[-1][1] if found and found[-1][0].replace(" ", "") == text.lower().replace("-", "").replace(" ", "") \
        else None


_TIME_OF_DAY = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])|\b(\d{1,2}):(\d{2})\b|\b(noon|midnight)\b", re.I)
_PERIOD_WORD = re.compile(r"\b(morning|afternoon|evening|night(?:time)?)\b", re.I)


def clock_fields(claim: str) -> dict[str, Any]:
    """The clock operands the words give for certain: the place, and one weekday, time or part of the day."""
    fields: dict[str, Any] = {}
    place = place_named(claim)
    if place is not None:
        fields["place"] = place
    weekdays = list(dict.fromkeys(m.group(1).capitalize() for m in _WEEKDAY_NAME.finditer(claim)))
    times = list(_TIME_OF_DAY.finditer(claim))
    periods = list(dict.fromkeys(m.group(1).lower().removesuffix("time") for m in _PERIOD_WORD.finditer(claim)))
    found = [bool(weekdays), bool(times), bool(periods)]
    if sum(found) != 1:
        return fields
    if weekdays and len(weekdays) == 1:
        fields.update(part="weekday", value=weekdays[0])
    elif periods and len(periods) == 1:
        fields.update(part="period", value=periods[0])
    elif len(times) == 1:
        m = times[0]
        if m.group(6):
            hour, minute = (12, 0) if m.group(6).lower() == "noon" else (0, 0)
        elif m.group(3):
            hour, minute = int(m.group(1)) % 12, int(m.group(2) or 0)
            hour += 12 if m.group(3).lower().startswith("p") else 0
        else:
            hour, minute = int(m.group(4)), int(m.group(5))
        if hour < 24 and minute < 60:
            fields.update(part="time", value=f"{hour:02d}:{minute:02d}")
    return fields
