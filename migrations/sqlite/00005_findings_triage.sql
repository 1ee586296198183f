-- Triage: an operator's verdict on a finding, kept apart from the lifecycle status that runs
-- control. The findings list gains sorts by first and last seen, keyset-paginated on the sort
-- key then id, an assignee filter, and the audit log a per-tenant listing newest first.
--
-- Bulk inserts pay for every index on findings, so: the assignee index is partial (a new
-- finding has no assignee and skips it); the sort indexes are ascending, which serves both
-- directions (a descending list walks the index backward) while new rows, whose time and id
-- only grow, land at the right edge of the index instead of splitting pages at the left; and
-- last_seen is indexed again because a steady run no longer rewrites it for unchanged
-- findings (00002 dropped its index when it did).
--
-- The CHECK is a column constraint so that DROP COLUMN removes it with the column (SQLite
-- refuses to drop a column that an index or a table constraint names).
-- +goose Up
ALTER TABLE findings ADD COLUMN triage TEXT NOT NULL DEFAULT 'new'
    CHECK (triage IN ('new','acknowledged','in_progress','false_positive','wont_fix'));
CREATE INDEX findings_assignee ON findings (tenant_id, assignee) WHERE assignee <> '';
CREATE INDEX findings_sort_first_seen ON findings (tenant_id, first_seen, id);
CREATE INDEX findings_sort_last_seen ON findings (tenant_id, last_seen, id);
CREATE INDEX audit_log_tenant_id ON audit_log (tenant_id, id);

-- +goose Down
DROP INDEX audit_log_tenant_id;
DROP INDEX findings_sort_last_seen;
DROP INDEX findings_sort_first_seen;
DROP INDEX findings_assignee;
ALTER TABLE findings DROP COLUMN triage;
