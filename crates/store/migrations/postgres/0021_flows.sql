-- Flow telemetry (M16): exporters (an operator's routers), customer prefixes an operator
-- protects, attacks, per-minute traffic and talkers, and flows to or from listed Botnet
-- addresses. Every row carries the operator whose network saw it (`operator_org_id`) and,
-- where it concerns an address, the organisation that holds the address (`org_id`): a row is
-- visible to either, never to a third.
CREATE TABLE flow_exporters (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    address TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sampling BIGINT NOT NULL DEFAULT 0,
    format TEXT NOT NULL DEFAULT '',
    last_seen BIGINT NOT NULL DEFAULT 0,
    datagrams BIGINT NOT NULL DEFAULT 0,
    flows BIGINT NOT NULL DEFAULT 0,
    malformed BIGINT NOT NULL DEFAULT 0,
    no_template BIGINT NOT NULL DEFAULT 0,
    templates BIGINT NOT NULL DEFAULT 0,
    unknown_fields BIGINT NOT NULL DEFAULT 0,
    lost BIGINT NOT NULL DEFAULT 0,
    options BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX flow_exporters_org ON flow_exporters(org_id);

CREATE TABLE flow_prefixes (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    customer_org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    pps BIGINT NOT NULL,
    mbps BIGINT NOT NULL,
    fps BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (org_id, prefix)
);

CREATE TABLE flow_attacks (
    id BIGSERIAL PRIMARY KEY,
    operator_org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    prefix TEXT NOT NULL,
    kind TEXT NOT NULL,
    port BIGINT,
    protocol BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_over_at BIGINT NOT NULL,
    ended_at BIGINT,
    peak_pps BIGINT NOT NULL,
    peak_bps BIGINT NOT NULL,
    peak_fps BIGINT NOT NULL,
    packets BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    flows BIGINT NOT NULL,
    sources_seen BIGINT NOT NULL DEFAULT 0,
    top_sources TEXT NOT NULL DEFAULT '[]',
    mix TEXT NOT NULL DEFAULT '{}',
    advice TEXT NOT NULL DEFAULT '{}',
    signal_id BIGINT,
    operator_signal_id BIGINT,
    detected_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX flow_attacks_org ON flow_attacks(org_id, started_at);
CREATE INDEX flow_attacks_operator ON flow_attacks(operator_org_id, started_at);

CREATE TABLE flow_minutes (
    operator_org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    minute BIGINT NOT NULL,
    in_packets BIGINT NOT NULL,
    in_bytes BIGINT NOT NULL,
    out_packets BIGINT NOT NULL,
    out_bytes BIGINT NOT NULL,
    flows BIGINT NOT NULL,
    PRIMARY KEY (operator_org_id, org_id, minute)
);
CREATE INDEX flow_minutes_org ON flow_minutes(org_id, minute);
CREATE INDEX flow_minutes_time ON flow_minutes(minute);

CREATE TABLE flow_talkers (
    operator_org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    minute BIGINT NOT NULL,
    ip TEXT NOT NULL,
    local BIGINT NOT NULL,
    packets BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
CREATE INDEX flow_talkers_org ON flow_talkers(org_id, minute);
CREATE INDEX flow_talkers_time ON flow_talkers(minute);

CREATE TABLE flow_sightings (
    id BIGSERIAL PRIMARY KEY,
    operator_org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
    local_ip TEXT NOT NULL,
    remote_ip TEXT NOT NULL,
    entry TEXT NOT NULL,
    outbound BIGINT NOT NULL,
    proto BIGINT NOT NULL,
    port BIGINT NOT NULL,
    flows BIGINT NOT NULL,
    packets BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    signal_id BIGINT,
    UNIQUE (operator_org_id, org_id, local_ip, remote_ip)
);
CREATE INDEX flow_sightings_org ON flow_sightings(org_id, last_seen);
