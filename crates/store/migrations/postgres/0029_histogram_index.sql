-- An agency's alert histogram counts its organisations' alerts first seen in the window: read
-- from this index, instead of every alert of the window (of every organisation) through the
-- `first_seen` index, each looked up in the table to find its organisation (170 ms for Tam
-- Đường's 24 hours among 1,000,000 alerts; bench/load.sh). Led by the kind after the
-- organisation, so that one kind's histogram is one range per organisation (the planner
-- otherwise took `(org_id, kind, last_seen, group_id)` and looked every alert of the kind up in
-- the table); a histogram of every kind reads the organisations' entries from the index alone.
CREATE INDEX signals_org_first ON signals(org_id, kind, first_seen);
ANALYZE signals;
