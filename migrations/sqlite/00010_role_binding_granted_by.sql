-- A claim-derived role binding records the claim value (group) whose role mapping granted
-- it, so that deleting that mapping removes the binding at once instead of at the member's
-- next login. '' for manual bindings, default roles and bindings made before this version
-- (those are replaced at the member's next login).
-- +goose Up
ALTER TABLE role_bindings ADD COLUMN granted_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE role_bindings DROP COLUMN granted_by;
