"""An arithmetic claim read whole by code: the calculation its words describe, the relation, the value claimed.

"A 25% discount on $40 leaves $30.00" is `$40 * (1 - 25%)` == `$30.00`; "the square root of two is more than
1.41" is `sqrt(2)` > `1.41`; "three dozen is 36" is `3 dozen` == `36`. The result is written in
`domain.expression`'s notation, which computes it exactly. Code reads a claim only when every word of it is
accounted for: a word it does not know leaves the claim to the model, which then writes the operands under
the kind's grammar. The negation is not read here: `claim_words.negated` counts it once, on the claim as
said, and this reads the positive claim (`claim_words.without_negation`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from calledit.agents import claim_words
from calledit.domain.expression import ExpressionError, Function, Number, evaluate_expression, parse_expression
from calledit.domain.offline_checks import Relation

MAX_CLAIM_CHARS = 240  # the calculator reads expressions of up to 200 characters (domain.expression.MAX_TEXT)
MAX_RELATIONS = 6  # "is", "equals", ... tried as the split between the calculation and the value
_AMOUNT = r"([$\u20ac\u00a3]?\d[\d,]*(?:\.\d+)?)"  # a plain amount (money or a number)
_PERCENT = r"(\d[\d,]*(?:\.\d+)?%)"
_OPERAND = r"([$\u20ac\u00a3]?\d[\d,]*(?:\.\d+)?%?|\([^()]{1,160}\)|sqrt\([^()]{1,160}\))"  # also a group
# After a word operator ("the square root of 16 plus 9", "half of 10 plus 4") another operation makes the
# scope unclear: the rule does not apply, and the claim is left to the model.
_ALONE = r"(?!\s*(?:[-+*/^\u00d7\u00f7]|x\s|plus\b|minus\b|times\b|over\b|divided\b|multiplied\b|squared\b|cubed\b))"
_PER_YEAR = (r"(?:\s+(?:a|per|each|every)\s+year|\s+(?:annual(?:ly)?|yearly|per\s+annum))?"
             r"(?:\s+(?:annual\s+|yearly\s+)?interest)?"
             r"(?:[\s,]+(?:compounded|compounding)(?:\s+(?:annually|yearly|every\s+year|each\s+year|once\s+a\s+year|"
             r"per\s+year))?)?")
_COMPOUND = re.compile(
    rf"{_AMOUNT}\s+(?:(?:invested|deposited|saved|lent|borrowed)\s+)?(?:at|growing\s+(?:at|by)|grows?\s+(?:at|by))\s+"
    rf"{_PERCENT}{_PER_YEAR}[\s,]+(?:for|over|after)\s+(\d+)\s+years?", re.I)


def _compound(match: re.Match[str]) -> str:
    """Growth at a rate for n years is compounding only when the words say so (or say "growing")."""
    if not re.search(r"compound|grow", match.group(0), re.I):
        return match.group(0)
    return f"{match.group(1)} * (1 + {match.group(2)})^{match.group(3)}"


# (pattern, replacement): the words of a calculation as the expression's notation, tried until none applies.
_REWRITES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(\d)\s*(?:percent|per\s+cent|pct)\b", re.I), r"\1%"),
    (re.compile(r"(?<=\d),(?=\d{3}(?!\d))"), ""),  # 1,000,000: the separators are no commas of the sentence
    (_COMPOUND, _compound),
    (re.compile(rf"\b(?:the\s+)?(?:square\s+root|sqrt)\s+of\s+{_OPERAND}{_ALONE}", re.I), r"sqrt(\1)"),
    (re.compile(rf"\u221a\s*{_OPERAND}{_ALONE}"), r"sqrt(\1)"),
    (re.compile(rf"{_OPERAND}\s+squared\b", re.I), r"\1^2"),
    (re.compile(rf"{_OPERAND}\s+cubed\b", re.I), r"\1^3"),
    (re.compile(rf"{_OPERAND}\s+(?:raised\s+)?to\s+the\s+power\s+(?:of\s+)?{_OPERAND}", re.I), r"\1^\2"),
    (re.compile(rf"{_OPERAND}\s+raised\s+to\s+{_OPERAND}", re.I), r"\1^\2"),
    (re.compile(rf"{_OPERAND}\s+to\s+the\s+(\d+)(?:st|nd|rd|th)(?:\s+power)?", re.I), r"\1^\2"),
    # a change by a percentage: off, discounts and markdowns; increases, tax and tips
    (re.compile(rf"\b(?:an?\s+)?{_PERCENT}\s+(?:discount|reduction|markdown|cut|decrease|drop)\s+(?:on|of|from|off|"
                rf"in|to)\s+{_OPERAND}", re.I), r"\2 * (1 - \1)"),
    (re.compile(rf"\b{_PERCENT}\s+off\s+(?:of\s+)?{_OPERAND}", re.I), r"\2 * (1 - \1)"),
    (re.compile(rf"{_OPERAND}\s+(?:with|at|after|less)\s+(?:an?\s+)?{_PERCENT}\s+(?:off|discount)", re.I),
     r"\1 * (1 - \2)"),
    (re.compile(rf"{_OPERAND}\s+(?:discounted|reduced|decreased|cut|marked\s+down|lowered|down)\s+by\s+{_PERCENT}",
                re.I), r"\1 * (1 - \2)"),
    (re.compile(rf"\b(?:an?\s+)?{_PERCENT}\s+(?:increase|rise|raise|markup|mark-up|hike)\s+(?:on|of|to|in)\s+"
                rf"{_OPERAND}", re.I), r"\2 * (1 + \1)"),
    (re.compile(rf"{_OPERAND}\s+(?:increased|raised|marked\s+up|grown|up)\s+by\s+{_PERCENT}", re.I), r"\1 * (1 + \2)"),
    (re.compile(rf"\b(?:an?\s+)?{_PERCENT}\s+(?:tip|tax|vat|commission|fee|interest|share)\s+(?:on|of)\s+{_OPERAND}",
                re.I), r"\2 * \1"),
    (re.compile(rf"{_OPERAND}\s+(?:plus|with|and|\+|including|after)\s+(?:an?\s+)?{_PERCENT}"
                r"(?:\s+(?:tax|tip|vat|interest|more|extra|markup))?(?![\d.])", re.I), r"\1 * (1 + \2)"),
    (re.compile(rf"{_OPERAND}\s+(?:minus|less|-)\s+{_PERCENT}(?![\d.])", re.I), r"\1 * (1 - \2)"),
    # operations in words
    (re.compile(rf"\b(?:the\s+)?(?:sum|total)\s+of\s+{_OPERAND}\s+and\s+{_OPERAND}{_ALONE}", re.I), r"(\1 + \2)"),
    (re.compile(rf"\b(?:the\s+)?product\s+of\s+{_OPERAND}\s+and\s+{_OPERAND}{_ALONE}", re.I), r"(\1 * \2)"),
    (re.compile(rf"\b(?:the\s+)?difference\s+(?:between|of)\s+{_OPERAND}\s+and\s+{_OPERAND}{_ALONE}", re.I),
     r"(\1 - \2)"),
    (re.compile(rf"\b(?:the\s+)?quotient\s+of\s+{_OPERAND}\s+(?:and|by)\s+{_OPERAND}{_ALONE}", re.I), r"(\1 / \2)"),
    (re.compile(rf"\badd(?:ing)?\s+{_OPERAND}\s+(?:and|to)\s+{_OPERAND}", re.I), r"(\1 + \2)"),
    (re.compile(rf"\bsubtract(?:ing)?\s+{_OPERAND}\s+from\s+{_OPERAND}", re.I), r"(\2 - \1)"),
    (re.compile(rf"{_OPERAND}\s+(?:taken\s+away|subtracted)\s+from\s+{_OPERAND}", re.I), r"(\2 - \1)"),
    (re.compile(rf"\bmultiply(?:ing)?\s+{_OPERAND}\s+by\s+{_OPERAND}", re.I), r"(\1 * \2)"),
    (re.compile(rf"\bdivid(?:e|ing)\s+{_OPERAND}\s+by\s+{_OPERAND}", re.I), r"(\1 / \2)"),
    (re.compile(r"\bmultiplied\s+by\b", re.I), "*"),
    (re.compile(r"\bdivided\s+by\b", re.I), "/"),
    (re.compile(r"\badded\s+to\b", re.I), "+"),
    (re.compile(rf"\bhalf\s+(?:of\s+)?{_OPERAND}{_ALONE}", re.I), r"(\1 / 2)"),
    (re.compile(rf"\b(?:a|one|1)\s+third\s+of\s+{_OPERAND}{_ALONE}", re.I), r"(\1 / 3)"),
    (re.compile(rf"\b(?:a|one|1)\s+quarter\s+of\s+{_OPERAND}{_ALONE}", re.I), r"(\1 / 4)"),
    (re.compile(rf"\b(?:twice|double)\s+{_OPERAND}{_ALONE}", re.I), r"(2 * \1)"),
    (re.compile(rf"\b(?:triple|thrice)\s+{_OPERAND}{_ALONE}", re.I), r"(3 * \1)"),
    (re.compile(rf"{_OPERAND}\s+doubled\b", re.I), r"(\1 * 2)"),
    (re.compile(rf"{_OPERAND}\s+tripled\b", re.I), r"(\1 * 3)"),
    (re.compile(rf"{_OPERAND}\s+halved\b", re.I), r"(\1 / 2)"),
    (re.compile(rf"^{_OPERAND}\s+and\s+{_OPERAND}$", re.I), r"\1 + \2"),  # "two and two make four"
]
_LEADING = re.compile(r"^(?:(?:the|a|an|what|so|yes|and|well)\b\s*|[,:;]\s*)+", re.I)

_VERBS = (r"is\s+equal\s+to|equals?|makes?|gives?|comes?\s+(?:out\s+)?to|leaves?|grows?\s+to|becomes?|"
          r"works?\s+out\s+(?:to|at)|yields?|totals?|adds?\s+up\s+to|amounts?\s+to|results?\s+in|exceeds?|"
          r"is|are|was|were|be")
_RELATION = re.compile(rf"\b(?P<verb>{_VERBS})\b|(?P<symbol>>=|<=|==|[=<>\u2264\u2265\u2248])", re.I)
_AUXILIARY = re.compile(
    r"(?:\s+(?:does|do|did|will|would|shall|should|must|can|could|always|still|actually|really|definitely|"
    r"certainly|surely|indeed|then|is\s+going\s+to|are\s+going\s+to|going\s+to))+\s*$", re.I)
_SYMBOLS: dict[str, Relation] = {">=": ">=", "\u2265": ">=", "<=": "<=", "\u2264": "<=", ">": ">", "<": "<",
                                 "=": "==", "==": "==", "\u2248": "=="}
_STATED: list[tuple[re.Pattern[str], Relation | None]] = [  # what may stand between the verb and the value
    (re.compile(r"^(?:(?:more|greater|larger|bigger|higher)\s+than|at\s+least)\s+or\s+equal\s+to\s+", re.I), ">="),
    (re.compile(r"^(?:less|fewer|smaller|lower)\s+than\s+or\s+equal\s+to\s+", re.I), "<="),
    (re.compile(r"^(?:(?:more|greater|larger|bigger|higher)\s+than|over|above|in\s+excess\s+of)\s+", re.I), ">"),
    (re.compile(r"^(?:(?:less|fewer|smaller|lower)\s+than|under|below)\s+", re.I), "<"),
    (re.compile(r"^at\s+least\s+", re.I), ">="),
    (re.compile(r"^at\s+most\s+", re.I), "<="),
    (re.compile(r"^(?:exactly|precisely|just|equal\s+to|the\s+same\s+as|to|a\s+total\s+of|in\s+total)\s+", re.I), None),
]
_ABOUT = re.compile(r"^(?:about|approximately|approx\.?|roughly|around|nearly|almost|close\s+to|some|~)\s*", re.I)
_TRAILING: list[tuple[re.Pattern[str], Relation | None]] = [
    (re.compile(r"\s+or\s+(?:more|higher|greater|above)$", re.I), ">="),
    (re.compile(r"\s+or\s+(?:less|fewer|lower|below)$", re.I), "<="),
    (re.compile(r"\s+(?:exactly|precisely|in\s+total|altogether|on\s+the\s+dot)$", re.I), None),
]


def arithmetic_fields(claim: str) -> dict[str, Any] | None:
    """The whole query of an arithmetic claim (`expression`, `comparator`, `value`, `approximate`), or None
    when some of its words are not a calculation code reads."""
    text = claim_words.with_digits(claim_words.without_negation(claim)).strip().rstrip(".!?")
    if len(text) > MAX_CLAIM_CHARS:
        return None  # a calculation the calculator reads is short; a long text is not one claim of arithmetic
    for relation in itertools.islice(_RELATION.finditer(text), MAX_RELATIONS):
        left = _AUXILIARY.sub("", text[: relation.start()]).strip(" ,")
        right = text[relation.end():].strip()
        verb = (relation.group("verb") or "").lower()
        comparator: Relation = ">" if verb.startswith("exceed") else _SYMBOLS.get(relation.group("symbol") or "", "==")
        approximate = relation.group("symbol") == "\u2248"
        right, stated, about = _value_words(right)
        if stated is not None:
            if comparator != "==":
                continue  # "exceeds more than": not a relation this reads
            comparator = stated
        reading = _reading(left, right, comparing=comparator != "==")
        if reading is not None:
            return {"expression": reading[0], "comparator": comparator, "value": reading[1],
                    "approximate": approximate or about}
    return None


def _value_words(right: str) -> tuple[str, Relation | None, bool]:
    """The value claimed, without the words around it, and the comparison and "about" those words state."""
    stated: Relation | None = None
    about = False
    changed = True
    while changed:
        changed = False
        if (match := _ABOUT.match(right)) and match.end():
            right, about, changed = right[match.end():], True, True
        for pattern, relation in [*_STATED]:
            if match := pattern.match(right):
                right, changed = right[match.end():], True
                stated = relation or stated
        for pattern, relation in _TRAILING:
            if match := pattern.search(right):
                right, changed = right[: match.start()], True
                stated = relation or stated
    right = re.sub(r"^(?:negative|minus)\s+(?=[$\u20ac\u00a3]?\d)", "-", right.strip(), flags=re.I)
    return right, stated, about


def _reading(left: str, right: str, *, comparing: bool) -> tuple[str, str] | None:
    """The expression and the value as the calculator reads them, when both read whole and measure alike.
    A lone plain number is a calculation only when compared ("4990 is less than 5000", not "2026 is 2026")."""
    expression = _LEADING.sub("", left)
    for _ in range(8):  # nested phrases ("the square root of the sum of 9 and 16") take a rule per level
        before = expression
        for pattern, replacement in _REWRITES:
            expression = pattern.sub(replacement, expression)
        if expression == before:
            break
    value = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", right)
    if not expression or not value or not re.search(r"\d", expression):
        return None
    try:
        tree, claimed = parse_expression(expression), parse_expression(value)
        if not isinstance(claimed, Number) and not (isinstance(claimed, Function) and claimed.fn == "neg"
                                                    and isinstance(claimed.arg, Number)):
            return None  # the value claimed is a number, not a second calculation
        if isinstance(tree, Number) and not tree.unit and not comparing:
            return None
        if evaluate_expression(tree).dimension != evaluate_expression(claimed).dimension:
            return None
    except ExpressionError:
        return None
    return expression, value


__all__ = ["arithmetic_fields"]
