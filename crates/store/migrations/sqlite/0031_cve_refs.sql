-- Each CVE of a scanner finding and of an advisory, one row apiece, so that "is it in the KEV
-- catalogue" is an index lookup. It was `cves LIKE '%' || kev.cve || '%'` against every KEV
-- entry for every row shown (the largest statement of a host's page on a loaded store, bench/
-- load.sh), and a substring test: a finding of CVE-2021-44281 counted as known exploited if
-- the catalogue held CVE-2021-4428.
CREATE TABLE scan_finding_cves (
    finding_id INTEGER NOT NULL REFERENCES scan_findings(id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    PRIMARY KEY (finding_id, cve)
);
CREATE INDEX scan_finding_cves_cve ON scan_finding_cves(cve);
CREATE TABLE advisory_cves (
    advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    PRIMARY KEY (advisory_id, cve)
);
CREATE INDEX advisory_cves_cve ON advisory_cves(cve);
WITH RECURSIVE split(id, cve, rest) AS (
    SELECT id, '', cves || ',' FROM scan_findings
    UNION ALL
    SELECT id, UPPER(TRIM(substr(rest, 1, instr(rest, ',') - 1))), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO scan_finding_cves (finding_id, cve) SELECT id, cve FROM split WHERE cve <> '';
WITH RECURSIVE split(id, cve, rest) AS (
    SELECT id, '', cves || ',' FROM advisories
    UNION ALL
    SELECT id, UPPER(TRIM(substr(rest, 1, instr(rest, ',') - 1))), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO advisory_cves (advisory_id, cve) SELECT id, cve FROM split WHERE cve <> '';
