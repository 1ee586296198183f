-- An API token acts with at most the role its creator holds in the tenant now: the creator's
-- user id is kept, so that a creator demoted or removed takes the token's power down with
-- them. NULL for tokens made before this version, which keep their own role.
-- +goose Up
ALTER TABLE api_tokens ADD COLUMN creator_user_id BIGINT;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN creator_user_id;
