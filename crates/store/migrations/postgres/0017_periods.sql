-- Heightened periods (M2): a named span of days during which open tasks' time limits and the
-- on-call waits are cut to a share, and every organisation sends a daily report on the period's
-- form (`key | label` lines; the values kept as JSON). Periods do not overlap; a task is
-- tightened once per period.
CREATE TABLE heightened_periods (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    factor_pct BIGINT NOT NULL,
    form TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE period_reports (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES heightened_periods(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    fields TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    UNIQUE (period_id, org_id, day)
);

CREATE TABLE period_tightened (
    work_item_id BIGINT NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL REFERENCES heightened_periods(id) ON DELETE CASCADE,
    before_due BIGINT NOT NULL,
    after_due BIGINT NOT NULL,
    PRIMARY KEY (work_item_id, period_id)
);
