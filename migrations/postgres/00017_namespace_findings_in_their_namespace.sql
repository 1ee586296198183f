-- A finding on a Namespace object (no default-deny policy, no quota...) belongs to that
-- namespace, as it does in scores (issue 14): filtering findings by namespace must open exactly
-- what the namespace's numbers count. New runs store it so; this fixes the findings before.
-- +goose Up
UPDATE findings SET namespace = (SELECT a.name FROM assets a WHERE a.tenant_id = findings.tenant_id AND a.id = findings.asset_id)
WHERE namespace = '' AND asset_id IN (SELECT id FROM assets WHERE kind = 'namespace');

-- +goose Down
UPDATE findings SET namespace = '' WHERE asset_id IN (SELECT id FROM assets WHERE kind = 'namespace');
