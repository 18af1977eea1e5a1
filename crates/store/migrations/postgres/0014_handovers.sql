-- Shift handover (M2): at the end of a shift the outgoing officer's note — what happened during
-- it and what is still open, counted when it was prepared, with their remarks — and the incoming
-- officer's acknowledgement. One per shift.
CREATE TABLE duty_handovers (
    id BIGSERIAL PRIMARY KEY,
    shift_id BIGINT NOT NULL UNIQUE REFERENCES duty_shifts(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    from_user BIGINT REFERENCES users(id) ON DELETE SET NULL,
    to_user BIGINT REFERENCES users(id) ON DELETE SET NULL,
    digest TEXT NOT NULL,
    remarks TEXT NOT NULL DEFAULT '',
    prepared_at BIGINT NOT NULL,
    prepared_by TEXT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT
);
CREATE INDEX duty_handovers_org ON duty_handovers(org_id, prepared_at);
