-- Triage: alerts of one organisation on the same host whose first occurrences fall within a few
-- minutes of each other form a group (`group_id` = the group's first alert); the host and the
-- remote (attacker) address are kept as columns so lists filter and group on them in SQL.
ALTER TABLE signals ADD COLUMN group_id BIGINT;
ALTER TABLE signals ADD COLUMN host_name TEXT;
ALTER TABLE signals ADD COLUMN src_ip TEXT;
UPDATE signals SET group_id = id WHERE group_id IS NULL;
CREATE INDEX signals_group ON signals(group_id);
CREATE INDEX signals_host_group ON signals(kind, org_id, host_name, first_seen);
CREATE INDEX signals_host_id ON signals(host_id);

-- When each registered host last sent an event (the host page, silent sources), kept as events
-- are stored rather than searched for among them.
CREATE TABLE host_activity (
    host_id BIGINT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
    last_event_id BIGINT NOT NULL,
    last_received BIGINT NOT NULL
);
INSERT INTO host_activity (host_id, last_event_id, last_received)
    SELECT host_id, MAX(id), MAX(received_at) FROM events WHERE host_id IS NOT NULL GROUP BY host_id;
