-- An agency's host list, by name: each of its organisations' hosts read in name order from
-- this index and merged (store::registry::list), instead of walking every host of the province
-- in name order and discarding the other organisations' (PostgreSQL's plan for `org_id IN (…)
-- ORDER BY hostname`: 63,603 rows read and thrown away for Tam Đường's first 50 among 100,000
-- hosts, 50 ms; bench/load.sh).
CREATE INDEX hosts_org_name ON hosts(org_id, hostname, id);
ANALYZE hosts;
