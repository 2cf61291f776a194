-- When the agent checks each call next, and who holds the lease on a check in progress.
-- next_check_at NULL = the agent has nothing to do (resolved, or waiting for the owner).
CREATE TABLE call_checks (
    call_id TEXT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    next_check_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_worker TEXT,
    lease_until TEXT
);
CREATE INDEX call_checks_due ON call_checks (next_check_at);

-- Every change to a call's outcome: agent checks, the owner's resolutions and overrides, undos.
CREATE TABLE call_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    at TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX call_history_call ON call_history (call_id, seq);

-- Calls logged before this migration are checked at their verification date.
INSERT INTO call_checks (call_id, owner, next_check_at)
    SELECT id, owner, verification_date FROM calls WHERE status IN ('pending', 'inconclusive');
