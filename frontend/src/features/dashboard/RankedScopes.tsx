import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { EmptyMessage } from '../../components/EmptyMessage';
import { QueryState } from '../../components/QueryState';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';
import { findingsHref } from '../findings/filters';
import { useScoreScopes, type RankedKind } from './api';

const T = testIds.dashboard;
const NOUN: Record<RankedKind, string> = { namespace: 'Namespace', owner: 'Owner', target: 'Target' };

/**
 * Namespaces, owners or targets ranked by risk (then lowest compliance), as the API ranks them:
 * listed, never typed in. Each open count opens exactly that scope's open findings.
 */
export function RankedScopes({ tenant, kind, target, limit = 10 }: { tenant: string; kind: RankedKind; target?: number; limit?: number }) {
  const ranked = useScoreScopes(tenant, kind, target, limit);
  return (
    <QueryState query={ranked} what={`${kind}s`}>
      {(data) =>
        data.items.length === 0 ? (
          <EmptyMessage title={`No ${kind} has numbers yet`}>
            {kind === 'owner' ? 'Owners come from the configured owner label of each workload.' : 'A complete run adds them.'}
          </EmptyMessage>
        ) : (
          <>
            <div className="pal-table-scroll">
              <Table aria-label={`${NOUN[kind]}s by risk`} variant="compact" className="pal-table" data-testid={T.ranked(kind)}>
                <Thead>
                  <Tr>
                    <Th>{NOUN[kind]}</Th>
                    {kind === 'namespace' && target === undefined && <Th>Target</Th>}
                    <Th modifier="nowrap">Risk</Th>
                    <Th modifier="nowrap">Compliance</Th>
                    <Th modifier="nowrap">Open findings</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {data.items.map((s) => {
                    const scopeTarget = s.target_id ?? undefined;
                    const href =
                      kind === 'namespace'
                        ? findingsHref(tenant, { namespace: s.key, target: scopeTarget })
                        : kind === 'owner'
                          ? findingsHref(tenant, { owner: s.key, target: scopeTarget })
                          : findingsHref(tenant, { target: scopeTarget });
                    return (
                      <Tr
                        key={`${s.target_id ?? ''}/${s.key}`}
                        data-testid={T.rankedRow(`${kind}-${s.target_id ?? 'all'}-${s.key || '(none)'}`)}
                      >
                        <Td dataLabel={NOUN[kind]}>{s.key || <span className="pal-muted">(no owner label)</span>}</Td>
                        {kind === 'namespace' && target === undefined && <Td dataLabel="Target">{s.target_name}</Td>}
                        <Td dataLabel="Risk">
                          <RiskText risk={s.risk} />
                        </Td>
                        <Td dataLabel="Compliance">
                          <ScoreText score={s.compliance} />
                        </Td>
                        <Td dataLabel="Open findings">
                          {/* Assets without an owner label cannot be selected by owner in the findings list. */}
                          {kind === 'owner' && !s.key ? formatCount(s.open) : <Link to={href}>{formatCount(s.open)}</Link>}{' '}
                          <span className="pal-small">
                            <OpenBySeverity counts={s.open_by_severity} />
                          </span>
                        </Td>
                      </Tr>
                    );
                  })}
                </Tbody>
              </Table>
            </div>
            <p className="pal-muted pal-small">
              Most risk first{data.total > data.items.length ? `; the ${data.items.length} worst of ${formatCount(data.total)}` : ''}.
              Numbers of each target&apos;s latest complete run.
              {kind === 'namespace' ? ' Namespace compliance counts checks only: attestations are the organisation’s.' : ''}
            </p>
          </>
        )
      }
    </QueryState>
  );
}
