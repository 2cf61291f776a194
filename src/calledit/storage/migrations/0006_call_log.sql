-- The tamper-evident call log (docs/proof.md): an append-only Merkle tree (RFC 9162) of call entries.
-- Entries outlive their call (the log never shrinks), the salt that opens them goes with it.
CREATE TABLE log_entries (
    idx INTEGER PRIMARY KEY,          -- leaf index, dense from 0
    call_id TEXT NOT NULL,
    version INTEGER NOT NULL,         -- the entry's number within the call
    event TEXT NOT NULL,              -- logged, verified, resolved, confidence, undone, saved, backfilled, ...
    change_id TEXT,                   -- the history entry it records, if any
    leaf TEXT NOT NULL,               -- the leaf's JSON text, hashed as is
    leaf_hash BLOB NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (call_id, version)
);
-- Perfect subtree hashes (level 0 = leaf hashes): a complete subtree never changes.
CREATE TABLE log_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
-- A signed tree head per append (RFC 6962 TreeHeadSignature, Ed25519).
CREATE TABLE log_heads (
    tree_size INTEGER PRIMARY KEY,
    root_hash BLOB NOT NULL,
    timestamp INTEGER NOT NULL,       -- milliseconds since the epoch
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL
);
-- Per-call secret that derives each field's salt: private, revealed field by field in proofs only.
CREATE TABLE call_salts (
    call_id TEXT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    salt BLOB NOT NULL
);
-- Public call pages: /c/{slug}. Deleting the row unshares at once.
CREATE TABLE call_shares (
    slug TEXT PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    show_confidence INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
