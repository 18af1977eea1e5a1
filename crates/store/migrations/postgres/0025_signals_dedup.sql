-- Counting an occurrence into an alert updates its count and last time seen. With last_seen in
-- the de-duplication index every such update wrote a new index entry, and on PostgreSQL each
-- lookup of a busy alert walked the dead versions of all its earlier updates (an alert counted
-- up thousands of times cost milliseconds a lookup). The index keeps the key only, so the update
-- touches no indexed column (PostgreSQL updates the row in place, "HOT"); the few alerts of one
-- key are sorted by time when read.
DROP INDEX signals_dedup;
CREATE INDEX signals_dedup ON signals(dedup_key);
ALTER TABLE signals SET (fillfactor = 85);
