-- Scheduled reports (M13): what is generated for whom and when, and every generated copy with
-- whom it was mailed to. A schedule's copy of a period is unique, so a run claimed twice (two
-- workers, a restart) makes one copy and one mail.
CREATE TABLE report_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    lang TEXT NOT NULL,
    recipients TEXT NOT NULL,
    hour INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    next_run_at INTEGER NOT NULL,
    last_run_at INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX report_schedules_due ON report_schedules(active, next_run_at);
CREATE INDEX report_schedules_org ON report_schedules(org_id);

CREATE TABLE report_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER REFERENCES report_schedules(id) ON DELETE SET NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    generated_at INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    UNIQUE (schedule_id, label)
);
CREATE INDEX report_runs_org ON report_runs(org_id, generated_at);

-- The first change of an alert's state (time to take it up) is looked up per alert.
CREATE INDEX audit_entity ON audit(entity, entity_id);
