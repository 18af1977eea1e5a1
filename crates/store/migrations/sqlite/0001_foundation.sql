-- Foundation schema, SQLite. Times are Unix milliseconds (UTC).
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id INTEGER REFERENCES orgs(id) ON DELETE RESTRICT,
    address TEXT, phone TEXT, email TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    cidr TEXT NOT NULL, description TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    UNIQUE (org_id, cidr)
);

CREATE TABLE systems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    name TEXT NOT NULL, level INTEGER NOT NULL, owner TEXT, description TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE hosts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    hostname TEXT NOT NULL, kind TEXT NOT NULL, os TEXT, ips TEXT,
    system_id INTEGER REFERENCES systems(id) ON DELETE SET NULL,
    owner TEXT, notes TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    UNIQUE (org_id, hostname)
);
CREATE INDEX hosts_org ON hosts(org_id);

CREATE TABLE software (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version TEXT NOT NULL, scheme TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX software_host ON software(host_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    full_name TEXT NOT NULL, title TEXT, email TEXT, phone TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    name TEXT NOT NULL, agency TEXT NOT NULL, purpose TEXT, phone TEXT, email TEXT, notes TEXT,
    escalation_order INTEGER,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE RESTRICT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_used_at INTEGER
);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    user_id INTEGER, user_email TEXT NOT NULL,
    org_id INTEGER,
    action TEXT NOT NULL, entity TEXT NOT NULL, entity_id INTEGER,
    before_json TEXT, after_json TEXT
);
CREATE INDEX audit_at ON audit(at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    state TEXT NOT NULL, dedup_key TEXT NOT NULL, count INTEGER NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    payload TEXT
);
CREATE INDEX signals_dedup ON signals(dedup_key, last_seen);
CREATE INDEX signals_org ON signals(org_id, state);

CREATE TABLE work_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, title TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    signal_id INTEGER REFERENCES signals(id) ON DELETE SET NULL,
    assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    state TEXT NOT NULL, due_at INTEGER, escalated INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX work_items_org ON work_items(org_id, state);

CREATE TABLE work_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    work_item_id INTEGER NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    at INTEGER NOT NULL, user_email TEXT NOT NULL,
    action TEXT NOT NULL, note TEXT, evidence TEXT
);
