-- National-platform alerts (M8): the senders allowed to push them (a token, stored hashed, and
-- the HMAC secret that signs each body), the alerts by their platform id (one row per id per
-- source: the same id again updates it), routed to an organisation or waiting in the DIC's
-- queue (org_id NULL), and the signatures already seen (replays are refused).
CREATE TABLE platform_sources (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE platform_alerts (
    id BIGSERIAL PRIMARY KEY,
    source_id BIGINT NOT NULL REFERENCES platform_sources(id) ON DELETE CASCADE,
    platform_id TEXT NOT NULL,
    alert_time BIGINT,
    alert_type TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL DEFAULT 'medium',
    recommendation TEXT NOT NULL DEFAULT '',
    org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    host_id BIGINT,
    signal_id BIGINT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    times BIGINT NOT NULL DEFAULT 1,
    UNIQUE (source_id, platform_id)
);
CREATE INDEX platform_alerts_org ON platform_alerts(org_id, received_at);

CREATE TABLE platform_nonces (
    source_id BIGINT NOT NULL,
    signature TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (source_id, signature)
);
