-- Alerts decided but not yet raised (M15): the monitoring pipeline writes a batch's alerts here
-- in the same transaction as its events, then raises each one in a transaction that also deletes
-- its row. A process that dies between the two leaves the row, and whoever drains the outbox
-- next raises it: every alert is raised once, none lost.
CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    made_at INTEGER NOT NULL,
    signal TEXT NOT NULL
);
CREATE INDEX alert_outbox_made ON alert_outbox (made_at);
