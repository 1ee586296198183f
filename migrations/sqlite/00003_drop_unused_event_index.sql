-- finding_events is written once per transition (200,000 rows on a first collection of a
-- large cluster) and read per finding; no query reads it by run, so that index only cost
-- write time.
-- +goose Up
DROP INDEX finding_events_run;

-- +goose Down
CREATE INDEX finding_events_run ON finding_events (tenant_id, run_id);
