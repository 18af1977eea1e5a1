-- The daily duty report (M2): generated from the day's data; what the officer edited (the
-- narrative and their remarks) is kept per organisation and day, with who saved it.
CREATE TABLE daily_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    narrative TEXT NOT NULL,
    remarks TEXT NOT NULL DEFAULT '',
    saved_at INTEGER NOT NULL,
    saved_by TEXT NOT NULL,
    UNIQUE (org_id, day)
);
