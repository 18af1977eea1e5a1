-- Botnet IP lists, their entries and their findings on the registry (M7).
CREATE TABLE botnet_lists (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
    period TEXT NOT NULL, version TEXT NOT NULL, format TEXT NOT NULL,
    entry_count BIGINT NOT NULL, imported_at BIGINT NOT NULL, imported_by TEXT NOT NULL
);
CREATE TABLE botnet_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    value TEXT NOT NULL, kind TEXT NOT NULL, malware TEXT, seen TEXT, context TEXT, org_hint TEXT,
    row_no BIGINT NOT NULL
);
CREATE INDEX botnet_entries_list ON botnet_entries(list_id, value);
CREATE TABLE botnet_findings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    ip TEXT, network TEXT, level BIGINT, malware TEXT,
    recurring BIGINT NOT NULL,
    work_item_id BIGINT REFERENCES work_items(id) ON DELETE SET NULL
);
CREATE INDEX botnet_findings_list ON botnet_findings(list_id, org_id);
-- What a work item is about, for work closed by proof (e.g. botnet:botnet:203.0.113.7).
ALTER TABLE work_items ADD COLUMN subject TEXT;
CREATE INDEX work_items_subject ON work_items(kind, subject);
