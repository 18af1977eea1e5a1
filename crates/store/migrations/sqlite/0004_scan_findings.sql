-- Vulnerability scanner findings, one per (host, vulnerability), tracked to remediation (M6).
CREATE TABLE scan_findings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    vuln_key TEXT NOT NULL, title TEXT NOT NULL, severity TEXT NOT NULL, cvss REAL,
    cves TEXT NOT NULL, scanner TEXT NOT NULL, port TEXT, solution TEXT,
    state TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    work_item_id INTEGER REFERENCES work_items(id) ON DELETE SET NULL,
    UNIQUE (host_id, vuln_key)
);
CREATE INDEX scan_findings_org ON scan_findings(org_id, state);
