-- Every log source seen: one row per organisation (0 = none resolved), sender (the host name the
-- events give, else the sender's address) and format (the shape the events arrived in: syslog,
-- winlogbeat, fortigate, …), updated as batches are stored. `gap_ms` is a moving average of the
-- gap between arrivals, so a source that stays silent much longer than usual can be told apart
-- from one that is always quiet; `silent_signal_id` is the alert raised for its silence, cleared
-- when it speaks again.
CREATE TABLE log_sources (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL DEFAULT 0,
    source_key TEXT NOT NULL,
    format TEXT NOT NULL,
    host_id BIGINT,
    transport TEXT NOT NULL,
    product TEXT,
    category TEXT,
    service TEXT,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    events BIGINT NOT NULL DEFAULT 0,
    malformed BIGINT NOT NULL DEFAULT 0,
    gap_ms BIGINT,
    silent_signal_id BIGINT,
    UNIQUE (org_id, source_key, format)
);
CREATE INDEX log_sources_last_seen ON log_sources(last_seen);
