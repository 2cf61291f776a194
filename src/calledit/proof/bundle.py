"""A call's proof, as `GET /api/calls/{id}/proof` serves it, and the offline check of one.

The bundle carries everything a verifier needs and nothing it must trust: the log's public key (to compare
with the one the operator publishes), the latest signed tree head, and each entry of the call with its leaf
text, its audit path to that head, the head signed when it was appended with a consistency proof from
there to the latest, and the salts and values of the disclosed fields. `verify_proof` recomputes every
hash and signature and says, field by field, since which entry the value shown is unchanged.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, Field, ValidationError

from calledit.proof import merkle
from calledit.proof.leaf import LOG_NAME, field_hash
from calledit.proof.signing import TreeHead, key_id, verify_head

FORMAT: Final = "calledit-proof/1"

# How the verifier's sentences name each field (anything else: "the field NAME").
LABELS = {
    "prediction_statement": "This statement",
    "verification_method": "How it will be checked",
    "verification_date": "The check date",
    "confidence": "The owner's confidence",
    "verdict": "The verdict",
    "status": "The status",
    "created_at": "The logged time",
    "raw_prompt": "The owner's own words",
}


class Disclosure(BaseModel):
    salt: str = Field(description="hex: this field's salt in this entry")
    value: str = Field(description="the field's canonical JSON text, hashed as is")


class ProofEntry(BaseModel):
    index: int = Field(ge=0, description="the entry's position in the log (leaf index)")
    leaf: str = Field(description="the leaf's JSON text; its leaf hash is SHA-256(0x00 || UTF-8 text)")
    inclusion: list[str] = Field(description="hex audit path to `head` (RFC 9162 §2.1.3)")
    appended: TreeHead = Field(description="the head signed when this entry was appended")
    consistency: list[str] = Field(description="hex proof that `appended` is a prefix of `head` (§2.1.4)")
    disclosed: dict[str, Disclosure] = Field(default_factory=dict)


class CallProof(BaseModel):
    format: Literal["calledit-proof/1"] = FORMAT
    call_id: str
    public_key: str = Field(description="base64 raw Ed25519 public key of the log")
    head: TreeHead
    entries: list[ProofEntry]


class FieldFinding(BaseModel):
    name: str
    value: Any
    since_index: int = Field(description="log index of the earliest entry from which the value is unchanged")
    since_n: int = Field(description="that entry's number within the call (0 = when it was logged)")
    since: datetime = Field(description="when that entry's head was signed")

    def sentence(self) -> str:
        label = LABELS.get(self.name, f"The field {self.name}")
        return f"{label} was in the log at {self.since:%Y-%m-%d %H:%M} UTC, entry {self.since_index}, unchanged since."


class ProofReport(BaseModel):
    ok: bool
    call_id: str
    problems: list[str] = Field(default_factory=list)
    key_id: str = ""
    key_pinned: bool = Field(False, description="the key matched one the verifier was given")
    head_size: int = 0
    head_at: datetime | None = None
    entries: int = 0
    fields: list[FieldFinding] = Field(default_factory=list)

    def field(self, name: str) -> FieldFinding | None:
        return next((f for f in self.fields if f.name == name), None)

    def sentences(self) -> list[str]:
        if not self.ok:
            return [f"NOT PROVED: {problem}" for problem in self.problems]
        order = {name: i for i, name in enumerate(LABELS)}
        lines = [f.sentence() for f in sorted(self.fields, key=lambda f: (order.get(f.name, len(order)), f.name))]
        assert self.head_at is not None
        lines.append(
            f"All {self.entries} entries of this call are in the log's head of {self.head_size} entries, signed "
            f"{self.head_at:%Y-%m-%d %H:%M} UTC by key {self.key_id[:16]}."
        )
        if not self.key_pinned:
            lines.append("The key came with the proof: compare its id with the one the operator publishes "
                         "(or pass it to check against).")
        return lines


def _hashes(values: list[str]) -> list[bytes] | None:
    try:
        decoded = [bytes.fromhex(v) for v in values]
    except ValueError:
        return None
    return decoded if all(len(d) == merkle.HASH_SIZE for d in decoded) else None


def parse_proof(data: bytes | str | dict[str, Any]) -> CallProof:
    """A bundle from JSON; ValueError naming what is wrong with it."""
    try:
        if isinstance(data, dict):
            return CallProof.model_validate(data)
        return CallProof.model_validate_json(data)
    except ValidationError as exc:
        raise ValueError(f"not a CalledIt proof ({FORMAT}): {exc.errors()[0]['msg']}") from None


def verify_proof(proof: CallProof, trusted_key: bytes | None = None) -> ProofReport:
    """Check every hash and signature of `proof`, offline. With `trusted_key`, the log's key must be it."""
    report = ProofReport(ok=False, call_id=proof.call_id)
    problems = report.problems
    try:
        public = base64.b64decode(proof.public_key, validate=True)
    except ValueError:
        problems.append("the proof's public key is not base64.")
        return report
    report.key_id = key_id(public)
    if trusted_key is not None:
        if trusted_key != public:
            problems.append(f"the log key {report.key_id[:16]} is not the key you trust ({key_id(trusted_key)[:16]}).")
            return report
        report.key_pinned = True
    head = proof.head
    head_root = bytes.fromhex(head.root_hash) if len(head.root_hash) == 64 else b""
    if not verify_head(head, public):
        problems.append("the tree head's signature does not verify with the log's key.")
        return report
    report.head_size, report.head_at = head.tree_size, head.signed_at
    if not proof.entries:
        problems.append("the proof has no entries: the call is not in the log.")
        return report
    report.entries = len(proof.entries)

    leaves: list[dict[str, Any]] = []
    previous: str | None = None
    for n, entry in enumerate(proof.entries):
        where = f"entry {entry.index}"
        try:
            leaf = json.loads(entry.leaf)
        except ValueError:
            problems.append(f"{where}: the leaf is not JSON.")
            return report
        if not isinstance(leaf, dict) or leaf.get("log") != LOG_NAME or leaf.get("call") != proof.call_id:
            problems.append(f"{where} is not an entry of call {proof.call_id}.")
            return report
        if leaf.get("n") != n or leaf.get("prev") != previous:
            problems.append(f"{where} does not follow the call's previous entry: an entry is missing or out of order.")
            return report
        digest = merkle.leaf_hash(entry.leaf.encode())
        path, consistency = _hashes(entry.inclusion), _hashes(entry.consistency)
        if path is None or not merkle.verify_inclusion(entry.index, head.tree_size, digest, path, head_root):
            problems.append(f"{where} is not in the signed tree head: its leaf or audit path does not hash to the "
                            "head's root.")
            return report
        appended = entry.appended
        if not verify_head(appended, public) or not entry.index < appended.tree_size <= head.tree_size:
            problems.append(f"{where}: the head signed when it was appended is not valid.")
            return report
        if consistency is None or not merkle.verify_consistency(
            appended.tree_size, head.tree_size, bytes.fromhex(appended.root_hash), head_root, consistency
        ):
            problems.append(f"{where}: the log since it was appended is not an extension of the log then "
                            "(the consistency proof fails).")
            return report
        fields = leaf.get("fields")
        if not isinstance(fields, dict):
            problems.append(f"{where}: the leaf has no field hashes.")
            return report
        leaves.append(fields)
        previous = digest.hex()

    # Each disclosed value: the latest entry must commit to it; then walk back while earlier entries did too.
    latest = proof.entries[-1]
    for name, shown in latest.disclosed.items():
        matches = [_matches(entry.disclosed.get(name), name, shown.value, fields)
                   for entry, fields in zip(proof.entries, leaves, strict=True)]
        if not matches[-1]:
            problems.append(f"{LABELS.get(name, name)} ({name}) differs from what the log holds: the stored call was "
                            "changed outside the server's record of changes.")
            continue
        first = len(matches) - 1
        while first > 0 and matches[first - 1]:
            first -= 1
        since = proof.entries[first]
        report.fields.append(FieldFinding(name=name, value=json.loads(shown.value), since_index=since.index,
                                          since_n=first, since=since.appended.signed_at))
    report.ok = not problems
    return report


def _matches(disclosure: Disclosure | None, name: str, value: str, fields: dict[str, Any]) -> bool:
    if disclosure is None or name not in fields:
        return False
    try:
        salt = bytes.fromhex(disclosure.salt)
    except ValueError:
        return False
    return bool(fields[name] == field_hash(salt, name, value))
