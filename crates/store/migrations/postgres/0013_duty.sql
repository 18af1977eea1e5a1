-- 24/7 duty (M2): Viet Nam's public holidays as editable data, duty rosters generated for a
-- period (each slot a row: who, or why nobody), leave, shift swaps with approval, and each
-- person's calendar-feed token (stored hashed).
CREATE TABLE holidays (
    day TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE duty_rosters (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    pattern TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    min_rest_hours BIGINT NOT NULL,
    max_consecutive BIGINT NOT NULL,
    gaps BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX duty_rosters_org ON duty_rosters(org_id, first_day);

CREATE TABLE duty_shifts (
    id BIGSERIAL PRIMARY KEY,
    roster_id BIGINT NOT NULL REFERENCES duty_rosters(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    day TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    night BIGINT NOT NULL DEFAULT 0,
    off_day BIGINT NOT NULL DEFAULT 0,
    holiday TEXT,
    gap_reason TEXT
);
CREATE INDEX duty_shifts_time ON duty_shifts(org_id, starts_at);
CREATE INDEX duty_shifts_user ON duty_shifts(user_id, starts_at);
CREATE INDEX duty_shifts_roster ON duty_shifts(roster_id, starts_at);

CREATE TABLE duty_leave (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    from_at BIGINT NOT NULL,
    to_at BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX duty_leave_org ON duty_leave(org_id, from_at);

CREATE TABLE duty_swaps (
    id BIGSERIAL PRIMARY KEY,
    shift_id BIGINT NOT NULL REFERENCES duty_shifts(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    from_user BIGINT,
    to_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending',
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX duty_swaps_org ON duty_swaps(org_id, state);

CREATE TABLE duty_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
