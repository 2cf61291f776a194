"""Calls in and out: the JSON export (this tracker's own format), the CSV export, and reading an export
back. Pure: text in, models out (tracker/transfer.py does the reading and writing).

The JSON export is `{"format": "calledit", "version": 1, "exported_at", "calls": [...]}`, each call as
stored plus `history` (its changes, oldest first), `import_key` (where it came from: `calledit:<id>` for
a call logged here) and `next_check_at`. Importing it into any account gives back the same calls (new
ids; the same statements, dates, forecasts, verdicts, tags, timestamps and history), and importing it
twice adds nothing: the import key stays with the call.

The CSV export is one row per call (CSV_COLUMNS), for spreadsheets: text cells that a spreadsheet would
run as a formula (starting with = + - @) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from calledit.domain.call import Call, CallChange, CallStatus
from calledit.domain.errors import BadRequest
from calledit.domain.outcomes import LABELS, Outcome, settled_outcome

EXPORT_FORMAT = "calledit"
EXPORT_VERSION = 1
ImportFormat = Literal["calledit", "fatebook"]
ExportFormat = Literal["json", "csv"]
CSV_COLUMNS = (
    "id", "created_at", "prediction_statement", "raw_prompt", "verification_date", "timezone", "verification_mode",
    "verifiable_category", "status", "outcome", "confidence", "tags", "verdict", "verified_at", "verdict_reasoning",
    "model",
)
MAX_PROBLEMS = 200  # an import reports at most this many problems (and says how many more)
Cleaner = Callable[[Any], Any]


class ExportedCall(Call):
    """One call in the JSON export."""

    history: list[CallChange] = Field(default_factory=list, description="its changes, oldest first")
    import_key: str | None = Field(default=None, max_length=300, description="where it came from")
    next_check_at: AwareDatetime | None = Field(default=None, description="its next agent check, if any")


class ExportFile(BaseModel):
    """`GET /api/export?format=json` (the whole document; it is streamed as it is read)."""

    format: Literal["calledit"] = "calledit"
    version: int = EXPORT_VERSION
    exported_at: AwareDatetime
    calls: list[ExportedCall]


class ImportProblem(BaseModel):
    row: int = Field(description="calledit: the call's position in `calls` (1 = first); fatebook: the CSV "
                     "record's number, the header being row 1")
    message: str


class ImportReport(BaseModel):
    """`POST /api/import`: what was added, what was already there, and what could not be read."""

    imported: int = Field(default=0, description="calls added")
    skipped: int = Field(default=0, description="calls already imported before (same import key): left as they are")
    errors: list[ImportProblem] = Field(default_factory=list, description="rows that could not be imported, and why")

    def problem(self, row: int, message: str) -> None:
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(ImportProblem(row=row, message=message))
        elif len(self.errors) == MAX_PROBLEMS:
            self.errors.append(ImportProblem(row=row, message="More rows have problems: fix the ones above first."))


@dataclass(frozen=True)
class Incoming:
    """A call read from a file, ready to store: fresh ids, its import key, its history."""

    row: int
    import_key: str
    call: Call
    history: list[CallChange]
    next_check_at: datetime | None
    schedule_known: bool  # False: the file did not say; the policy decides


# --- out ----------------------------------------------------------------------------------------------


def export_head(now: datetime) -> str:
    """The JSON export up to its first call; then `export_item`s joined by commas, then EXPORT_TAIL."""
    head = json.dumps({"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": now.isoformat()})
    return head[:-1] + ', "calls": [\n'


EXPORT_TAIL = "\n]}\n"


def export_item(call: Call, history: list[CallChange], import_key: str, next_check_at: datetime | None) -> str:
    exported = ExportedCall.model_construct(  # the call and its history are validated already
        **dict(call), history=history, import_key=import_key, next_check_at=next_check_at
    )
    return exported.model_dump_json()


def _cell(text: str) -> str:
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_head() -> str:
    return _csv_line(list(CSV_COLUMNS))


def csv_item(call: Call, outcome: Outcome) -> str:
    verdict = call.verdict
    return _csv_line([
        call.id, call.created_at.isoformat(), _cell(call.prediction_statement), _cell(call.raw_prompt),
        call.verification_date.isoformat(), call.timezone, call.verification_mode.value,
        call.verifiable_category.value, call.status.value, LABELS[outcome],
        "" if call.confidence is None else f"{call.confidence:g}", _cell("; ".join(call.tags)),
        verdict.verdict.value if verdict else "", verdict.verified_at.isoformat() if verdict else "",
        _cell(verdict.reasoning) if verdict else "", _cell(call.model),
    ])


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


# --- in -----------------------------------------------------------------------------------------------


def describe(exc: ValidationError) -> str:
    """A validation error in one line: each problem with where it is."""
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"])
        problems.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(problems)


def read_export(data: bytes, clean: Cleaner = lambda value: value) -> tuple[list[Incoming], ImportReport]:
    """The calls of a JSON export, each relabelled with fresh ids, and a report holding the calls that could
    not be read. `clean` is applied to each call's JSON before it is validated. BadRequest when the file
    is not an export at all."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise BadRequest("That file is not JSON: import the file GET /api/export?format=json (or `calledit export`) "
                         "wrote, or use format=fatebook for Fatebook's CSV export.") from None
    calls = document.get("calls") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT or not isinstance(calls, list):
        raise BadRequest('That JSON is not a CalledIt export ({"format": "calledit", "calls": [...]}): import the file '
                         "GET /api/export?format=json wrote, or use format=fatebook for Fatebook's CSV export.")
    report = ImportReport()
    incoming: list[Incoming] = []
    for row, item in enumerate(calls, 1):
        try:
            exported = ExportedCall.model_validate(clean(item))
        except ValidationError as exc:
            report.problem(row, f"not a valid call: {describe(exc)}")
            continue
        if exported.status is CallStatus.VERIFIED and settled_outcome(exported) is None:
            report.problem(row, "a verified call needs a confirmed or refuted verdict: fix its status or verdict")
            continue
        incoming.append(relabel(row, exported))
    return incoming, report


def relabel(row: int, exported: ExportedCall) -> Incoming:
    """The exported call with fresh ids for it and its history (ids are unique across accounts), its
    history's `undoes` links kept."""
    call_id = uuid.uuid4().hex
    ids = {entry.id: uuid.uuid4().hex for entry in exported.history}
    history = [
        entry.model_copy(update={"id": ids[entry.id], "call_id": call_id,
                                 "undoes": ids.get(entry.undoes, entry.undoes) if entry.undoes else None})
        for entry in exported.history
    ]
    call = Call(**{name: getattr(exported, name) for name in Call.model_fields if name != "id"}, id=call_id)
    return Incoming(
        row=row, import_key=exported.import_key or f"{EXPORT_FORMAT}:{exported.id}", call=call, history=history,
        next_check_at=exported.next_check_at, schedule_known="next_check_at" in exported.model_fields_set,
    )
