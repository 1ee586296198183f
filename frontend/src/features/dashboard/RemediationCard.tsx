import { lazy, Suspense, useState } from 'react';
import { Card, CardBody, CardHeader, CardTitle, FormSelect, FormSelectOption } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { LoadingState } from '../../components/LoadingState';
import { QueryState } from '../../components/QueryState';
import { RelativeTime } from '../../components/RelativeTime';
import { ScoreText } from '../../components/ScoreText';
import { SeverityLabel } from '../../components/SeverityLabel';
import { formatCount } from '../../lib/format';
import { testIds } from '../../testids';
import { useRemediation } from './api';

// The flow chart shares ECharts with the trend and loads only when shown.
const FlowChart = lazy(() => import('./FlowChart'));

const PERIODS = [30, 90, 365] as const;

/** "3.2 d" or "14 h": a mean time to remediate, in the unit that reads best. */
function formatHours(h: number | null): string {
  if (h === null) return '—';
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : `${h.toFixed(1)} h`;
}

/**
 * How fast the tenant fixes what it finds: per severity, open findings by age and against
 * the SLA tickets use, the mean time to remediate and SLA compliance; per day, opened versus
 * resolved.
 */
export function RemediationCard({ tenant }: { tenant: string }) {
  const [days, setDays] = useState<number>(90);
  const metrics = useRemediation(tenant, days);
  return (
    <Card isCompact data-testid={testIds.dashboard.remediation}>
      <CardHeader
        actions={{
          hasNoOffset: true,
          actions: (
            <FormSelect aria-label="Remediation period" value={days} onChange={(_e, v) => setDays(Number(v))} className="pal-select">
              {PERIODS.map((d) => (
                <FormSelectOption key={d} value={d} label={`Last ${d} days`} />
              ))}
            </FormSelect>
          ),
        }}
      >
        <CardTitle component="h2">Remediation: age, SLA and time to fix</CardTitle>
      </CardHeader>
      <CardBody>
        <QueryState query={metrics} what="remediation metrics">
          {(m) => (
            <>
              <div className="pal-table-scroll">
                <Table aria-label="Remediation per severity" variant="compact" className="pal-table">
                  <Thead>
                    <Tr>
                      <Th>Severity</Th>
                      <Th modifier="nowrap">Open</Th>
                      <Th modifier="nowrap" info={{ tooltip: 'Open findings by days since first seen: under 7, 7–30, 30–90, over 90' }}>
                        Age
                      </Th>
                      <Th modifier="nowrap">Oldest</Th>
                      <Th modifier="nowrap">Resolved</Th>
                      <Th
                        modifier="nowrap"
                        info={{ tooltip: 'Mean time from first seen to resolved, over the findings resolved in the period' }}
                      >
                        MTTR
                      </Th>
                      <Th modifier="nowrap">SLA</Th>
                      <Th modifier="nowrap" info={{ tooltip: 'Open and resolved findings within the SLA, of all of them' }}>
                        Within SLA
                      </Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {m.severities
                      .filter((s) => s.open + s.resolved > 0 || s.severity !== 'info')
                      .map((s) => (
                        <Tr key={s.severity} data-testid={testIds.dashboard.remediationRow(s.severity)}>
                          <Td dataLabel="Severity">
                            <SeverityLabel severity={s.severity} />
                          </Td>
                          {/* Not a link: the findings list filters "this severity or worse", which is another number. */}
                          <Td dataLabel="Open">{formatCount(s.open)}</Td>
                          <Td dataLabel="Age" className="pal-small" modifier="nowrap">
                            {s.open_ages.under_7_days} · {s.open_ages.days_7_to_30} · {s.open_ages.days_30_to_90} ·{' '}
                            {s.open_ages.over_90_days}
                          </Td>
                          <Td dataLabel="Oldest" modifier="nowrap">
                            {s.oldest_open ? <RelativeTime at={s.oldest_open} /> : '—'}
                          </Td>
                          <Td dataLabel="Resolved">{formatCount(s.resolved)}</Td>
                          <Td dataLabel="MTTR" modifier="nowrap">
                            {formatHours(s.mttr_hours)}
                          </Td>
                          <Td dataLabel="SLA" modifier="nowrap">
                            {s.sla_days === null ? '—' : `${s.sla_days} d`}
                            {s.open_breaching > 0 && (
                              <div className="pal-small pal-score--poor">{formatCount(s.open_breaching)} open past it</div>
                            )}
                          </Td>
                          <Td dataLabel="Within SLA">
                            <ScoreText score={s.sla_compliance} />
                          </Td>
                        </Tr>
                      ))}
                  </Tbody>
                </Table>
              </div>
              {m.flow.length > 0 && (
                <Suspense fallback={<LoadingState label="Loading chart" />}>
                  <FlowChart flow={m.flow} label={`Findings opened and resolved per day over the last ${days} days`} />
                </Suspense>
              )}
              <p className="pal-muted pal-small">
                As of <RelativeTime at={m.generated_at} /> (recomputed at most once a minute). A reopened finding counts its time to fix
                from when it was first seen. SLAs are the ticket SLAs (tickets.sla_days).
              </p>
            </>
          )}
        </QueryState>
      </CardBody>
    </Card>
  );
}
