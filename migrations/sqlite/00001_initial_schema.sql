-- Palisade initial schema (SQLite). Every table holding customer data carries tenant_id;
-- child tables reference parents by (tenant_id, id) so a row can never point across tenants.
-- +goose Up
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 63 AND slug NOT GLOB '*[^a-z0-9-]*' AND slug NOT GLOB '-*'),
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at DATETIME,
    UNIQUE (issuer, subject)
);

CREATE TABLE role_bindings (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin','security-manager','operator','auditor','viewer')),
    source     TEXT NOT NULL DEFAULT 'claim' CHECK (source IN ('claim','manual')),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX role_bindings_user ON role_bindings (user_id);

-- role_mappings turn an ID-token claim value (a group) into a role in a tenant.
CREATE TABLE role_mappings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    claim_value TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin','security-manager','operator','auditor','viewer')),
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, claim_value)
);

CREATE TABLE targets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('cluster','registry','host','manifests')),
    settings    TEXT NOT NULL DEFAULT '{}',
    schedule    TEXT NOT NULL DEFAULT '1h',
    credentials BLOB, -- sealed with AES-256-GCM, never plaintext
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE collection_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       BIGINT NOT NULL,
    target_id       BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running','complete','partial','failed')),
    trigger         TEXT NOT NULL DEFAULT 'schedule',
    started_at      DATETIME NOT NULL,
    finished_at     DATETIME,
    assets_count    INTEGER NOT NULL DEFAULT 0,
    evaluated_count INTEGER NOT NULL DEFAULT 0,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    opened_count    INTEGER NOT NULL DEFAULT 0,
    resolved_count  INTEGER NOT NULL DEFAULT 0,
    reopened_count  INTEGER NOT NULL DEFAULT 0,
    errors          TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, id)
);
CREATE INDEX collection_runs_target ON collection_runs (tenant_id, target_id, started_at DESC);
CREATE INDEX collection_runs_running ON collection_runs (status) WHERE status = 'running';

CREATE TABLE assets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL,
    target_id  BIGINT NOT NULL,
    parent_key TEXT NOT NULL DEFAULT '', -- key of the parent asset in the same target
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    namespace  TEXT NOT NULL DEFAULT '',
    labels     TEXT NOT NULL DEFAULT '{}',
    first_seen DATETIME NOT NULL,
    last_seen  DATETIME NOT NULL,
    gone_at    DATETIME, -- absent from the last complete run
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, target_id, key),
    UNIQUE (tenant_id, id)
);
CREATE INDEX assets_parent ON assets (tenant_id, target_id, parent_key);
CREATE INDEX assets_kind ON assets (tenant_id, kind, name);

CREATE TABLE findings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL,
    target_id   BIGINT NOT NULL,
    asset_id    BIGINT NOT NULL,
    check_id    TEXT NOT NULL,
    sub_key     TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL, -- sha256 of (tenant, target, asset key, check, sub key)
    severity    SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4),
    status      TEXT NOT NULL CHECK (status IN ('open','resolved','suppressed')),
    message     TEXT NOT NULL DEFAULT '',
    evidence    TEXT NOT NULL DEFAULT '{}', -- redacted before it gets here
    namespace   TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    assignee    TEXT NOT NULL DEFAULT '',
    first_seen  DATETIME NOT NULL,
    last_seen   DATETIME NOT NULL,
    resolved_at DATETIME,
    last_run_id BIGINT,
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, asset_id) REFERENCES assets (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, fingerprint),
    UNIQUE (tenant_id, id)
);
-- The list view's default order and its common filters; keyset pagination runs on (severity, id).
CREATE INDEX findings_list ON findings (tenant_id, status, severity DESC, id DESC);
CREATE INDEX findings_target ON findings (tenant_id, target_id, status);
CREATE INDEX findings_check ON findings (tenant_id, check_id, status);
CREATE INDEX findings_namespace ON findings (tenant_id, namespace, status);
CREATE INDEX findings_owner ON findings (tenant_id, owner, status);
CREATE INDEX findings_asset ON findings (tenant_id, asset_id);
CREATE INDEX findings_last_seen ON findings (tenant_id, last_seen DESC);

CREATE TABLE finding_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL,
    finding_id BIGINT NOT NULL,
    run_id     BIGINT,
    kind       TEXT NOT NULL CHECK (kind IN ('opened','resolved','reopened','suppressed','status_changed')),
    actor      TEXT NOT NULL DEFAULT 'system',
    note       TEXT NOT NULL DEFAULT '',
    at         DATETIME NOT NULL,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX finding_events_finding ON finding_events (tenant_id, finding_id, at);
CREATE INDEX finding_events_run ON finding_events (tenant_id, run_id);

CREATE TABLE score_snapshots (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id                BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    target_id                BIGINT, -- NULL for tenant-wide scopes
    run_id                   BIGINT,
    scope_kind               TEXT NOT NULL CHECK (scope_kind IN ('overall','area','recommendation','target','namespace','owner')),
    scope_key                TEXT NOT NULL DEFAULT '',
    score                    REAL, -- NULL when nothing was evaluated: never a fake 100
    score_without_exceptions REAL,
    evaluated                INTEGER NOT NULL DEFAULT 0,
    passed                   INTEGER NOT NULL DEFAULT 0,
    failed                   INTEGER NOT NULL DEFAULT 0,
    not_applicable           INTEGER NOT NULL DEFAULT 0,
    needs_attestation        INTEGER NOT NULL DEFAULT 0,
    details                  TEXT NOT NULL DEFAULT '{}', -- contributors that explain the number
    taken_at                 DATETIME NOT NULL
);
CREATE INDEX score_snapshots_scope ON score_snapshots (tenant_id, scope_kind, scope_key, taken_at DESC);
CREATE INDEX score_snapshots_target ON score_snapshots (tenant_id, target_id, taken_at DESC);

