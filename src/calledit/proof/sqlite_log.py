"""The call log in SQLite: entries appended inside each call write's transaction, proofs read from one snapshot.

Tables (migration 0006): `log_entries` (one leaf per entry), `log_nodes` (every perfect subtree's hash, so a
root or proof is O(log n) reads), `log_heads` (a head signed at each append), `call_salts` (private).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from calledit.domain.call import Call
from calledit.domain.timestamps import stamp
from calledit.proof import merkle
from calledit.proof.bundle import CallProof, ProofReport
from calledit.proof.entries import NewEntry, Previous, StoredEntry, build_proof, next_entry, self_check
from calledit.proof.leaf import build_leaf, committed_values, new_salt
from calledit.proof.signing import LogSigner, TreeHead
from calledit.storage.hooks import CallWrite

log = logging.getLogger(__name__)


class _Nodes:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def node(self, level: int, index: int) -> bytes:
        row = self.conn.execute("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", (level, index)).fetchone()
        if row is None:
            raise LookupError(f"the log has no node {level}/{index}: its tables were changed by hand")
        return bytes(row[0])


class SqliteCallLog:
    """The `SqliteWriteHook` that logs every call write, and the reads behind the log's routes."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], signer: LogSigner,
                 clock: Callable[[], float] = time.time) -> None:
        self.connect = connect
        self.signer = signer
        self.clock = clock

    # --- writes (inside the call's transaction) --------------------------------------------------------

    def on_write(self, conn: sqlite3.Connection, write: CallWrite) -> None:
        entry = next_entry(write, self._latest(conn, write.call.id), self._salt(conn, write.call.id))
        if entry is not None:
            self._append(conn, entry)

    def _append(self, conn: sqlite3.Connection, entry: NewEntry) -> None:
        row = conn.execute("SELECT MAX(idx) FROM log_entries").fetchone()
        index = 0 if row[0] is None else int(row[0]) + 1
        last = conn.execute("SELECT timestamp FROM log_heads ORDER BY tree_size DESC LIMIT 1").fetchone()
        conn.execute(
            "INSERT INTO log_entries (idx, call_id, version, event, change_id, leaf, leaf_hash, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (index, entry.call_id, entry.version, entry.event, entry.change_id, entry.text, entry.leaf_hash,
             stamp(entry.at)),
        )
        nodes = _Nodes(conn)

        def write(level: int, index: int, value: bytes) -> None:
            conn.execute("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, index, value))

        merkle.completed_nodes(index, entry.leaf_hash, nodes.node, write)
        stamp_ms = max(int(self.clock() * 1000), int(last[0]) if last else 0)  # heads never go back in time
        head = self.signer.sign(index + 1, merkle.root(nodes, index + 1), stamp_ms)
        conn.execute(
            "INSERT INTO log_heads (tree_size, root_hash, timestamp, key_id, signature) VALUES (?, ?, ?, ?, ?)",
            (head.tree_size, bytes.fromhex(head.root_hash), head.timestamp, head.key_id, head.signature.encode()),
        )

    def _salt(self, conn: sqlite3.Connection, call_id: str) -> bytes:
        row = conn.execute("SELECT salt FROM call_salts WHERE call_id = ?", (call_id,)).fetchone()
        if row is not None:
            return bytes(row[0])
        salt = new_salt()
        conn.execute("INSERT INTO call_salts (call_id, salt) VALUES (?, ?)", (call_id, salt))
        return salt

    @staticmethod
    def _latest(conn: sqlite3.Connection, call_id: str) -> Previous | None:
        row = conn.execute(
            "SELECT version, leaf, leaf_hash FROM log_entries WHERE call_id = ? ORDER BY version DESC LIMIT 1",
            (call_id,),
        ).fetchone()
        return Previous(int(row[0]), str(row[1]), bytes(row[2])) if row else None

    def backfill(self) -> int:
        """Log every call that has no entry yet (logged before the log existed), as of now; returns how many.
        The log vouches for such a call from today only: that is what `backfilled` says."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            rows = conn.execute(
                "SELECT id, owner, document FROM calls WHERE id NOT IN (SELECT call_id FROM log_entries)"
                " ORDER BY created_at"
            ).fetchall()
            now = datetime.fromtimestamp(self.clock(), UTC)
            for row in rows:
                call = Call.model_validate_json(row[2])
                salt = self._salt(conn, call.id)
                leaf = build_leaf(salt, call.id, 0, None, stamp(now), committed_values(row[1], call, "backfilled"))
                text = leaf.text()
                self._append(conn, NewEntry(call.id, 0, "backfilled", now, text, merkle.leaf_hash(text.encode()),
                                            None))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if rows:
            log.info("calls=<%d> | logged calls made before the call log existed", len(rows))
        return len(rows)

    # --- reads -----------------------------------------------------------------------------------------

    def head(self) -> TreeHead:
        """The latest signed tree head (an empty log's is signed on the spot)."""
        row = self.connect().execute(
            "SELECT tree_size, root_hash, timestamp, key_id, signature FROM log_heads ORDER BY tree_size DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return self.signer.sign(0, merkle.EMPTY_ROOT, int(self.clock() * 1000))
        return _head(row)

    def head_at(self, tree_size: int) -> TreeHead | None:
        row = self.connect().execute(
            "SELECT tree_size, root_hash, timestamp, key_id, signature FROM log_heads WHERE tree_size = ?", (tree_size,)
        ).fetchone()
        return _head(row) if row else None

    def consistency(self, first: int, second: int) -> list[str]:
        """Hex consistency proof between two tree sizes of this log."""
        return [h.hex() for h in merkle.consistency_path(_Nodes(self.connect()), first, second)]

    def prove(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> CallProof | None:
        """The proof of `call`'s entries against the latest head, revealing the fields in `disclose` (None: every
        committed field, for the owner). None when the call has no entry in the log."""
        conn = self.connect()
        conn.execute("BEGIN")  # one snapshot: the head, the nodes and the entries agree
        try:
            rows = conn.execute(
                "SELECT idx, version, leaf FROM log_entries WHERE call_id = ? ORDER BY version", (call.id,)
            ).fetchall()
            salt_row = conn.execute("SELECT salt FROM call_salts WHERE call_id = ?", (call.id,)).fetchone()
            head_row = conn.execute(
                "SELECT tree_size, root_hash, timestamp, key_id, signature FROM log_heads ORDER BY tree_size DESC"
                " LIMIT 1"
            ).fetchone()
            if not rows or salt_row is None or head_row is None:
                return None
            entries = []
            for index, version, text in rows:
                appended = conn.execute(
                    "SELECT tree_size, root_hash, timestamp, key_id, signature FROM log_heads WHERE tree_size = ?",
                    (index + 1,),
                ).fetchone()
                if appended is None:
                    raise LookupError(f"the log has no head for entry {index}: its tables were changed by hand")
                entries.append(StoredEntry(int(index), int(version), str(text), _head(appended)))
            return build_proof(owner, call, bytes(salt_row[0]), _head(head_row), entries, _Nodes(conn),
                               self.signer.public_key_b64, disclose)
        finally:
            conn.execute("COMMIT")

    def check(self, owner: str, call: Call, disclose: Collection[str] | None = None) -> ProofReport:
        return self_check(call.id, lambda: self.prove(owner, call, disclose), self.signer.public_key)


def _head(row: sqlite3.Row | tuple[object, ...]) -> TreeHead:
    size, root_hash, timestamp, key, signature = row[0], row[1], row[2], row[3], row[4]
    assert isinstance(root_hash, bytes) and isinstance(signature, bytes)
    return TreeHead(tree_size=int(str(size)), root_hash=root_hash.hex(), timestamp=int(str(timestamp)),
                    key_id=str(key), signature=signature.decode())
