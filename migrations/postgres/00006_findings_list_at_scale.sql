-- The findings list with 1,000,000 findings stored (ARCHITECTURE.md, "Performance budgets":
-- list p95 under 100 ms; BenchmarkAPI1MFindings in backend/httpapi, docs/benchmarks.md).
--
--  * A live finding's last_seen is derived from its target's last complete run after it was
--    written: with this index that is one descent, where before every run of the target was
--    read for each finding listed (a week of 15-minute runs is 670 rows, a year 35,000).
--  * The check filter keeps the list's default order after the check, so a check's page is
--    read in order. Every finding of a check has the check's severity, so the planner's
--    usual plan, walking the list and skipping other checks, read every critical, high and
--    medium finding before a low-severity check's first one (1.8 s at 1,000,000). It
--    replaces (tenant, check, status): inserts maintain as many indexes as before. The
--    namespace, owner and target filters do not need it: their findings are spread over
--    every severity, so the walk finds a page early.
--  * The label filter tests containment (labels @> {"key": "value"}), which this GIN index
--    serves; labels map strings to strings, so it is the same test as before.
--
-- Free text has no index: a trigram index (pg_trgm) on the findings' text made the first
-- collection of 200,000 findings 10 s slower, beyond its 20 s budget (docs/benchmarks.md).
-- +goose Up
CREATE INDEX collection_runs_complete ON collection_runs (tenant_id, target_id, finished_at) WHERE status = 'complete';
DROP INDEX findings_check;
CREATE INDEX findings_check ON findings (tenant_id, check_id, status, severity, id);
CREATE INDEX assets_labels ON assets USING gin (labels jsonb_path_ops);

-- +goose Down
DROP INDEX assets_labels;
DROP INDEX findings_check;
CREATE INDEX findings_check ON findings (tenant_id, check_id, status);
DROP INDEX collection_runs_complete;
