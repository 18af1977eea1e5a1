-- Centralised monitoring (M3): stored events, Sigma rule settings and custom rules, alert notes.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    at INTEGER NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    host_name TEXT, source_ip TEXT,
    transport TEXT NOT NULL,
    product TEXT, category TEXT, service TEXT,
    message TEXT NOT NULL,
    fields TEXT NOT NULL,
    malformed TEXT,
    size INTEGER NOT NULL
);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_org_at ON events(org_id, at);
CREATE INDEX events_host ON events(host_name);

CREATE TABLE sigma_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_key TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL, level TEXT NOT NULL, status TEXT,
    product TEXT, category TEXT, service TEXT,
    yaml TEXT,
    enabled INTEGER NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sigma_rules_origin ON sigma_rules(origin, enabled);

CREATE TABLE signal_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    signal_id INTEGER NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    at INTEGER NOT NULL, user_email TEXT NOT NULL, note TEXT NOT NULL
);
CREATE INDEX signal_notes_signal ON signal_notes(signal_id);
