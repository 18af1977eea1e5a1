-- Running totals of the stored events (rows and bytes), changed in the same transaction as the
-- events themselves, so that the monitoring page and the retention job read a few rows instead
-- of counting every event (seconds over ten million). Writers add to one of several slots, so
-- that on PostgreSQL concurrent batches do not all wait on one row; the totals are the sums.
CREATE TABLE event_totals (
    slot INTEGER PRIMARY KEY,
    events BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
INSERT INTO event_totals (slot, events, bytes) SELECT 0, COUNT(*), COALESCE(SUM(size), 0) FROM events;
