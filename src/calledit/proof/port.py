"""What the server and the CLI need of a call log, whatever database keeps it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from calledit.domain.call import Call
from calledit.proof.bundle import CallProof, ProofReport
from calledit.proof.signing import LogSigner, TreeHead


class CallLog(Protocol):
    signer: LogSigner

    def head(self) -> TreeHead:
        """The latest signed tree head."""
        ...

    def head_at(self, tree_size: int) -> TreeHead | None:
        """The head signed when the log reached `tree_size` entries."""
        ...

    def consistency(self, first: int, second: int) -> list[str]:
        """Hex RFC 9162 consistency proof from the tree of `first` entries to the tree of `second`."""
        ...

    def prove(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> CallProof | None:
        """The inclusion proof of `call`'s entries, revealing `disclose` (None: every committed field)."""
        ...

    def check(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> ProofReport:
        """The server's own verification of `call` against the log."""
        ...
