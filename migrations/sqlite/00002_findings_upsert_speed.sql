-- Faster steady-state collections: last_seen leaves the indexes (it changes every run), and
-- content_hash lets a run tell changed findings without reading message and evidence back.
-- +goose Up
DROP INDEX findings_last_seen;
ALTER TABLE findings ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE findings DROP COLUMN content_hash;
CREATE INDEX findings_last_seen ON findings (tenant_id, last_seen DESC);
