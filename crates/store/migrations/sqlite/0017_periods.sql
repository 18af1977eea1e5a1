-- Heightened periods (M2): a named span of days during which open tasks' time limits and the
-- on-call waits are cut to a share, and every organisation sends a daily report on the period's
-- form (`key | label` lines; the values kept as JSON). Periods do not overlap; a task is
-- tightened once per period.
CREATE TABLE heightened_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    factor_pct INTEGER NOT NULL,
    form TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE period_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id INTEGER NOT NULL REFERENCES heightened_periods(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    fields TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    submitted_by TEXT NOT NULL,
    UNIQUE (period_id, org_id, day)
);

CREATE TABLE period_tightened (
    work_item_id INTEGER NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    period_id INTEGER NOT NULL REFERENCES heightened_periods(id) ON DELETE CASCADE,
    before_due INTEGER NOT NULL,
    after_due INTEGER NOT NULL,
    PRIMARY KEY (work_item_id, period_id)
);
