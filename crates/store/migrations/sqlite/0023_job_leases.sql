-- Leases on the platform's periodic jobs (M15): with several processes on one database each job
-- (deadline checks, the pager, scheduled reports and scans, retention) runs in the one process
-- holding its lease; a holder renews it every run, and when it dies another takes the job over
-- once the lease has lapsed.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    renewed_at INTEGER NOT NULL
);