CREATE TABLE exceptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    finding_id   BIGINT,
    check_id     TEXT NOT NULL DEFAULT '',
    target_id    BIGINT,
    namespace    TEXT NOT NULL DEFAULT '',
    label_selector TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    approved_at  DATETIME,
    status       TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','revoked','expired')),
    expires_at   DATETIME NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (finding_id IS NOT NULL OR check_id <> ''),
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX exceptions_active ON exceptions (tenant_id, status, expires_at);

CREATE TABLE attestations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    csa_id          TEXT NOT NULL,
    statement       TEXT NOT NULL,
    evidence_url    TEXT NOT NULL DEFAULT '',
    evidence_name   TEXT NOT NULL DEFAULT '',
    evidence_sha256 TEXT NOT NULL DEFAULT '',
    evidence        BLOB,
    owner           TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at      DATETIME NOT NULL,
    revoked_at      DATETIME
);
CREATE INDEX attestations_csa ON attestations (tenant_id, csa_id, expires_at DESC);

CREATE TABLE tickets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    assignee     TEXT NOT NULL DEFAULT '',
    severity     SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4),
    status       TEXT NOT NULL CHECK (status IN ('open','in_progress','resolved','verified','reopened')),
    due_at       DATETIME,
    external_key TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, key),
    UNIQUE (tenant_id, id)
);
CREATE INDEX tickets_status ON tickets (tenant_id, status, due_at);

-- A finding belongs to at most one ticket: never two tickets for one fingerprint.
CREATE TABLE ticket_findings (
    tenant_id  BIGINT NOT NULL,
    ticket_id  BIGINT NOT NULL,
    finding_id BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, finding_id),
    UNIQUE (tenant_id, finding_id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE ticket_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL,
    ticket_id  BIGINT NOT NULL,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (tenant_id, ticket_id, created_at);

CREATE TABLE drift_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL,
    target_id   BIGINT NOT NULL,
    run_id      BIGINT NOT NULL,
    prev_run_id BIGINT,
    kind        TEXT NOT NULL,
    severity    SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4),
    asset_key   TEXT NOT NULL DEFAULT '',
    check_id    TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  DATETIME NOT NULL,
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX drift_events_feed ON drift_events (tenant_id, created_at DESC, id DESC);
CREATE INDEX drift_events_target ON drift_events (tenant_id, target_id, created_at DESC);

CREATE TABLE notification_channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('webhook','slack','email','ticket-sync')),
    settings   TEXT NOT NULL DEFAULT '{}',
    secret     BLOB, -- sealed
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE alert_rules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    min_severity SMALLINT NOT NULL DEFAULT 3,
    selectors    TEXT NOT NULL DEFAULT '{}', -- checks, CSA areas, targets, drift kinds
    channel_id   BIGINT NOT NULL,
    digest       BOOLEAN NOT NULL DEFAULT FALSE,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (tenant_id, name),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES notification_channels (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    source     TEXT NOT NULL, -- drift, exception_expired, attestation_expired, ticket_overdue, score_drop
    source_id  BIGINT,
    severity   SMALLINT NOT NULL CHECK (severity BETWEEN 0 AND 4),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '{}',
    dedup_key  TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE (tenant_id, dedup_key)
);
CREATE INDEX alerts_feed ON alerts (tenant_id, created_at DESC);

-- The outbox is written in the same transaction as the alert, so a crash loses nothing.
CREATE TABLE notification_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       BIGINT NOT NULL,
    channel_id      BIGINT NOT NULL,
    alert_id        BIGINT,
    dedup_key       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','sending','sent','dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    locked_until    DATETIME,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME,
    UNIQUE (channel_id, dedup_key),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES notification_channels (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_outbox_due ON notification_outbox (status, next_attempt_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL, -- first characters, shown so users can tell tokens apart
    hash         TEXT NOT NULL UNIQUE, -- sha256 of the token; the token itself is never stored
    role         TEXT NOT NULL CHECK (role IN ('admin','security-manager','operator','auditor','viewer')),
    created_by   TEXT NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   DATETIME,
    last_used_at DATETIME,
    revoked_at   DATETIME,
    UNIQUE (tenant_id, name)
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY, -- sha256 of the cookie value
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    id_token_hint TEXT NOT NULL DEFAULT '',
    remote_ip     TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL, -- absolute timeout
    revoked_at    DATETIME
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical row).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  BIGINT,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    before     TEXT NOT NULL DEFAULT '',
    after      TEXT NOT NULL DEFAULT '',
    remote_ip  TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    at         DATETIME NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at DESC);

-- Scheduler lock: one replica runs a target's job at a time.
CREATE TABLE job_locks (
    key        TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE job_locks;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE notification_outbox;
DROP TABLE alerts;
DROP TABLE alert_rules;
DROP TABLE notification_channels;
DROP TABLE drift_events;
DROP TABLE ticket_comments;
DROP TABLE ticket_findings;
DROP TABLE tickets;
DROP TABLE attestations;
DROP TABLE exceptions;
DROP TABLE score_snapshots;
DROP TABLE finding_events;
DROP TABLE findings;
DROP TABLE assets;
DROP TABLE collection_runs;
DROP TABLE targets;
DROP TABLE role_mappings;
DROP TABLE role_bindings;
DROP TABLE users;
DROP TABLE tenants;
