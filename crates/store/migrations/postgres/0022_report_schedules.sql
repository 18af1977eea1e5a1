-- Scheduled reports (M13): what is generated for whom and when, and every generated copy with
-- whom it was mailed to. A schedule's copy of a period is unique, so a run claimed twice (two
-- workers, a restart) makes one copy and one mail.
CREATE TABLE report_schedules (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    lang TEXT NOT NULL,
    recipients TEXT NOT NULL,
    hour BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    next_run_at BIGINT NOT NULL,
    last_run_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX report_schedules_due ON report_schedules(active, next_run_at);
CREATE INDEX report_schedules_org ON report_schedules(org_id);

CREATE TABLE report_runs (
    id BIGSERIAL PRIMARY KEY,
    schedule_id BIGINT REFERENCES report_schedules(id) ON DELETE SET NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    generated_at BIGINT NOT NULL,
    recipients TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    UNIQUE (schedule_id, label)
);
CREATE INDEX report_runs_org ON report_runs(org_id, generated_at);

-- The first change of an alert's state (time to take it up) is looked up per alert.
CREATE INDEX audit_entity ON audit(entity, entity_id);
