import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import type { ScoreExplanation } from '../../api/types';
import { EmptyMessage } from '../../components/EmptyMessage';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatCount, formatRisk } from '../../lib/format';
import { testIds } from '../../testids';
import { useChecks } from '../catalog/useChecks';
import { findingsHref } from '../findings/filters';

/**
 * The checks whose open findings add the most to the focus target's risk (the snapshot's
 * contributors). Attestation gaps are not findings and are listed on the CSA page instead.
 */
export function TopChecks({ tenant, target, explanation }: { tenant: string; target: number; explanation: ScoreExplanation }) {
  const checks = useChecks();
  if (explanation.contributors.length === 0) return <EmptyMessage title="No open finding adds risk on this target" />;
  return (
    <Table aria-label="Top failing checks" variant="compact" data-testid={testIds.dashboard.topChecks} className="pal-table">
      <Thead>
        <Tr>
          <Th>Check</Th>
          <Th>Severity</Th>
          <Th modifier="nowrap">Open findings</Th>
          <Th modifier="nowrap" info={{ tooltip: "Risk points this check's open findings add: severity weight × exposure" }}>
            Risk
          </Th>
        </Tr>
      </Thead>
      <Tbody>
        {explanation.contributors.map((c) => (
          <Tr key={c.check_id} data-testid={testIds.dashboard.topCheckRow(c.check_id)}>
            <Td dataLabel="Check">
              <Link to={findingsHref(tenant, { check: [c.check_id], target })}>{checks.data?.get(c.check_id)?.title ?? c.check_id}</Link>
              <div className="pal-muted pal-small">
                <code>{c.check_id}</code>
              </div>
            </Td>
            <Td dataLabel="Severity">
              <SeverityLabel severity={c.severity} />
            </Td>
            <Td dataLabel="Open findings">
              <Link to={findingsHref(tenant, { check: [c.check_id], target })}>{formatCount(c.failed)}</Link>
            </Td>
            <Td dataLabel="Risk" modifier="nowrap">
              +{formatRisk(c.risk)}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
