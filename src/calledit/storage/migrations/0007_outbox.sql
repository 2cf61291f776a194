-- Notifications (docs/notifications.md). An event is written in the transaction of the change that caused
-- it (a verdict, a call left for its owner): a crash can lose neither. Its id is its idempotency key.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,              -- verdict:<change id>, due:<call id>:<date>, test:<uuid>, digest:<owner>:<week>
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,               -- verdict | due | digest | test
    call_id TEXT,
    payload TEXT NOT NULL,            -- JSON: what the message says, as of the event
    created_at TEXT NOT NULL,
    available_at TEXT NOT NULL,       -- not before: a due reminder waits for the call's date
    expanded_at TEXT                  -- when its deliveries (one per channel the owner chose) were made
);
CREATE INDEX outbox_waiting ON outbox (available_at) WHERE expanded_at IS NULL;
-- One delivery per event and channel, with its own retries: sent once, or given up on with the reason.
CREATE TABLE outbox_deliveries (
    event_id TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,            -- inapp | email | webhook
    owner TEXT NOT NULL,
    status TEXT NOT NULL,             -- pending | sent | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_worker TEXT,
    lease_until TEXT,
    last_error TEXT,
    sent_at TEXT,
    PRIMARY KEY (event_id, channel)
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (next_attempt_at) WHERE status = 'pending';
-- The bell: in-app notifications, keyed by their event so a retried delivery adds nothing.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    call_id TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_owner ON notifications (owner, created_at DESC);
-- Each user's email address and webhook, and how their deliveries went (a dead channel is shown to them).
CREATE TABLE notification_channels (
    owner TEXT NOT NULL,
    channel TEXT NOT NULL,            -- email | webhook
    address TEXT NOT NULL,            -- the email address, or the webhook URL
    secret TEXT,                      -- webhook: the HMAC-SHA256 key
    format TEXT,                      -- webhook: json | slack | discord
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_failure_at TEXT,
    last_success_at TEXT,
    dead_since TEXT,
    PRIMARY KEY (owner, channel)
);
-- Per user, per event and channel: on or off (no row = the default, docs/notifications.md).
CREATE TABLE notification_prefs (
    owner TEXT NOT NULL,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (owner, event, channel)
);
