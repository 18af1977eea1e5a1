-- Foundation schema, PostgreSQL. Times are Unix milliseconds (UTC).
CREATE TABLE orgs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES orgs(id) ON DELETE RESTRICT,
    address TEXT, phone TEXT, email TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE networks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    cidr TEXT NOT NULL, description TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    UNIQUE (org_id, cidr)
);

CREATE TABLE systems (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    name TEXT NOT NULL, level BIGINT NOT NULL, owner TEXT, description TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE hosts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    hostname TEXT NOT NULL, kind TEXT NOT NULL, os TEXT, ips TEXT,
    system_id BIGINT REFERENCES systems(id) ON DELETE SET NULL,
    owner TEXT, notes TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    UNIQUE (org_id, hostname)
);
CREATE INDEX hosts_org ON hosts(org_id);

CREATE TABLE software (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    name TEXT NOT NULL, version TEXT NOT NULL, scheme TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX software_host ON software(host_id);

CREATE TABLE people (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    full_name TEXT NOT NULL, title TEXT, email TEXT, phone TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);

CREATE TABLE contacts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    name TEXT NOT NULL, agency TEXT NOT NULL, purpose TEXT, phone TEXT, email TEXT, notes TEXT,
    escalation_order BIGINT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE RESTRICT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, last_used_at BIGINT
);

CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT, user_email TEXT NOT NULL,
    org_id BIGINT,
    action TEXT NOT NULL, entity TEXT NOT NULL, entity_id BIGINT,
    before_json TEXT, after_json TEXT
);
CREATE INDEX audit_at ON audit(at);

CREATE TABLE signals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    state TEXT NOT NULL, dedup_key TEXT NOT NULL, count BIGINT NOT NULL,
    first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
    assignee_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    payload TEXT
);
CREATE INDEX signals_dedup ON signals(dedup_key, last_seen);
CREATE INDEX signals_org ON signals(org_id, state);

CREATE TABLE work_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL, title TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    signal_id BIGINT REFERENCES signals(id) ON DELETE SET NULL,
    assignee_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    state TEXT NOT NULL, due_at BIGINT, escalated BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    detail TEXT
);
CREATE INDEX work_items_org ON work_items(org_id, state);

CREATE TABLE work_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_item_id BIGINT NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    at BIGINT NOT NULL, user_email TEXT NOT NULL,
    action TEXT NOT NULL, note TEXT, evidence TEXT
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
