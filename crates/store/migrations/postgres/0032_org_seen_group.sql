-- An agency's newest alerts, read for the triage's groups (one slice per organisation, merged),
-- need each alert's group: with the group in the index the slices are read from the index
-- alone. Without it each of a few hundred alerts was a read of the table row (scattered among
-- every other organisation's alerts), the largest cost of an agency's alert groups on a loaded
-- store (bench/load.sh).
DROP INDEX signals_org_seen;
CREATE INDEX signals_org_seen ON signals(org_id, last_seen, group_id);
