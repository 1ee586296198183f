import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { RiskText, ScoreText } from '../../components/ScoreText';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useExplainMany, useNamespaces } from './api';

/**
 * The API lists no per-namespace scores, so this asks scores/explain once per namespace;
 * bounded, so a cluster with thousands of namespaces costs at most this many requests.
 */
export const MAX_NAMESPACES = 40;

export function NamespaceBreakdown({ tenant, target }: { tenant: string; target: number }) {
  const namespaces = useNamespaces(tenant, target);
  const names = (namespaces.data?.items ?? []).map((n) => n.name).slice(0, MAX_NAMESPACES);
  const explained = useExplainMany(tenant, target, 'namespace', names);
  const rows = names
    .map((name, i) => ({ name, q: explained[i] }))
    // Most risk first; not yet scored last.
    .sort((a, b) => (b.q?.data?.risk ?? -1) - (a.q?.data?.risk ?? -1) || a.name.localeCompare(b.name));
  return (
    <QueryState query={namespaces} what="namespaces">
      {(data) =>
        data.items.length === 0 ? (
          <EmptyMessage title="This target has no namespaces" />
        ) : (
          <>
            <Table
              aria-label="Risk and compliance per namespace"
              variant="compact"
              data-testid={testIds.dashboard.namespaces}
              className="pal-table"
            >
              <Thead>
                <Tr>
                  <Th>Namespace</Th>
                  <Th>Risk</Th>
                  <Th>Compliance</Th>
                  <Th modifier="nowrap">Open findings</Th>
                </Tr>
              </Thead>
              <Tbody>
                {rows.map(({ name, q }) => {
                  const snap = q?.data;
                  return (
                    <Tr key={name} data-testid={testIds.dashboard.namespaceRow(name)}>
                      <Td dataLabel="Namespace">{name}</Td>
                      <Td dataLabel="Risk">
                        {q?.isPending ? (
                          '…'
                        ) : q?.isError ? (
                          <span className="pal-muted">error</span>
                        ) : snap ? (
                          <RiskText risk={snap.risk} />
                        ) : (
                          '—'
                        )}
                        {snap && snap.risk_without_exceptions !== snap.risk && (
                          <span className="pal-muted pal-small"> ({snap.risk_without_exceptions.toFixed(1)} without exceptions)</span>
                        )}
                      </Td>
                      <Td dataLabel="Compliance">
                        <ScoreText score={snap?.compliance ?? null} />
                      </Td>
                      <Td dataLabel="Open findings">
                        {snap ? <Link to={findingsHref(tenant, { namespace: name, target })}>{formatCount(snap.open)}</Link> : '—'}
                      </Td>
                    </Tr>
                  );
                })}
              </Tbody>
            </Table>
            <p className="pal-muted pal-small">
              Numbers of the last complete run; an open count opens the namespace&apos;s current open findings. Namespace compliance counts
              checks only: attestations are the organisation&apos;s.
              {data.items.length > names.length || data.next_after
                ? ` Showing the first ${names.length} namespaces${data.next_after ? ' of more than 1,000' : ` of ${data.items.length}`}.`
                : ''}
            </p>
          </>
        )
      }
    </QueryState>
  );
}
