-- Directives (M12): an official letter (number, date, issuer, title, the original file kept as a
-- blob by SHA-256), its items addressed to groups of organisations with due dates, the work
-- item each recipient got for each item, the files they attached as evidence, and the
-- reminders sent (once per item, recipient and kind).
CREATE TABLE directives (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE RESTRICT,
    number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    issuer TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    file_name TEXT,
    file_sha256 TEXT,
    file_size BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE directive_items (
    id BIGSERIAL PRIMARY KEY,
    directive_id BIGINT NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    body TEXT NOT NULL,
    audience TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    UNIQUE (directive_id, code)
);

CREATE TABLE directive_tasks (
    work_item_id BIGINT PRIMARY KEY REFERENCES work_items(id) ON DELETE CASCADE,
    directive_id BIGINT NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL REFERENCES directive_items(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    UNIQUE (item_id, org_id)
);
CREATE INDEX directive_tasks_directive ON directive_tasks(directive_id, org_id);

CREATE TABLE directive_evidence (
    id BIGSERIAL PRIMARY KEY,
    work_item_id BIGINT NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX directive_evidence_task ON directive_evidence(work_item_id);

CREATE TABLE directive_reminders (
    work_item_id BIGINT NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (work_item_id, kind)
);
