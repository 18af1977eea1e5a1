-- Centralised monitoring (M3): stored events, Sigma rule settings and custom rules, alert notes.
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at BIGINT NOT NULL,
    at BIGINT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    host_name TEXT, source_ip TEXT,
    transport TEXT NOT NULL,
    product TEXT, category TEXT, service TEXT,
    message TEXT NOT NULL,
    fields TEXT NOT NULL,
    malformed TEXT,
    size BIGINT NOT NULL
);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_org_at ON events(org_id, at);
CREATE INDEX events_host ON events(host_name);

CREATE TABLE sigma_rules (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_key TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL, level TEXT NOT NULL, status TEXT,
    product TEXT, category TEXT, service TEXT,
    yaml TEXT,
    enabled BIGINT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE CASCADE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sigma_rules_origin ON sigma_rules(origin, enabled);

CREATE TABLE signal_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signal_id BIGINT NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    at BIGINT NOT NULL, user_email TEXT NOT NULL, note TEXT NOT NULL
);
CREATE INDEX signal_notes_signal ON signal_notes(signal_id);
