"""Every call of a user out (JSON with history, or CSV), and calls in (a CalledIt export or Fatebook's CSV).

The formats are domain/exchange.py and domain/fatebook.py; this module reads and writes the store. An
export is produced as it is read, so 10,000 calls never sit in memory at once. An import stores each call
in its own transaction: a call already imported (the same import key) is skipped, so importing a file
twice adds nothing, and a file cut short imports what it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from calledit.agents.sanitize import clean_value, strip_controls
from calledit.domain.call import CallStatus
from calledit.domain.exchange import (
    EXPORT_TAIL,
    ExportFormat,
    ImportFormat,
    ImportReport,
    csv_head,
    csv_item,
    export_head,
    export_item,
    read_export,
)
from calledit.domain.fatebook import read_fatebook
from calledit.domain.outcomes import outcome_of
from calledit.domain.policy import first_check_at
from calledit.storage.base import TrackerStore

log = logging.getLogger(__name__)


def export_chunks(store: TrackerStore, owner: str, fmt: ExportFormat, now: datetime) -> Iterator[str]:
    """The owner's export, piece by piece, newest call first."""
    if fmt == "csv":
        yield csv_head()
        for stored in store.export_calls(owner):
            yield csv_item(stored.call, outcome_of(stored.call, stored.next_check_at, now))
        return
    yield export_head(now)
    for index, stored in enumerate(store.export_calls(owner)):
        yield ("" if index == 0 else ",\n") + export_item(stored.call, stored.history, stored.import_key,
                                                           stored.next_check_at)
    yield EXPORT_TAIL


def _controls_stripped(value: Any) -> Any:
    """A CalledIt export's text is this tracker's own, cleaned when it was logged: only control characters
    go (cleaning markup again would not leave it as it was)."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [_controls_stripped(item) for item in value]
    if isinstance(value, dict):
        return {key: _controls_stripped(item) for key, item in value.items()}
    return value


def import_calls(store: TrackerStore, owner: str, fmt: ImportFormat, data: bytes, now: datetime) -> ImportReport:
    """Store the calls a file holds for `owner`; what was imported, skipped and why rows were refused."""
    if fmt == "fatebook":
        incoming, report = read_fatebook(data, clean=clean_value)
    else:
        incoming, report = read_export(data, clean=_controls_stripped)
    for item in incoming:
        call = item.call
        open_call = call.status in (CallStatus.PENDING, CallStatus.INCONCLUSIVE)
        next_check = item.next_check_at if item.schedule_known else first_check_at(call, now)
        if store.import_call(owner, call, item.history, item.import_key, next_check if open_call else None):
            report.imported += 1
        else:
            report.skipped += 1
    log.info("user=<%s>, format=<%s>, imported=<%d>, skipped=<%d>, problems=<%d> | import done",
             owner, fmt, report.imported, report.skipped, len(report.errors))
    return report
