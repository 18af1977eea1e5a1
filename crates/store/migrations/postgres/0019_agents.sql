-- Endpoint agents and centralised anti-malware (M4): one-time enrolment tokens (stored
-- hashed), the agents (each with its own credential, stored hashed, revocable), the cursor of
-- the messages an agent's queue has delivered (written in the same transaction as their
-- effects, so a resend is harmless), file-integrity changes, the rule sets and hash lists
-- (versions, where enabled), scans and hunts with their progress per agent, the commands an
-- agent picks up, malware alerts with their verification, suppressions, and quarantine.
CREATE TABLE agent_enrolments (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    agent_id BIGINT,
    revoked_at BIGINT
);
CREATE INDEX agent_enrolments_org ON agent_enrolments(org_id);

CREATE TABLE agents (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    hostname TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    ips TEXT NOT NULL DEFAULT '[]',
    ports TEXT NOT NULL DEFAULT '[]',
    config TEXT NOT NULL DEFAULT '{}',
    enrolled_at BIGINT NOT NULL,
    last_seen BIGINT,
    last_addr TEXT,
    inventory_at BIGINT,
    packages BIGINT NOT NULL DEFAULT 0,
    queued BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT,
    revoked_by TEXT
);
CREATE INDEX agents_org ON agents(org_id);
CREATE INDEX agents_host ON agents(host_id);

CREATE TABLE ingest_cursors (
    stream TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);

CREATE TABLE fim_changes (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    change TEXT NOT NULL,
    old_sha256 TEXT, new_sha256 TEXT,
    old_mode TEXT, new_mode TEXT,
    old_owner TEXT, new_owner TEXT,
    at BIGINT NOT NULL,
    signal_id BIGINT
);
CREATE INDEX fim_changes_agent ON fim_changes(agent_id, at);
CREATE INDEX fim_changes_org ON fim_changes(org_id, at);

CREATE TABLE malware_sets (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    all_orgs BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE malware_set_versions (
    id BIGSERIAL PRIMARY KEY,
    set_id BIGINT NOT NULL REFERENCES malware_sets(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    entries BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    UNIQUE (set_id, version)
);

CREATE TABLE malware_set_orgs (
    set_id BIGINT NOT NULL REFERENCES malware_sets(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (set_id, org_id)
);

CREATE TABLE malware_scans (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    paths TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE malware_scan_hosts (
    scan_id BIGINT NOT NULL REFERENCES malware_scans(id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'pending',
    files BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    matches BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
    started_at BIGINT,
    updated_at BIGINT,
    finished_at BIGINT,
    PRIMARY KEY (scan_id, agent_id)
);
CREATE INDEX malware_scan_hosts_agent ON malware_scan_hosts(agent_id, state);

CREATE TABLE agent_commands (
    id BIGSERIAL PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    result TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at BIGINT,
    done_at BIGINT
);
CREATE INDEX agent_commands_agent ON agent_commands(agent_id, state);

CREATE TABLE malware_alerts (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    hostname TEXT NOT NULL,
    scan_id BIGINT REFERENCES malware_scans(id) ON DELETE SET NULL,
    signal_id BIGINT,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL DEFAULT 0,
    rule TEXT NOT NULL,
    rule_set TEXT NOT NULL,
    opinions TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'unverified',
    note TEXT,
    decided_at BIGINT,
    decided_by TEXT,
    task_id BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (agent_id, path, sha256)
);
CREATE INDEX malware_alerts_org ON malware_alerts(org_id, state);
CREATE INDEX malware_alerts_sha ON malware_alerts(sha256);

CREATE TABLE malware_suppressions (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT REFERENCES orgs(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    alert_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX malware_suppressions_sha ON malware_suppressions(sha256);

CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    alert_id BIGINT REFERENCES malware_alerts(id) ON DELETE SET NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    vault_name TEXT,
    requested_at BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    confirmed_at BIGINT,
    note TEXT
);
CREATE INDEX quarantine_agent ON quarantine(agent_id);
