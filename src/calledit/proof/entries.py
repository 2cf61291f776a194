"""What every call log does the same way, whatever keeps it: the next entry of a call write, and a call's
proof from its entries, a head and the tree's nodes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from calledit.domain.call import Call
from calledit.domain.timestamps import stamp
from calledit.proof import merkle
from calledit.proof.bundle import CallProof, Disclosure, ProofEntry, ProofReport, verify_proof
from calledit.proof.leaf import EVENT_FIELD, Leaf, build_leaf, committed_values, differences, field_salt
from calledit.proof.signing import TreeHead
from calledit.storage.hooks import CallWrite


@dataclass(frozen=True)
class Previous:
    """The call's latest entry."""

    version: int
    leaf: str
    leaf_hash: bytes


@dataclass(frozen=True)
class NewEntry:
    call_id: str
    version: int
    event: str
    at: datetime
    text: str
    leaf_hash: bytes
    change_id: str | None


def next_entry(write: CallWrite, previous: Previous | None, salt: bytes) -> NewEntry | None:
    """The entry this write appends, or None when nothing the log commits to changed (a reschedule)."""
    call = write.call
    if write.added:
        event, at = "imported" if write.imported else "logged", call.created_at
    elif write.change is not None:
        event, at = write.change.action, write.change.at
    else:
        event, at = "saved", call.updated_at
    values = committed_values(write.owner, call, event)
    if previous is not None and write.change is None and not write.added and not differences(
        Leaf.model_validate_json(previous.leaf), salt, values, ignore=frozenset({EVENT_FIELD})
    ):
        return None
    version = 0 if previous is None else previous.version + 1
    leaf = build_leaf(salt, call.id, version, previous.leaf_hash.hex() if previous else None, stamp(at), values)
    text = leaf.text()
    return NewEntry(call.id, version, event, at, text, merkle.leaf_hash(text.encode()),
                    write.change.id if write.change else None)


@dataclass(frozen=True)
class StoredEntry:
    index: int
    version: int
    leaf: str
    appended: TreeHead  # the head signed when it was appended


def build_proof(
    owner: str,
    call: Call,
    salt: bytes,
    head: TreeHead,
    entries: Sequence[StoredEntry],
    nodes: merkle.Nodes,
    public_key_b64: str,
    disclose: Collection[str] | None,
) -> CallProof:
    """The proof of `entries` (the call's, in order) against `head`, revealing `disclose` (None: every
    committed field but the event) from the call as it is stored now."""
    values = committed_values(owner, call, "")
    latest = Leaf.model_validate_json(entries[-1].leaf)
    wanted = latest.fields if disclose is None else disclose
    names = [n for n in wanted if n in latest.fields and n in values and n != EVENT_FIELD]
    return CallProof(
        call_id=call.id,
        public_key=public_key_b64,
        head=head,
        entries=[
            ProofEntry(
                index=entry.index,
                leaf=entry.leaf,
                inclusion=[h.hex() for h in merkle.inclusion_path(nodes, entry.index, head.tree_size)],
                appended=entry.appended,
                consistency=[h.hex() for h in merkle.consistency_path(nodes, entry.appended.tree_size,
                                                                      head.tree_size)],
                disclosed={name: Disclosure(salt=field_salt(salt, entry.version, name).hex(), value=values[name])
                           for name in names},
            )
            for entry in entries
        ],
    )


def self_check(call_id: str, prove: Callable[[], CallProof | None], public_key: bytes) -> ProofReport:
    """The server's own check of a call against its log, with its own key: what a call's page shows."""
    try:
        proof = prove()
    except (LookupError, ValueError) as exc:
        return ProofReport(ok=False, call_id=call_id, problems=[f"the log cannot be read: {exc}"])
    if proof is None:
        return ProofReport(ok=False, call_id=call_id, problems=["this call is not in the log."])
    return verify_proof(proof, public_key)
