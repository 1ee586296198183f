-- Where each image runs (issue 12): the containers of a cluster target's workloads and the
-- digests their pods reported, replaced by each complete run of the target and added to by
-- partial ones. "Where does this image run" is one lookup by digest.
-- +goose Up
CREATE TABLE image_usages (
    tenant_id  BIGINT NOT NULL,
    target_id  BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    workload   TEXT NOT NULL, -- workload asset key
    container  TEXT NOT NULL, -- result sub-key, e.g. container:web
    image      TEXT NOT NULL, -- the reference the pod spec names
    seen_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, target_id, workload, container, digest),
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX image_usages_digest ON image_usages (tenant_id, digest);

-- +goose Down
DROP TABLE image_usages;
