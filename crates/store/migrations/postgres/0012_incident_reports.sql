-- Incident reports (M9): the deadlines, form templates and clause-3 contact points in force
-- (data, not code: institutions changed in 2025), each incident's initial and closing reports
-- with every saved version and what was sent to whom, escalations (who, when, to whom, how) and
-- the mail the platform sent. `support_requested_at` makes the initial report due at once.
ALTER TABLE incidents ADD COLUMN support_requested_at BIGINT;

CREATE TABLE report_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE report_templates (
    kind TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE report_contacts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    hotline TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

CREATE TABLE incident_reports (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at BIGINT,
    sent_by TEXT,
    sent_version BIGINT,
    sent_to TEXT NOT NULL DEFAULT '',
    UNIQUE (incident_id, kind)
);
CREATE INDEX incident_reports_org ON incident_reports(org_id, kind);

CREATE TABLE incident_report_versions (
    report_id BIGINT NOT NULL REFERENCES incident_reports(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    fields TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    saved_by TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);

CREATE TABLE incident_escalations (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    to_whom TEXT NOT NULL,
    channel TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_escalations_incident ON incident_escalations(incident_id, reason);

CREATE TABLE mail_log (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    ref TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_log_org ON mail_log(org_id, at);
