"""Fatebook's CSV export, read into calls. Pure.

Fatebook writes one row per forecast (its `questionsToCsv`), with these columns among others:
"Question title", "Forecast (scale = 0-1)", "Forecast created at", "Question created at", "Question resolve
by", "Resolution" (YES / NO / AMBIGUOUS, empty while open), "Resolved at", "Question notes", "Question tags".
Dates are `YYYY-MM-DD HH:MM:SS` in UTC (its seconds may lack their leading zero); ISO 8601 is read too.

Each question becomes one call: its title the statement, its resolve-by date the verification date, its
forecasts the call's forecasts (so the time-weighted Brier score carries over), YES called it, NO missed
it, AMBIGUOUS void. Fatebook questions are resolved by their owner, so the call is human-verifiable: it
waits for you when its date comes. A question is known by its title and creation time (its import key),
so importing the same export twice adds nothing. Rows of multiple-choice questions are reported and left
out: a call is a yes/no prediction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from calledit.domain.call import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_PROMPT_CHARS,
    Call,
    CallChange,
    CallState,
    CallStatus,
    Evidence,
    Forecast,
    Verdict,
    VerdictOutcome,
)
from calledit.domain.errors import BadRequest
from calledit.domain.exchange import Cleaner, ImportReport, Incoming, describe
from calledit.domain.tags import MAX_TAGS, normalize_tag, split_tags

TITLE = "Question title"
FORECAST = "Forecast (scale = 0-1)"
FORECAST_AT = "Forecast created at"
CREATED_AT = "Question created at"
RESOLVE_BY = "Question resolve by"
RESOLUTION = "Resolution"
RESOLVED_AT = "Resolved at"
NOTES = "Question notes"
TAGS = "Question tags"
OPTION = "Multiple choice option"
COLUMNS = (TITLE, FORECAST, FORECAST_AT, CREATED_AT, RESOLVE_BY, RESOLUTION, RESOLVED_AT, NOTES, TAGS)
REQUIRED = (TITLE, FORECAST, FORECAST_AT, CREATED_AT, RESOLVE_BY)
MODEL = "imported from Fatebook"
RESOLUTIONS = {"YES": VerdictOutcome.CONFIRMED, "NO": VerdictOutcome.REFUTED, "AMBIGUOUS": None}
_FATEBOOK_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_TEXT_LIMIT = 500  # a method's items hold at most this much


def parse_date(text: str) -> datetime:
    """A Fatebook date (UTC), or ISO 8601 with its offset; ValueError otherwise."""
    written = text.strip()
    if match := _FATEBOOK_DATE.fullmatch(written):
        year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
        value = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    else:
        value = datetime.fromisoformat(written.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"{written!r} is outside the years 1000-9000")
    return value


def import_key(title: str, created_at: datetime) -> str:
    digest = hashlib.sha256(f"{title}\n{created_at.astimezone(UTC).isoformat()}".encode()).hexdigest()
    return f"fatebook:{digest[:32]}"


@dataclass
class _Question:
    row: int
    first: dict[str, str]
    forecasts: list[tuple[int, Forecast]] = field(default_factory=list)


def read_fatebook(data: bytes, clean: Cleaner = lambda value: value) -> tuple[list[Incoming], ImportReport]:
    """The questions of a Fatebook CSV export as calls, and a report of the rows that could not be read.
    `clean` is applied to the text taken from the file. BadRequest when it is not Fatebook's export."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("That file is not UTF-8 text: import the CSV file Fatebook's export wrote.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise BadRequest(
            f"That is not Fatebook's CSV export: it has no {', '.join(repr(m) for m in missing)} column. Export "
            "your questions from Fatebook and import that file, or use format=calledit for CalledIt's JSON export."
        )
    report = ImportReport()
    questions: dict[tuple[str, str], _Question] = {}
    try:
        for row, record in enumerate(reader, 2):
            _read_row(row, {key: (value or "").strip() for key, value in record.items() if key}, questions, report)
    except csv.Error as exc:
        raise BadRequest(f"The CSV cannot be read past line {reader.line_num}: {exc}. Export it again from "
                         "Fatebook.") from None
    incoming = []
    for question in questions.values():
        try:
            incoming.append(_call(question, clean))
        except (ValueError, ValidationError) as exc:
            message = describe(exc) if isinstance(exc, ValidationError) else str(exc)
            report.problem(question.row, f"question {question.first[TITLE][:80]!r} not imported: {message}")
    return incoming, report


