import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ScoreExplanation } from '../../api/types';
import { EmptyMessage } from '../../components/EmptyMessage';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';
import { useChecks } from '../catalog/useChecks';
import { findingsHref } from '../findings/filters';

/** Scores count a missing attestation as a failed result with this check id prefix (backend scoring). */
const ATTESTATION_PREFIX = 'csa-attestation:';

/** Where a contributor leads: its findings, or the CSA view for a missing attestation (which has none). */
function contributorLink(tenant: string, target: number, checkId: string) {
  if (checkId.startsWith(ATTESTATION_PREFIX)) return `/t/${tenant}/csa#csa-${checkId.slice(ATTESTATION_PREFIX.length)}`;
  return findingsHref(tenant, { check: [checkId], target });
}

function contributorTitle(checkId: string, title: string | undefined) {
  if (checkId.startsWith(ATTESTATION_PREFIX)) return `Attestation missing for CSA ${checkId.slice(ATTESTATION_PREFIX.length)}`;
  return title ?? checkId;
}

/** The checks that cost the focus target's overall score the most (the snapshot's contributors). */
export function TopChecks({ tenant, target, explanation }: { tenant: string; target: number; explanation: ScoreExplanation }) {
  const checks = useChecks();
  if (explanation.contributors.length === 0) return <EmptyMessage title="No failing check costs this target any points" />;
  return (
    <Table aria-label="Top failing checks" variant="compact" data-testid={testIds.dashboard.topChecks} className="pal-table">
      <Thead>
        <Tr>
          <Th>Check</Th>
          <Th>Severity</Th>
          <Th modifier="nowrap">Failed</Th>
          <Th modifier="nowrap" info={{ tooltip: 'Points this check costs the overall score, out of 100' }}>
            Lost
          </Th>
        </Tr>
      </Thead>
      <Tbody>
        {explanation.contributors.map((c) => (
          <Tr key={c.check_id} data-testid={testIds.dashboard.topCheckRow(c.check_id)}>
            <Td dataLabel="Check">
              <Link to={contributorLink(tenant, target, c.check_id)}>
                {contributorTitle(c.check_id, checks.data?.get(c.check_id)?.title)}
              </Link>
              <div className="pal-muted pal-small">
                <code>{c.check_id}</code>
              </div>
            </Td>
            <Td dataLabel="Severity">
              <SeverityLabel severity={c.severity} />
            </Td>
            <Td dataLabel="Failed">
              <Link to={contributorLink(tenant, target, c.check_id)}>{formatCount(c.failed)}</Link>
            </Td>
            <Td dataLabel="Lost" modifier="nowrap">
              −{c.points_lost.toFixed(1)}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
