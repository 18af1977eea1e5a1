-- Indexes for the lists of a province whose data has piled up (bench/load.sh: 100,000 hosts,
-- 1,000,000 alerts, 10,000,000 events), found by timing each page's statements:
-- - the alert lists, newest first, walk `last_seen` from its end instead of sorting every alert
--   (a count-up moves its alert's entry), by kind too;
-- - the open alerts (the overview, the wall, the triage's "open" filter) are found in an index
--   of them only;
-- - the alert histogram reads the window's alerts by the time they were first seen;
-- - the host list, by name, reads the names in order instead of sorting every host, and the
--   overview's hosts per organisation and kind are counted from an index.
CREATE INDEX signals_last_seen ON signals(last_seen);
CREATE INDEX signals_kind_seen ON signals(kind, last_seen);
-- An agency's lists: each of its organisations' alerts in order (merged in the query), also
-- of one kind, with the group so that the triage's groups are found and counted from the index.
CREATE INDEX signals_org_seen ON signals(org_id, last_seen);
CREATE INDEX signals_org_kind_seen ON signals(org_id, kind, last_seen, group_id);
-- Open alerts are few among many closed ones, which statistics per column cannot tell the
-- planner (a state index looked like half the table per value): a partial index holds only
-- them.
CREATE INDEX signals_open ON signals(org_id, last_seen) WHERE state IN ('new', 'acknowledged', 'in_progress');
CREATE INDEX signals_first_seen ON signals(first_seen);
CREATE INDEX hosts_name ON hosts(hostname, id);
CREATE INDEX hosts_org_kind ON hosts(org_id, kind);
-- The planner's statistics for the new indexes: without them SQLite sorted every host for a page
-- of 50 (it walked the organisations first), with them it reads the first 50 names.
ANALYZE hosts;
ANALYZE signals;
