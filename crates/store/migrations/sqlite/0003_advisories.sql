-- Advisories, the KEV catalogue, inventory history and current matches (M5).
CREATE TABLE advisories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ext_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL, severity TEXT, cvss REAL, published TEXT, source TEXT NOT NULL,
    cves TEXT NOT NULL,
    recommendation TEXT,
    doc TEXT NOT NULL,
    imported_at INTEGER NOT NULL, imported_by TEXT NOT NULL
);
CREATE TABLE kev (
    cve TEXT PRIMARY KEY,
    vendor TEXT NOT NULL, product TEXT NOT NULL, name TEXT NOT NULL,
    added TEXT NOT NULL, due TEXT NOT NULL, ransomware INTEGER NOT NULL
);
CREATE TABLE inventory_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    taken_at INTEGER NOT NULL, source TEXT NOT NULL, packages TEXT NOT NULL
);
CREATE INDEX inventory_snapshots_host ON inventory_snapshots(host_id, taken_at);
CREATE TABLE advisory_matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    package TEXT NOT NULL, version TEXT NOT NULL, fixed TEXT,
    work_item_id INTEGER REFERENCES work_items(id) ON DELETE SET NULL,
    UNIQUE (advisory_id, host_id, package)
);
CREATE INDEX advisory_matches_org ON advisory_matches(org_id);
CREATE INDEX advisory_matches_host ON advisory_matches(host_id);
