-- Flow telemetry (M16): exporters (an operator's routers), customer prefixes an operator
-- protects, attacks, per-minute traffic and talkers, and flows to or from listed Botnet
-- addresses. Every row carries the operator whose network saw it (`operator_org_id`) and,
-- where it concerns an address, the organisation that holds the address (`org_id`): a row is
-- visible to either, never to a third.
CREATE TABLE flow_exporters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    address TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sampling INTEGER NOT NULL DEFAULT 0,
    format TEXT NOT NULL DEFAULT '',
    last_seen INTEGER NOT NULL DEFAULT 0,
    datagrams INTEGER NOT NULL DEFAULT 0,
    flows INTEGER NOT NULL DEFAULT 0,
    malformed INTEGER NOT NULL DEFAULT 0,
    no_template INTEGER NOT NULL DEFAULT 0,
    templates INTEGER NOT NULL DEFAULT 0,
    unknown_fields INTEGER NOT NULL DEFAULT 0,
    lost INTEGER NOT NULL DEFAULT 0,
    options INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX flow_exporters_org ON flow_exporters(org_id);

CREATE TABLE flow_prefixes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    customer_org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    pps INTEGER NOT NULL,
    mbps INTEGER NOT NULL,
    fps INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (org_id, prefix)
);

CREATE TABLE flow_attacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    prefix TEXT NOT NULL,
    kind TEXT NOT NULL,
    port INTEGER,
    protocol INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    last_over_at INTEGER NOT NULL,
    ended_at INTEGER,
    peak_pps INTEGER NOT NULL,
    peak_bps INTEGER NOT NULL,
    peak_fps INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    flows INTEGER NOT NULL,
    sources_seen INTEGER NOT NULL DEFAULT 0,
    top_sources TEXT NOT NULL DEFAULT '[]',
    mix TEXT NOT NULL DEFAULT '{}',
    advice TEXT NOT NULL DEFAULT '{}',
    signal_id INTEGER,
    operator_signal_id INTEGER,
    detected_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX flow_attacks_org ON flow_attacks(org_id, started_at);
CREATE INDEX flow_attacks_operator ON flow_attacks(operator_org_id, started_at);

CREATE TABLE flow_minutes (
    operator_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    minute INTEGER NOT NULL,
    in_packets INTEGER NOT NULL,
    in_bytes INTEGER NOT NULL,
    out_packets INTEGER NOT NULL,
    out_bytes INTEGER NOT NULL,
    flows INTEGER NOT NULL,
    PRIMARY KEY (operator_org_id, org_id, minute)
);
CREATE INDEX flow_minutes_org ON flow_minutes(org_id, minute);
CREATE INDEX flow_minutes_time ON flow_minutes(minute);

CREATE TABLE flow_talkers (
    operator_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    minute INTEGER NOT NULL,
    ip TEXT NOT NULL,
    local INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
CREATE INDEX flow_talkers_org ON flow_talkers(org_id, minute);
CREATE INDEX flow_talkers_time ON flow_talkers(minute);

CREATE TABLE flow_sightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL,
    local_ip TEXT NOT NULL,
    remote_ip TEXT NOT NULL,
    entry TEXT NOT NULL,
    outbound INTEGER NOT NULL,
    proto INTEGER NOT NULL,
    port INTEGER NOT NULL,
    flows INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    signal_id INTEGER,
    UNIQUE (operator_org_id, org_id, local_ip, remote_ip)
);
CREATE INDEX flow_sightings_org ON flow_sightings(org_id, last_seen);
