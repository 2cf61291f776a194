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


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local `$ref` (`#/$defs/...`) replaced by its definition, so that each part can
    be walked (or compiled to a grammar) on its own."""
    definitions: dict[str, Any] = {}

    def collect(node: Any) -> None:  # definitions may sit at any level (a schema embedded in another)
        if isinstance(node, dict):
            definitions.update(node.get("$defs", {}))
            definitions.update(node.get("definitions", {}))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(schema)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.split("/")[-1] in definitions:
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return resolve({**definitions[reference.split("/")[-1]], **rest})
            return {key: resolve(value) for key, value in node.items() if key not in ("$defs", "definitions")}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