def _read_row(row: int, record: dict[str, str], questions: dict[tuple[str, str], _Question],
              report: ImportReport) -> None:
    if record.get(OPTION):
        report.problem(row, "a multiple-choice question: only yes/no questions become calls")
        return
    title = record.get(TITLE, "")
    if not title:
        report.problem(row, f"no {TITLE!r}: every row names its question")
        return
    question = questions.setdefault((title, record.get(CREATED_AT, "")), _Question(row, record))
    written = record.get(FORECAST, "")
    if not written:
        return  # a question without a forecast in this row: it is still imported
    try:
        probability = float(written)
        if not 0.0 <= probability <= 1.0:
            raise ValueError
    except ValueError:
        report.problem(row, f"{FORECAST!r} is {written!r}, not a probability between 0 and 1")
        return
    try:
        at = parse_date(record.get(FORECAST_AT, ""))
    except ValueError:
        report.problem(row, f"{FORECAST_AT!r} is {record.get(FORECAST_AT, '')!r}, not a date")
        return
    question.forecasts.append((row, Forecast(probability=probability, at=at)))


def _date(record: dict[str, str], column: str) -> datetime:
    try:
        return parse_date(record.get(column, ""))
    except ValueError:
        raise ValueError(f"{column!r} is {record.get(column, '')!r}, not a date") from None


def _call(question: _Question, clean: Cleaner) -> Incoming:
    record = question.first
    title = str(clean(record[TITLE]))
    created_at = _date(record, CREATED_AT)
    resolve_by = _date(record, RESOLVE_BY)
    resolution = record.get(RESOLUTION, "").upper()
    if resolution and resolution not in RESOLUTIONS:
        raise ValueError(f"{RESOLUTION!r} is {record.get(RESOLUTION)!r}: Fatebook writes YES, NO or AMBIGUOUS")
    forecasts = [forecast for _, forecast in sorted(question.forecasts, key=lambda item: (item[1].at, item[0]))]
    tags: list[str] = []
    for tag in split_tags(str(clean(record.get(TAGS, "")))):
        try:
            normalized = normalize_tag(tag)
        except ValueError:
            continue  # a label this tracker cannot hold: the call still comes in
        if normalized not in tags and len(tags) < MAX_TAGS:
            tags.append(normalized)
    notes = str(clean(record.get(NOTES, "")))
    resolved_at = _date(record, RESOLVED_AT) if resolution and record.get(RESOLVED_AT) else resolve_by
    confidence = forecasts[-1].probability if forecasts else None
    call = Call(
        id=uuid.uuid4().hex,
        raw_prompt=title[:MAX_PROMPT_CHARS],
        prediction_statement=title,
        verification_date=resolve_by,
        date_reasoning="The question's resolve-by date in Fatebook.",
        timezone="UTC",
        verification_mode="at_date",
        verifiable_category="human_verifiable_only",
        category_reasoning="Imported from Fatebook, where you resolved your questions yourself.",
        verifiability_score=0.5,
        verification_method={
            "source": ["You (imported from Fatebook)"],
            "criteria": [_shorten(notes) if notes else "The question resolves YES."],
            "steps": ["When the date comes, resolve it yourself: called it, missed it, or void."],
        },
        model=MODEL,
        confidence=confidence,
        forecasts=forecasts,
        tags=tags,
        created_at=created_at,
        updated_at=max([created_at, *(f.at for f in forecasts), *([resolved_at] if resolution else [])]),
    )
    history: list[CallChange] = []
    if resolution:
        call, entry = _resolved(call, RESOLUTIONS[resolution], resolution, resolved_at)
        history.append(entry)
    return Incoming(row=question.row, import_key=import_key(title, created_at), call=call, history=history,
                    next_check_at=None, schedule_known=True)


def _resolved(call: Call, outcome: VerdictOutcome | None, written: str, at: datetime) -> tuple[Call, CallChange]:
    """The call as Fatebook resolved it, and the history entry that says so (undo takes it back)."""
    note = f"Resolved {written} in Fatebook."
    if outcome is None:
        resolved = call.model_copy(update={"status": CallStatus.VOID})
    else:
        verdict = Verdict(verdict=outcome, confidence=1.0, reasoning=note, verified_at=at, model=None,
                          evidence=[Evidence(source="Fatebook", finding=note,
                                             criterion=call.verification_method.criteria[0])])
        resolved = call.model_copy(update={"status": CallStatus.VERIFIED, "verdict": verdict})
    entry = CallChange(
        id=uuid.uuid4().hex, call_id=call.id, at=at, actor="owner", action="resolved", note=note,
        before=CallState(status=call.status, confidence=call.confidence),
        after=CallState(status=resolved.status, verdict=resolved.verdict, confidence=resolved.confidence),
    )
    return resolved, entry


def _shorten(text: str) -> str:
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1].rstrip() + "\u2026"
