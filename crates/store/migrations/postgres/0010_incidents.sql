-- Incidents (M8–M9): the record with its Decision 05 category and severity (the rule's and the
-- one in force, with the reason when a person overrode it), TLP and ATT&CK techniques, the time
-- of each stage; what it affects; the signals linked to it; its timeline, observables and
-- evidence (content-addressed); and the response plans whose steps become its tasks.
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    gravity TEXT NOT NULL,
    gravity_computed TEXT NOT NULL,
    gravity_reason TEXT,
    impacts TEXT NOT NULL DEFAULT '',
    beyond_owner BIGINT NOT NULL DEFAULT 0,
    tlp TEXT NOT NULL DEFAULT 'amber',
    techniques TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL DEFAULT 'reported',
    started_at BIGINT,
    detected_at BIGINT NOT NULL,
    triaged_at BIGINT,
    contained_at BIGINT,
    eradicated_at BIGINT,
    recovered_at BIGINT,
    closed_at BIGINT,
    plan_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX incidents_org ON incidents(org_id, stage);

CREATE TABLE incident_assets (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    PRIMARY KEY (incident_id, kind, ref_id)
);
CREATE INDEX incident_assets_ref ON incident_assets(kind, ref_id);

CREATE TABLE incident_signals (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    signal_id BIGINT NOT NULL REFERENCES signals(id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (incident_id, signal_id)
);
CREATE INDEX incident_signals_signal ON incident_signals(signal_id);

CREATE TABLE incident_timeline (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    ref_id BIGINT
);
CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, at);

CREATE TABLE incident_observables (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    note TEXT,
    added_at BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    UNIQUE (incident_id, kind, value)
);
CREATE INDEX incident_observables_value ON incident_observables(value);

CREATE TABLE evidence_blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);

CREATE TABLE incident_evidence (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    added_by TEXT NOT NULL
);

CREATE TABLE response_plans (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    based_on BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE plan_steps (
    plan_id BIGINT NOT NULL REFERENCES response_plans(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    role TEXT NOT NULL,
    hours BIGINT NOT NULL,
    PRIMARY KEY (plan_id, position)
);
