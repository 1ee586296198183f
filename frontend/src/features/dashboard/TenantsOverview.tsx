import { Card, CardBody, CardTitle } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useApi } from '../../api/ApiProvider';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { QueryState } from '../../components/QueryState';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';

/** For people in several tenants: each of theirs with its numbers, most risk first. */
export function TenantsOverview() {
  const session = useSession();
  const api = useApi();
  const several = session.tenants.length > 1;
  const overview = useQuery({
    queryKey: ['overview'],
    enabled: several,
    queryFn: () => unwrap(api.GET('/api/v1/overview')),
  });
  if (!several) return null;
  return (
    <Card isCompact data-testid={testIds.dashboard.tenants}>
      <CardTitle component="h2">Your tenants</CardTitle>
      <CardBody>
        <QueryState query={overview} what="your tenants">
          {(data) => (
            <div className="pal-table-scroll">
              <Table aria-label="Your tenants by risk" variant="compact" className="pal-table">
                <Thead>
                  <Tr>
                    <Th>Tenant</Th>
                    <Th>Your role</Th>
                    <Th modifier="nowrap">Risk</Th>
                    <Th modifier="nowrap">Compliance</Th>
                    <Th modifier="nowrap">Open findings</Th>
                    <Th modifier="nowrap">Targets</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {data.items.map((t) => (
                    <Tr key={t.slug} data-testid={testIds.dashboard.tenantRow(t.slug)}>
                      <Td dataLabel="Tenant">
                        <Link to={`/t/${t.slug}`}>{t.name}</Link>
                      </Td>
                      <Td dataLabel="Your role">{t.role}</Td>
                      <Td dataLabel="Risk">
                        <RiskText risk={t.risk} />
                      </Td>
                      <Td dataLabel="Compliance">
                        <ScoreText score={t.compliance} />
                      </Td>
                      <Td dataLabel="Open findings">
                        {formatCount(t.open)} <OpenBySeverity counts={t.open_by_severity} />
                      </Td>
                      <Td dataLabel="Targets">
                        {t.targets}
                        {t.stale_targets > 0 && <span className="pal-muted"> ({t.stale_targets} stale)</span>}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </div>
          )}
        </QueryState>
      </CardBody>
    </Card>
  );
}
