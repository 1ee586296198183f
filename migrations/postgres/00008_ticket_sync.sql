-- Outbound ticket sync: every change of a ticket counts in tickets.version (1 when created),
-- and the ticket-sync deliveries of one ticket to one channel are sent in version order.
-- The outbox gains an ordering key (the ticket key; '' for alerts, which have no order) and
-- a sequence (the version); a delivery is claimed only when no delivery before it in its
-- order is still pending or sending. The partial index serves that lookup and costs alerts
-- nothing.
-- +goose Up
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notification_outbox ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_outbox ADD COLUMN order_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX notification_outbox_order ON notification_outbox (channel_id, order_key, order_seq) WHERE order_key <> '';

-- +goose Down
DROP INDEX notification_outbox_order;
ALTER TABLE notification_outbox DROP COLUMN order_seq;
ALTER TABLE notification_outbox DROP COLUMN order_key;
ALTER TABLE tickets DROP COLUMN version;
