"""What `GET /api/calls` asks for: a search, filters, an order and a page. Pure.

Every store answers the same query the same way: SQLite in SQL (FTS5 for `q`), other stores by reading
the owner's calls in order and keeping those `matches` accepts. Both follow these rules:

- `q`: every word of it starts a word of the call's statement, prompt or tags (case and accents ignored:
  "celt" finds "Celtics", "zurich" finds "Zürich"). Words are runs of letters and digits.
- `tags`: the call has every one of them.
- `statuses`: the call's stored status or its outcome (domain/outcomes.py) is one of them.
- `due_after` <= verification date < `due_before` (either may be left open).
- `category`: the verifiable category.
- `sort`: `newest` (made, newest first: the default), `oldest`, or `due` (verification date, soonest
  first); ties broken by id, so keyset pages neither skip nor repeat a call.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from calledit.domain.call import Call, CallStatus, VerifiableCategory
from calledit.domain.outcomes import Outcome, outcome_of

MAX_QUERY_WORDS = 12
_WORD = re.compile(r"[^\W_]+")


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    DUE = "due"


StatusFilter = CallStatus | Outcome
STATUS_FILTERS: tuple[str, ...] = tuple(dict.fromkeys([*CallStatus, *Outcome]))


def parse_status(value: str) -> StatusFilter:
    """A stored status or an outcome, by its name ("pending", "called_it"; "called it" too)."""
    name = value.strip().lower().replace(" ", "_").replace("-", "_")
    if name in CallStatus.__members__.values():
        return CallStatus(name)
    if name in Outcome.__members__.values():
        return Outcome(name)
    raise ValueError(f"unknown status {value!r}: use one of {', '.join(STATUS_FILTERS)}")


def words(text: str) -> list[str]:
    """The searchable words of a text: letters and digits, lowercased, accents removed."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(plain)


@dataclass(frozen=True)
class CallQuery:
    q: str | None = None
    tags: tuple[str, ...] = ()
    statuses: tuple[StatusFilter, ...] = ()
    due_before: datetime | None = None
    due_after: datetime | None = None
    category: VerifiableCategory | None = None
    sort: Sort = Sort.NEWEST
    limit: int = 20
    cursor: str | None = None
    query_words: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "query_words", tuple(dict.fromkeys(words(self.q or "")))[:MAX_QUERY_WORDS])

    @property
    def filtered(self) -> bool:
        """True when some calls of the owner may be left out (not a plain list)."""
        return bool(self.query_words or self.tags or self.statuses or self.due_before or self.due_after
                    or self.category)


def searchable_text(call: Call) -> str:
    """What `q` searches: the statement, the user's own words and the tags."""
    return " ".join([call.prediction_statement, call.raw_prompt, *call.tags])


def matches(call: Call, next_check_at: datetime | None, query: CallQuery, now: datetime) -> bool:
    """The query's filters (not its order or page), applied to one call."""
    if query.query_words:
        have = words(searchable_text(call))
        if not all(any(word.startswith(wanted) for word in have) for wanted in query.query_words):
            return False
    if query.tags and not set(query.tags) <= set(call.tags):
        return False
    if query.statuses:
        outcome = outcome_of(call, next_check_at, now)
        if not any(wanted in (call.status, outcome) for wanted in query.statuses):
            return False
    if query.due_before is not None and not call.verification_date < query.due_before:
        return False
    if query.due_after is not None and not call.verification_date >= query.due_after:
        return False
    return query.category is None or call.verifiable_category is query.category
