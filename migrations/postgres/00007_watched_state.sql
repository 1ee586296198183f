-- Config drift (docs/alerts.md, "Drift"): the watched configuration of each target's latest
-- complete run (security contexts, image digests behind tags, RBAC bindings, classification
-- labels, NetworkPolicies, backup Schedules), which the next complete run compares with its
-- own and then replaces, in the run's transaction.
--
-- One row per target holding the whole state as gzip-compressed JSON (posture.WatchedState)
-- rather than one row per object: a run reads and writes one value of about a megabyte for
-- 20,000 workloads instead of upserting 25,000 rows. run_id says which complete run took it;
-- version is the layout (a state of another version is a new baseline, not drift).
-- +goose Up
CREATE TABLE watched_states (
    tenant_id  BIGINT NOT NULL,
    target_id  BIGINT NOT NULL,
    run_id     BIGINT NOT NULL,
    version    INTEGER NOT NULL,
    objects    INTEGER NOT NULL,
    state      BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, target_id),
    FOREIGN KEY (tenant_id, target_id) REFERENCES targets (tenant_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE watched_states;
