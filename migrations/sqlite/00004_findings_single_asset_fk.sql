-- PostgreSQL replaces the findings' two foreign keys with one (tenant, target, asset) key in
-- this version. SQLite cannot change a table's constraints without rebuilding the table, and
-- its embedded, single-node use does not need the speed, so its schema stays; the version is
-- kept so both dialects count migrations alike.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
