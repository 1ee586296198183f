-- Free text in the findings list at 1,000,000 findings (ARCHITECTURE.md, "Performance
-- budgets": list p95 under 100 ms; store.textFindings, docs/benchmarks.md).
--
-- The text is matched against small sets first: the tenant's check ids (a loose scan of
-- findings_check), the check titles (the API's catalog) and the asset keys (this table), and
-- the findings of what matched are then read by their indexes in the list's order.
--
-- asset_search holds each asset's key in lower case under a trigram index, so that a
-- substring of a key finds its assets without reading the tenant's assets. It is a table of
-- its own, filled by a trigger when an asset is inserted, rather than an index on assets:
-- every collection rewrites every asset row it sees (last_seen), which would add each of
-- them to a trigram index on assets again at every run, while a key never changes (it is
-- the asset's identity in its target), so this table only grows when assets are new (about
-- 0.5 s more for the 20,000 assets of a first collection of 200,000 findings, nothing for the
-- next). Rows go with their asset (foreign key, cascade).
--
-- A trigram index on the findings' own text was measured first and rejected: it made the
-- first collection of 200,000 findings 10 s slower, beyond its 20 s budget.
--
-- pg_trgm is a trusted extension (PostgreSQL 13 and later: the database owner may create
-- it). It is created in schema public unless it is installed already, wherever that is; the
-- index names its operator class in that schema. Down leaves the extension: other schemas
-- of the database may use it.
-- +goose Up
SELECT pg_advisory_xact_lock(7166964090990001); -- concurrent migrations of other schemas

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE asset_search (
    tenant_id BIGINT NOT NULL,
    asset_id  BIGINT NOT NULL,
    key_lower TEXT NOT NULL, -- LOWER(assets.key)
    PRIMARY KEY (tenant_id, asset_id),
    FOREIGN KEY (tenant_id, asset_id) REFERENCES assets (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO asset_search (tenant_id, asset_id, key_lower) SELECT tenant_id, id, LOWER(key) FROM assets;

-- +goose StatementBegin
DO $$
DECLARE
    s name;
BEGIN
    SELECT n.nspname INTO STRICT s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX asset_search_key ON asset_search USING gin (key_lower %I.gin_trgm_ops)', s);
END
$$;
-- +goose StatementEnd

-- One statement per INSERT into assets (an upsert's new table holds only the rows it
-- inserted, not those it updated).
-- +goose StatementBegin
CREATE FUNCTION asset_search_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO asset_search (tenant_id, asset_id, key_lower) SELECT tenant_id, id, LOWER(key) FROM new_assets;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER asset_search_add AFTER INSERT ON assets REFERENCING NEW TABLE AS new_assets
    FOR EACH STATEMENT EXECUTE FUNCTION asset_search_add();

-- +goose Down
DROP TRIGGER asset_search_add ON assets;
DROP FUNCTION asset_search_add();
DROP TABLE asset_search;
