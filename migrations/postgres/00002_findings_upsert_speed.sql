-- Faster steady-state collections: touching every seen finding each run must not rewrite
-- indexes. last_seen leaves the indexes (it changes every run), content_hash lets a run tell
-- changed findings without reading message and evidence back, and free space per page lets
-- PostgreSQL update rows in place (HOT).
-- +goose Up
DROP INDEX findings_last_seen;
ALTER TABLE findings ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE findings SET (fillfactor = 80);

-- +goose Down
ALTER TABLE findings RESET (fillfactor);
ALTER TABLE findings DROP COLUMN content_hash;
CREATE INDEX findings_last_seen ON findings (tenant_id, last_seen DESC);
