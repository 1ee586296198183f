-- Vulnerabilities and SBOMs per image (issue 13).
-- layer_inventories: what each image layer holds that matters for packages (dpkg and apk
--   databases, Go binaries' build info, whiteouts), per tenant (a layer digest is content,
--   but a hostile registry may name another tenant's digest without holding its blob), so a
--   layer is downloaded and read once.
-- sboms: one SBOM per image digest and tenant (the best source wins: attestation, upload,
--   extractor); sbom_components its packages, each pointing at packages, the shared
--   identity advisories are matched on (ecosystem, source name, source version).
-- advisories / advisory_packages: the OSV advisory database, global, fed per ecosystem
--   (advisory_feeds records each feed's source, validators and date).
-- package_vulns: which advisory affects which package, recomputed only for the packages an
--   advisory refresh touches; image_vulns materialises it per tenant and image for listing.
-- vex_statements: a tenant's "not affected" statements, with reason and expiry.
-- +goose Up
CREATE TABLE layer_inventories (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    digest    TEXT NOT NULL,
    facts     TEXT NOT NULL,
    read_at   DATETIME NOT NULL,
    PRIMARY KEY (tenant_id, digest)
);

CREATE TABLE sboms (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id           BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    digest              TEXT NOT NULL,
    source              TEXT NOT NULL CHECK (source IN ('attestation','upload','extractor')),
    format              TEXT NOT NULL,
    origin              TEXT NOT NULL,
    tool                TEXT NOT NULL DEFAULT '',
    document_created_at DATETIME,
    observed_at         DATETIME NOT NULL,
    distro              TEXT NOT NULL DEFAULT '',
    components          INTEGER NOT NULL,
    problems            TEXT NOT NULL DEFAULT '[]',
    UNIQUE (tenant_id, digest)
);

CREATE TABLE packages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ecosystem  TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    matched_at DATETIME,
    UNIQUE (ecosystem, name, version)
);
-- The packages never matched: a stored SBOM's new ones, until the SBOM is matched; looked up
-- for every SBOM stored, which without it read every package.
CREATE INDEX packages_unmatched ON packages (id) WHERE matched_at IS NULL;

CREATE TABLE sbom_components (
    sbom_id    BIGINT NOT NULL REFERENCES sboms(id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    package_id BIGINT NOT NULL REFERENCES packages(id),
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    purl       TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sbom_id, ordinal)
);
CREATE INDEX sbom_components_package ON sbom_components (package_id);

CREATE TABLE advisories (
    id          TEXT PRIMARY KEY,
    feed        TEXT NOT NULL,
    modified    DATETIME NOT NULL,
    published   DATETIME,
    withdrawn   DATETIME,
    severity    SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4), -- 0 unknown .. 4 critical
    cvss        REAL NOT NULL DEFAULT 0,
    cvss_vector TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '',
    aliases     TEXT NOT NULL DEFAULT '[]',
    refs        TEXT NOT NULL DEFAULT '[]',
    matched_at  DATETIME -- NULL: stored, not yet matched with packages
);
CREATE INDEX advisories_feed ON advisories (feed, modified);
CREATE INDEX advisories_pending ON advisories (id) WHERE matched_at IS NULL;

CREATE TABLE advisory_packages (
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    affected    TEXT NOT NULL, -- JSON of the advisory's affected entries for this package
    PRIMARY KEY (advisory_id, ecosystem, name)
);
CREATE INDEX advisory_packages_package ON advisory_packages (ecosystem, name);

CREATE TABLE advisory_aliases (
    alias       TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id);

CREATE TABLE package_vulns (
    package_id     BIGINT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    advisory_id    TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    fixed          TEXT NOT NULL DEFAULT '',
    affected_range TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (package_id, advisory_id)
);
CREATE INDEX package_vulns_advisory ON package_vulns (advisory_id);

CREATE TABLE image_vulns (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL,
    advisory_id   TEXT NOT NULL,
    component     TEXT NOT NULL,
    package_id    BIGINT NOT NULL,
    installed     TEXT NOT NULL,
    fixed         TEXT NOT NULL DEFAULT '',
    severity      SMALLINT NOT NULL,
    cvss          REAL NOT NULL DEFAULT 0,
    first_seen_at DATETIME NOT NULL,
    PRIMARY KEY (tenant_id, digest, advisory_id, component)
);
-- The list's order is worst first; severity is negated so that the whole key ascends and a
-- page's cursor is one row comparison the index answers as a range (deep pages included).
-- severity and fixed ride along (after a unique key, they never change the order) so that
-- every column the list filters on is in the index: a page's keys are found without
-- reading the table (an index-only scan on PostgreSQL, a covering index on SQLite).
CREATE INDEX image_vulns_list ON image_vulns (tenant_id, (-severity), advisory_id, digest, component, severity, fixed);
-- The list of one package in the same order: a rare package is a short range, not a walk
-- of the list index.
CREATE INDEX image_vulns_component ON image_vulns (tenant_id, component, (-severity), advisory_id, digest);
-- Advisory first: a refresh reaches an advisory's rows in every tenant (the list's
-- vulnerability filter gives the tenant too).
CREATE INDEX image_vulns_advisory ON image_vulns (advisory_id, tenant_id);

CREATE TABLE advisory_feeds (
    ecosystem     TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    file_size     BIGINT NOT NULL DEFAULT 0,
    file_mtime    DATETIME,
    refreshed_at  DATETIME,
    feed_date     DATETIME,
    attempted_at  DATETIME NOT NULL,
    records       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE vex_statements (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    vulnerability TEXT NOT NULL,
    digest        TEXT NOT NULL DEFAULT '',
    component     TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('not_affected')),
    justification TEXT NOT NULL,
    reason        TEXT NOT NULL,
    expires_at    DATETIME NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE INDEX vex_statements_vulnerability ON vex_statements (tenant_id, vulnerability);

-- +goose Down
DROP TABLE vex_statements;
DROP TABLE advisory_feeds;
DROP TABLE image_vulns;
DROP TABLE package_vulns;
DROP TABLE advisory_aliases;
DROP TABLE advisory_packages;
DROP TABLE advisories;
DROP TABLE sbom_components;
DROP TABLE packages;
DROP TABLE sboms;
DROP TABLE layer_inventories;
