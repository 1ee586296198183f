-- Interrupted runs end instead of staying "running" forever: a run names the process that
-- collects it (owner: host, pid and a random part) and that process stamps heartbeat_at
-- while it works. A run whose heartbeat stopped, or whose process is known dead, is ended
-- as failed ("interrupted") on start-up and by every replica's reconciler.
--
-- Ticket keys count per tenant (PAL-1, PAL-2, ... in each tenant): one sequence across
-- tenants let a tenant read others' ticket volume from its keys. Existing keys (PAL-<row id>)
-- stay; each tenant's counter starts above its highest row id, so no new key repeats an old.
-- +goose Up
ALTER TABLE collection_runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_runs ADD COLUMN heartbeat_at TIMESTAMPTZ;
ALTER TABLE tenants ADD COLUMN ticket_seq BIGINT NOT NULL DEFAULT 0;
UPDATE tenants SET ticket_seq = COALESCE((SELECT MAX(t.id) FROM tickets t WHERE t.tenant_id = tenants.id), 0);

-- +goose Down
ALTER TABLE tenants DROP COLUMN ticket_seq;
ALTER TABLE collection_runs DROP COLUMN heartbeat_at;
ALTER TABLE collection_runs DROP COLUMN owner;
