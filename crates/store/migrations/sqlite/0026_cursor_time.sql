-- When a delivery cursor last moved. A client's batch id on HTTP ingest is a cursor of its own
-- (`http:o<org>:<id>`, one row a batch), so these rows are removed after the retention job's
-- window instead of piling up; agents' and stream workers' cursors are kept.
ALTER TABLE ingest_cursors ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
