from __future__ import annotations

from pathlib import Path

from calledit.domain.schema import render, schemas

DOCS = Path(__file__).parents[3] / "docs" / "schema"


def test_exported_schemas_are_up_to_date() -> None:
    for name, schema in schemas().items():
        path = DOCS / name
        assert path.exists(), f"run `calledit schema` to export {name}"
        assert path.read_text() == render(schema), f"{name} is stale: run `calledit schema`"


def test_events_schema_is_a_union_on_type() -> None:
    events = schemas()["server-events.schema.json"]
    assert events["discriminator"]["propertyName"] == "type"
    assert set(events["discriminator"]["mapping"]) == {
        "status", "text", "tool", "call", "complete", "verdict", "notification", "error", "pong"}
    actions = schemas()["client-actions.schema.json"]
    assert set(actions["discriminator"]["mapping"]) == {"makecall", "cancel", "ping"}
