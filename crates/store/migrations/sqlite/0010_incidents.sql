-- Incidents (M8–M9): the record with its Decision 05 category and severity (the rule's and the
-- one in force, with the reason when a person overrode it), TLP and ATT&CK techniques, the time
-- of each stage; what it affects; the signals linked to it; its timeline, observables and
-- evidence (content-addressed); and the response plans whose steps become its tasks.
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    gravity TEXT NOT NULL,
    gravity_computed TEXT NOT NULL,
    gravity_reason TEXT,
    impacts TEXT NOT NULL DEFAULT '',
    beyond_owner INTEGER NOT NULL DEFAULT 0,
    tlp TEXT NOT NULL DEFAULT 'amber',
    techniques TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL DEFAULT 'reported',
    started_at INTEGER,
    detected_at INTEGER NOT NULL,
    triaged_at INTEGER,
    contained_at INTEGER,
    eradicated_at INTEGER,
    recovered_at INTEGER,
    closed_at INTEGER,
    plan_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX incidents_org ON incidents(org_id, stage);

CREATE TABLE incident_assets (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    PRIMARY KEY (incident_id, kind, ref_id)
);
CREATE INDEX incident_assets_ref ON incident_assets(kind, ref_id);

CREATE TABLE incident_signals (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    signal_id INTEGER NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, signal_id)
);
CREATE INDEX incident_signals_signal ON incident_signals(signal_id);

CREATE TABLE incident_timeline (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    ref_id INTEGER
);
CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, at);

CREATE TABLE incident_observables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT,
    added_at INTEGER NOT NULL,
    added_by TEXT NOT NULL,
    UNIQUE (incident_id, kind, value)
);
CREATE INDEX incident_observables_value ON incident_observables(value);

CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL
);

CREATE TABLE incident_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    added_by TEXT NOT NULL
);

CREATE TABLE response_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    based_on INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE plan_steps (
    plan_id INTEGER NOT NULL REFERENCES response_plans(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    role TEXT NOT NULL,
    hours INTEGER NOT NULL,
    PRIMARY KEY (plan_id, position)
);
