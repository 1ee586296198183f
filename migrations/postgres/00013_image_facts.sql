-- Image facts by digest, per tenant (issue 12): an image is inspected once, whoever runs it
-- or stores it. facts is the JSON of collectors/imagefacts.Image: environment variable names
-- only, never values. image_tags keeps each tag's digest and the digest before it last
-- moved, so that a mutable tag moving is seen across runs. trust_policies holds each
-- tenant's image trust policy (which keys or identities must sign which images).
-- +goose Up
CREATE TABLE image_facts (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    digest      TEXT NOT NULL,
    registry    TEXT NOT NULL,
    repository  TEXT NOT NULL,
    facts       TEXT NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);
CREATE INDEX image_facts_repository ON image_facts (tenant_id, registry, repository);
CREATE INDEX image_facts_observed ON image_facts (tenant_id, observed_at);

CREATE TABLE image_tags (
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    registry        TEXT NOT NULL,
    repository      TEXT NOT NULL,
    tag             TEXT NOT NULL,
    digest          TEXT NOT NULL,
    previous_digest TEXT NOT NULL DEFAULT '',
    moved_at        TIMESTAMPTZ,
    seen_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, registry, repository, tag)
);
CREATE INDEX image_tags_digest ON image_tags (tenant_id, digest);

CREATE TABLE trust_policies (
    tenant_id  BIGINT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    policy     TEXT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE trust_policies;
DROP TABLE image_tags;
DROP TABLE image_facts;
