-- Free text in the findings list (PostgreSQL's 00009): PostgreSQL keeps the asset keys in
-- asset_search under a trigram index, so that a substring of a key finds its assets without
-- reading the tenant's assets. SQLite has no trigram index: free text there reads the
-- tenant's assets (LOWER(key) LIKE), as before, with the same results. So nothing changes
-- here; the file keeps the versions of both dialects in step.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
