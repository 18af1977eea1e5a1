-- On-call paging (M2): each organisation's escalation policy, the channels pages go out on
-- (a person's or the organisation's), the destinations an administrator allowed for outgoing
-- webhooks, the pages (one per incident or alert group, de-duplicated per organisation), every
-- delivery with its acknowledgement token (stored hashed), and the cursors of what was seen.
CREATE TABLE oncall_policies (
    org_id INTEGER PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE oncall_channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    target TEXT NOT NULL,
    endpoint TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX oncall_channels_org ON oncall_channels(org_id, user_id);

CREATE TABLE oncall_destinations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    prefix TEXT NOT NULL UNIQUE,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE oncall_pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    step INTEGER NOT NULL DEFAULT 0,
    round INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    events INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    acked_at INTEGER,
    acked_by TEXT,
    closed_reason TEXT,
    UNIQUE (org_id, dedup_key)
);
CREATE INDEX oncall_pages_due ON oncall_pages(state, next_at);

CREATE TABLE oncall_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id INTEGER NOT NULL REFERENCES oncall_pages(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    round INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    ok BOOLEAN NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    token_hash TEXT UNIQUE,
    at INTEGER NOT NULL
);
CREATE INDEX oncall_deliveries_page ON oncall_deliveries(page_id);

CREATE TABLE oncall_cursors (
    name TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL
);
