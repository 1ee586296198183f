-- Score model 3 (issue 14, docs/scoring.md): two numbers per scope. "score" was always a
-- compliance-like percentage and keeps its values under its proper name; risk is new. The
-- model that computed a snapshot becomes a column, so that trends and score-drop alerts
-- compare only snapshots of one model.
-- +goose Up
ALTER TABLE score_snapshots RENAME COLUMN score TO compliance;
ALTER TABLE score_snapshots RENAME COLUMN score_without_exceptions TO compliance_without_exceptions;
ALTER TABLE score_snapshots ADD COLUMN risk DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE score_snapshots ADD COLUMN risk_without_exceptions DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE score_snapshots ADD COLUMN model INTEGER NOT NULL DEFAULT 0;
UPDATE score_snapshots SET model = COALESCE((details->>'model')::INTEGER, 0);

-- +goose Down
ALTER TABLE score_snapshots DROP COLUMN model;
ALTER TABLE score_snapshots DROP COLUMN risk_without_exceptions;
ALTER TABLE score_snapshots DROP COLUMN risk;
ALTER TABLE score_snapshots RENAME COLUMN compliance_without_exceptions TO score_without_exceptions;
ALTER TABLE score_snapshots RENAME COLUMN compliance TO score;
