import { Content } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { AffectedUsage } from '../../api/types';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';

const T = testIds.vulnerability;

/** The asset tree's search for a workload key within its target. */
function assetHref(tenant: string, u: AffectedUsage): string {
  return `/t/${tenant}/assets?${new URLSearchParams({ target: String(u.target_id), q: u.workload }).toString()}`;
}

/** The containers that run one affected image, with links to the workload's findings and asset. */
export function AffectedUsages({ tenant, digest, usages }: { tenant: string; digest: string; usages: AffectedUsage[] }) {
  if (usages.length === 0)
    return (
      <Content component="p" className="pal-small pal-muted">
        No container of a cluster target was seen running this image.
      </Content>
    );
  return (
    <Table aria-label="Where it runs" variant="compact" className="pal-table">
      <Thead>
        <Tr>
          <Th>Target</Th>
          <Th>Namespace</Th>
          <Th width={40}>Workload</Th>
          <Th>Container</Th>
          <Th>Image reference</Th>
        </Tr>
      </Thead>
      <Tbody>
        {usages.map((u, n) => (
          <Tr key={`${u.target_id}-${u.workload}-${u.container}`} data-testid={T.usage(`${digest}-${n}`)}>
            <Td dataLabel="Target">{u.target_name || `target #${u.target_id}`}</Td>
            <Td dataLabel="Namespace">{u.namespace || <span className="pal-muted">—</span>}</Td>
            <Td dataLabel="Workload" className="pal-break">
              <code className="pal-small">{u.workload}</code>
              <div className="pal-small">
                <Link to={findingsHref(tenant, { q: u.workload, target: u.target_id })} data-testid={T.usageFindings(`${digest}-${n}`)}>
                  findings
                </Link>
                {' · '}
                <Link to={assetHref(tenant, u)} data-testid={T.usageAsset(`${digest}-${n}`)}>
                  asset
                </Link>
              </div>
            </Td>
            <Td dataLabel="Container">{u.container}</Td>
            <Td dataLabel="Image reference" className="pal-small pal-break">
              <code>{u.image}</code>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
