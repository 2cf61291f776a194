-- Calls are stored as their JSON document, with the columns we filter and sort on beside it.
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    verification_mode TEXT NOT NULL,
    verification_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX calls_owner_created ON calls (owner, created_at DESC, id DESC);
CREATE INDEX calls_status_date ON calls (status, verification_date);
