"""JSON Schemas of the protocol and the call, exported to docs/schema/ (the web UI checks against them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from calledit.domain.call import Call, CallContent, CallCreate, CallDraft
from calledit.domain.events import CLIENT_ACTIONS, SERVER_EVENTS


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every shape that crosses a boundary."""
    return {
        "client-actions.schema.json": {"title": "ClientAction", **CLIENT_ACTIONS.json_schema()},
        "server-events.schema.json": {"title": "ServerEvent", **SERVER_EVENTS.json_schema()},
        "call.schema.json": TypeAdapter(Call).json_schema(),
        "call-content.schema.json": TypeAdapter(CallContent).json_schema(),
        "call-create.schema.json": TypeAdapter(CallCreate).json_schema(),
        "call-draft.schema.json": TypeAdapter(CallDraft).json_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = directory / name
        path.write_text(render(schema))
        written.append(path)
    return written
