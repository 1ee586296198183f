-- The findings list with 1,000,000 findings stored (ARCHITECTURE.md, "Performance budgets";
-- BenchmarkAPI1MFindings in backend/httpapi, docs/benchmarks.md). In step with PostgreSQL:
--
--  * A live finding's last_seen is derived from its target's last complete run after it was
--    written: with this index that is one descent instead of reading every run of the target.
--  * The check filter keeps the list's default order after the check, so a check's page is
--    read in order instead of after every finding of a higher severity (a check's findings
--    all have its severity). It replaces (tenant, check, status).
--
-- PostgreSQL's GIN index on asset labels has no SQLite counterpart: the label filter reads
-- the tenant's assets there, as before.
-- +goose Up
CREATE INDEX collection_runs_complete ON collection_runs (tenant_id, target_id, finished_at) WHERE status = 'complete';
DROP INDEX findings_check;
CREATE INDEX findings_check ON findings (tenant_id, check_id, status, severity, id);

-- +goose Down
DROP INDEX findings_check;
CREATE INDEX findings_check ON findings (tenant_id, check_id, status);
DROP INDEX collection_runs_complete;
