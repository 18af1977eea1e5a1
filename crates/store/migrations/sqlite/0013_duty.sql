-- 24/7 duty (M2): Viet Nam's public holidays as editable data, duty rosters generated for a
-- period (each slot a row: who, or why nobody), leave, shift swaps with approval, and each
-- person's calendar-feed token (stored hashed).
CREATE TABLE holidays (
    day TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE duty_rosters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    pattern TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    min_rest_hours INTEGER NOT NULL,
    max_consecutive INTEGER NOT NULL,
    gaps INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX duty_rosters_org ON duty_rosters(org_id, first_day);

CREATE TABLE duty_shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roster_id INTEGER NOT NULL REFERENCES duty_rosters(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    day TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    night INTEGER NOT NULL DEFAULT 0,
    off_day INTEGER NOT NULL DEFAULT 0,
    holiday TEXT,
    gap_reason TEXT
);
CREATE INDEX duty_shifts_time ON duty_shifts(org_id, starts_at);
CREATE INDEX duty_shifts_user ON duty_shifts(user_id, starts_at);
CREATE INDEX duty_shifts_roster ON duty_shifts(roster_id, starts_at);

CREATE TABLE duty_leave (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    from_at INTEGER NOT NULL,
    to_at INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX duty_leave_org ON duty_leave(org_id, from_at);

CREATE TABLE duty_swaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id INTEGER NOT NULL REFERENCES duty_shifts(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    from_user INTEGER,
    to_user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_by TEXT,
    decided_at INTEGER
);
CREATE INDEX duty_swaps_org ON duty_swaps(org_id, state);

CREATE TABLE duty_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
