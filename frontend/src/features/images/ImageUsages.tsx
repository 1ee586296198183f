import { Content } from '@patternfly/react-core';
import { InnerScrollContainer, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ImageUsage } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';

const T = testIds.image;

/**
 * The containers of cluster targets that run the image. The workload is an asset key
 * (apps/Deployment/shop/web): the findings search on it, within its target, lists that
 * workload's findings.
 */
export function ImageUsages({ tenant, usages }: { tenant: string; usages: ImageUsage[] }) {
  if (usages.length === 0)
    return (
      <Content component="p" className="pal-muted" data-testid={T.usages}>
        No container of a cluster target was seen running this image.
      </Content>
    );
  return (
    <InnerScrollContainer data-testid={T.usages}>
      <Table aria-label="Where it runs" variant="compact" className="pal-table">
        <Thead>
          <Tr>
            <Th>Target</Th>
            <Th>Namespace</Th>
            <Th>Workload</Th>
            <Th>Container</Th>
            <Th>Image reference</Th>
            <Th>Seen</Th>
          </Tr>
        </Thead>
        <Tbody>
          {usages.map((u, n) => (
            <Tr key={`${u.target_id}-${u.workload}-${u.container}`} data-testid={T.usage(n)}>
              <Td dataLabel="Target">{u.target_name}</Td>
              <Td dataLabel="Namespace">{u.namespace || <span className="pal-muted">—</span>}</Td>
              <Td dataLabel="Workload" className="pal-break">
                <code className="pal-small">{u.workload}</code>
                <div className="pal-small">
                  <Link to={findingsHref(tenant, { q: u.workload, target: u.target_id })} data-testid={T.usageFindings(n)}>
                    findings on this workload
                  </Link>
                </div>
              </Td>
              <Td dataLabel="Container">{u.container}</Td>
              <Td dataLabel="Image reference" className="pal-small pal-break">
                <code>{u.image}</code>
              </Td>
              <Td dataLabel="Seen" modifier="nowrap">
                <RelativeTime at={u.seen_at} />
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </InnerScrollContainer>
  );
}
