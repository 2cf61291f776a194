-- A user's public track record (docs/sharing.md): /u/{username}, off until they turn it on. The row stays
-- when it is turned off (the address is theirs again if they turn it back on); the page answers 404 at once.
CREATE TABLE public_profiles (
    owner TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    enabled INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
-- What the page lists: the owner's shared calls.
CREATE INDEX call_shares_owner ON call_shares (owner);
