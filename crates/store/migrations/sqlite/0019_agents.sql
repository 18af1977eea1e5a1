-- Endpoint agents and centralised anti-malware (M4): one-time enrolment tokens (stored
-- hashed), the agents (each with its own credential, stored hashed, revocable), the cursor of
-- the messages an agent's queue has delivered (written in the same transaction as their
-- effects, so a resend is harmless), file-integrity changes, the rule sets and hash lists
-- (versions, where enabled), scans and hunts with their progress per agent, the commands an
-- agent picks up, malware alerts with their verification, suppressions, and quarantine.
CREATE TABLE agent_enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    agent_id INTEGER,
    revoked_at INTEGER
);
CREATE INDEX agent_enrolments_org ON agent_enrolments(org_id);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    hostname TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    ips TEXT NOT NULL DEFAULT '[]',
    ports TEXT NOT NULL DEFAULT '[]',
    config TEXT NOT NULL DEFAULT '{}',
    enrolled_at INTEGER NOT NULL,
    last_seen INTEGER,
    last_addr TEXT,
    inventory_at INTEGER,
    packages INTEGER NOT NULL DEFAULT 0,
    queued INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER,
    revoked_by TEXT
);
CREATE INDEX agents_org ON agents(org_id);
CREATE INDEX agents_host ON agents(host_id);

CREATE TABLE ingest_cursors (
    stream TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);

CREATE TABLE fim_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    change TEXT NOT NULL,
    old_sha256 TEXT, new_sha256 TEXT,
    old_mode TEXT, new_mode TEXT,
    old_owner TEXT, new_owner TEXT,
    at INTEGER NOT NULL,
    signal_id INTEGER
);
CREATE INDEX fim_changes_agent ON fim_changes(agent_id, at);
CREATE INDEX fim_changes_org ON fim_changes(org_id, at);

CREATE TABLE malware_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    all_orgs INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE malware_set_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    set_id INTEGER NOT NULL REFERENCES malware_sets(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    entries INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    uploaded_at INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    UNIQUE (set_id, version)
);

CREATE TABLE malware_set_orgs (
    set_id INTEGER NOT NULL REFERENCES malware_sets(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (set_id, org_id)
);

CREATE TABLE malware_scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    paths TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE malware_scan_hosts (
    scan_id INTEGER NOT NULL REFERENCES malware_scans(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending',
    files INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    matches INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER,
    updated_at INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (scan_id, agent_id)
);
CREATE INDEX malware_scan_hosts_agent ON malware_scan_hosts(agent_id, state);

CREATE TABLE agent_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    result TEXT,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    sent_at INTEGER,
    done_at INTEGER
);
CREATE INDEX agent_commands_agent ON agent_commands(agent_id, state);

CREATE TABLE malware_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    hostname TEXT NOT NULL,
    scan_id INTEGER REFERENCES malware_scans(id) ON DELETE SET NULL,
    signal_id INTEGER,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    rule TEXT NOT NULL,
    rule_set TEXT NOT NULL,
    opinions TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'unverified',
    note TEXT,
    decided_at INTEGER,
    decided_by TEXT,
    task_id INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (agent_id, path, sha256)
);
CREATE INDEX malware_alerts_org ON malware_alerts(org_id, state);
CREATE INDEX malware_alerts_sha ON malware_alerts(sha256);

CREATE TABLE malware_suppressions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    alert_id INTEGER,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX malware_suppressions_sha ON malware_suppressions(sha256);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    alert_id INTEGER REFERENCES malware_alerts(id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    vault_name TEXT,
    requested_at INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    confirmed_at INTEGER,
    note TEXT
);
CREATE INDEX quarantine_agent ON quarantine(agent_id);
