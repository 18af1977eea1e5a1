-- Spam and fraud reports (M10) and harmful content (M11), per telecom operator. Every table
-- carries the organisation, and every key that de-duplicates or groups (a sender, a campaign,
-- the Ministry's report id, a harmful item) includes it: one operator's reports never join,
-- count towards or reveal another's.
CREATE TABLE spam_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    rows INTEGER NOT NULL,
    parsed INTEGER NOT NULL,
    unparsed INTEGER NOT NULL,
    repeated INTEGER NOT NULL DEFAULT 0,
    mapping TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX spam_imports_org ON spam_imports(org_id, created_at);

CREATE TABLE spam_senders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    network TEXT NOT NULL DEFAULT '',
    reports INTEGER NOT NULL DEFAULT 0,
    fraud INTEGER NOT NULL DEFAULT 0,
    spam INTEGER NOT NULL DEFAULT 0,
    calls INTEGER NOT NULL DEFAULT 0,
    reporters INTEGER NOT NULL DEFAULT 0,
    listed INTEGER NOT NULL DEFAULT 0,
    recent REAL NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    UNIQUE (org_id, sender_key)
);
CREATE INDEX spam_senders_score ON spam_senders(org_id, score);

CREATE TABLE spam_sender_reporters (
    sender_id INTEGER NOT NULL REFERENCES spam_senders(id) ON DELETE CASCADE,
    reporter TEXT NOT NULL,
    PRIMARY KEY (sender_id, reporter)
);

CREATE TABLE spam_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    signature TEXT NOT NULL,
    label TEXT NOT NULL,
    sample TEXT NOT NULL,
    reports INTEGER NOT NULL DEFAULT 0,
    senders INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX spam_campaigns_org ON spam_campaigns(org_id, last_seen);

CREATE TABLE spam_campaign_senders (
    campaign_id INTEGER NOT NULL REFERENCES spam_campaigns(id) ON DELETE CASCADE,
    sender_id INTEGER NOT NULL REFERENCES spam_senders(id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, sender_id)
);

CREATE TABLE spam_cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    sender_id INTEGER NOT NULL REFERENCES spam_senders(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    label TEXT NOT NULL,
    reports INTEGER NOT NULL DEFAULT 0,
    opened_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by TEXT,
    directive_item_id INTEGER REFERENCES directive_items(id) ON DELETE SET NULL
);
CREATE INDEX spam_cases_org ON spam_cases(org_id, state, due_at);
CREATE INDEX spam_cases_sender ON spam_cases(sender_id, state);

CREATE TABLE spam_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES spam_cases(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    by_email TEXT NOT NULL
);
CREATE INDEX spam_actions_case ON spam_actions(case_id);

CREATE TABLE spam_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    import_id INTEGER REFERENCES spam_imports(id) ON DELETE SET NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    raw TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    kind TEXT,
    sender_id INTEGER REFERENCES spam_senders(id) ON DELETE SET NULL,
    sender TEXT,
    senders TEXT NOT NULL DEFAULT '[]',
    content TEXT NOT NULL DEFAULT '',
    reporter TEXT,
    label TEXT,
    score REAL,
    reasons TEXT NOT NULL DEFAULT '[]',
    indicators TEXT NOT NULL DEFAULT '[]',
    urls TEXT NOT NULL DEFAULT '[]',
    signature TEXT,
    campaign_id INTEGER REFERENCES spam_campaigns(id) ON DELETE SET NULL,
    case_id INTEGER REFERENCES spam_cases(id) ON DELETE SET NULL,
    received_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    fixed_by TEXT
);
CREATE UNIQUE INDEX spam_reports_external ON spam_reports(org_id, external_id);
CREATE INDEX spam_reports_org ON spam_reports(org_id, received_at);
CREATE INDEX spam_reports_state ON spam_reports(org_id, state);
CREATE INDEX spam_reports_sender ON spam_reports(sender_id);
CREATE INDEX spam_reports_campaign ON spam_reports(campaign_id);
CREATE INDEX spam_reports_case ON spam_reports(case_id);

CREATE TABLE harmful_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    host TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    report_id INTEGER REFERENCES spam_reports(id) ON DELETE SET NULL,
    reported_at INTEGER NOT NULL,
    reported_by TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, kind, value)
);
CREATE INDEX harmful_items_org ON harmful_items(org_id, state);

CREATE TABLE harmful_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES harmful_items(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    at INTEGER NOT NULL,
    by_email TEXT NOT NULL
);
CREATE INDEX harmful_history_item ON harmful_history(item_id);
