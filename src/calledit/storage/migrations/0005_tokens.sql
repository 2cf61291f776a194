-- Personal API tokens (`cit_...`): only their SHA-256 is kept; the token itself is shown once, when made.
-- `owner` is the user id the token acts as (a local account, an OIDC subject, or the local user).
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_owner ON api_tokens (owner, created_at);
