"""What one log entry says about a call, and how it hides what the owner did not share.

An entry (a Merkle leaf) is a small JSON document: the call's id, the entry's number within the call (`n`),
the leaf hash of the call's previous entry (`prev`: a chain, so no entry can be left out of a proof), when it
was written, and one salted hash per field of the call as it stood then:

    field hash = SHA-256("calledit-field/1" 0x00 || salt || name || 0x00 || value)

`value` is the field's canonical JSON text; `salt` = HMAC-SHA256(call salt, "<n> 0x00 <name>"), where the
call salt is 32 random bytes kept privately beside the call. Revealing one field of one entry (its salt
and value) reveals nothing about any other field or entry, and a hash alone cannot be guessed back. A
proof of a shared call reveals the shared fields only; the owner's own proof reveals them all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict

from calledit.domain.call import Call

LEAF_VERSION = 1
LOG_NAME = "calledit"
FIELD_TAG = b"calledit-field/1\x00"
SALT_BYTES = 32
# Fields that change with no change to the call, and so are not committed.
UNCOMMITTED = frozenset({"updated_at"})
OWNER_FIELD = "owner"
EVENT_FIELD = "event"  # what the entry records: logged, verified, resolved, confidence, undone, ...


def canonical(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8. The server alone writes it; verifiers hash it as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def field_salt(call_salt: bytes, n: int, name: str) -> bytes:
    return hmac.new(call_salt, f"{n}\x00{name}".encode(), hashlib.sha256).digest()


def field_hash(salt: bytes, name: str, value_text: str) -> str:
    return hashlib.sha256(FIELD_TAG + salt + name.encode() + b"\x00" + value_text.encode()).hexdigest()


def committed_values(owner: str, call: Call, event: str) -> dict[str, str]:
    """Every committed field of `call` as canonical JSON text, with its owner and the entry's event."""
    values = {name: canonical(value) for name, value in call.model_dump(mode="json").items() if name not in UNCOMMITTED}
    values[OWNER_FIELD] = canonical(owner)
    values[EVENT_FIELD] = canonical(event)
    return values


def default_values() -> dict[str, str]:
    """The canonical text of each call field's default: a field added to the call after an entry was
    written (at its default) is no change to that call."""
    defaults: dict[str, str] = {}
    for name, info in Call.model_fields.items():
        if not info.is_required():
            defaults[name] = canonical(info.get_default(call_default_factory=True))
    return defaults


class Leaf(BaseModel):
    """The public part of a log entry, as its JSON text is hashed into the tree."""

    model_config = ConfigDict(extra="forbid")

    v: int
    log: str
    call: str
    n: int
    prev: str | None
    at: str
    fields: dict[str, str]

    def text(self) -> str:
        return canonical(self.model_dump())


def build_leaf(call_salt: bytes, call_id: str, n: int, prev: str | None, at: str, values: dict[str, str]) -> Leaf:
    fields = {name: field_hash(field_salt(call_salt, n, name), name, text) for name, text in values.items()}
    return Leaf(v=LEAF_VERSION, log=LOG_NAME, call=call_id, n=n, prev=prev, at=at, fields=fields)


def differences(
    leaf: Leaf, call_salt: bytes, values: dict[str, str], *, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """The fields whose value in `values` is not the one `leaf` committed to (a field the leaf lacks counts
    only when its value is not the field's default)."""
    defaults = default_values()
    changed = []
    for name, text in values.items():
        if name in ignore:
            continue
        committed = leaf.fields.get(name)
        if committed is None:
            if defaults.get(name) != text:
                changed.append(name)
        elif committed != field_hash(field_salt(call_salt, leaf.n, name), name, text):
            changed.append(name)
    changed.extend(name for name in leaf.fields if name not in values and name not in ignore)
    return changed
