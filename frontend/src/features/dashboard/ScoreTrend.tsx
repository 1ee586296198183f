import { lazy, Suspense, useMemo, useState } from 'react';
import { Card, CardBody, CardHeader, CardTitle, ExpandableSection, FormSelect, FormSelectOption } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { Target } from '../../api/types';
import { EmptyMessage } from '../../components/EmptyMessage';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { OpenBySeverity, RiskText, ScoreText } from '../../components/ScoreText';
import { formatDateTime } from '../../lib/format';
import { testIds } from '../../testids';
import { useScoreHistories } from './api';
import type { TrendMetric, TrendSeries } from './TrendChart';

// ECharts (~150 KB gzipped) loads only when a trend is shown.
const TrendChart = lazy(() => import('./TrendChart'));

const RANGES = [7, 30, 90, 365] as const;

const METRICS: { value: TrendMetric; label: string }[] = [
  { value: 'risk', label: 'Risk' },
  { value: 'compliance', label: 'Compliance' },
  { value: 'critical', label: 'Open critical findings' },
  { value: 'high', label: 'Open high findings' },
  { value: 'medium', label: 'Open medium findings' },
  { value: 'low', label: 'Open low findings' },
];

export function ScoreTrend({ tenant, targets, areas }: { tenant: string; targets: Target[]; areas: { id: string; title: string }[] }) {
  const [days, setDays] = useState<number>(30);
  const [metric, setMetric] = useState<TrendMetric>('risk');
  const [area, setArea] = useState('');
  const histories = useScoreHistories(
    tenant,
    targets.map((t) => t.id),
    days,
    area,
  );
  const metricLabel = METRICS.find((m) => m.value === metric)?.label ?? metric;
  const pending = histories.some((h) => h.isPending);
  const failed = histories.find((h) => h.isError);
  const dataKey = histories.map((h) => h.dataUpdatedAt).join(',');
  const series: TrendSeries[] = useMemo(
    () =>
      histories.flatMap((h) =>
        h.data ? [{ name: targets.find((t) => t.id === h.data.target)?.name ?? `#${h.data.target}`, points: h.data.points }] : [],
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recompute when any history changes
    [dataKey, targets],
  );
  const points = series.reduce((n, s) => n + s.points.length, 0);

  return (
    <Card isCompact data-testid={testIds.dashboard.trendChart}>
      <CardHeader
        actions={{
          actions: (
            <>
              <FormSelect
                aria-label="Number to plot"
                value={metric}
                onChange={(_e, v) => setMetric(METRICS.find((m) => m.value === v)?.value ?? 'risk')}
                className="pal-select"
                data-testid={testIds.dashboard.trendMetric}
              >
                {METRICS.map((m) => (
                  <FormSelectOption key={m.value} value={m.value} label={m.label} />
                ))}
              </FormSelect>
              <FormSelect aria-label="Scope" value={area} onChange={(_e, v) => setArea(v)} className="pal-select">
                <FormSelectOption value="" label="All CSA areas" />
                {areas.map((a) => (
                  <FormSelectOption key={a.id} value={a.id} label={`${a.id} ${a.title}`} />
                ))}
              </FormSelect>
              <FormSelect aria-label="Trend period" value={days} onChange={(_e, v) => setDays(Number(v))} className="pal-select">
                {RANGES.map((d) => (
                  <FormSelectOption key={d} value={d} label={`Last ${d} days`} />
                ))}
              </FormSelect>
            </>
          ),
          hasNoOffset: true,
        }}
      >
        <CardTitle component="h2">
          {metricLabel} over time, per target{area ? ` (CSA ${area})` : ''}
        </CardTitle>
      </CardHeader>
      <CardBody>
        {pending ? (
          <LoadingState label="Loading score history" />
        ) : failed ? (
          <ErrorState error={failed.error} what="score history" onRetry={() => void failed.refetch()} />
        ) : points === 0 ? (
          <div data-testid={testIds.dashboard.trendEmpty}>
            <EmptyMessage title="No scored runs in this period">
              A point is added after each complete run (runs scored by an earlier score model are not plotted).
            </EmptyMessage>
          </div>
        ) : (
          <>
            <Suspense fallback={<LoadingState label="Loading chart" />}>
              <TrendChart series={series} metric={metric} label={`${metricLabel} per target over the last ${days} days`} />
            </Suspense>
            <ExpandableSection toggleText="Show the data as a table">
              <Table aria-label="Score history" variant="compact">
                <Thead>
                  <Tr>
                    <Th>Target</Th>
                    <Th>When</Th>
                    <Th>Risk</Th>
                    <Th>Compliance</Th>
                    <Th>Open findings</Th>
                    <Th>Evaluated</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {series.flatMap((s) =>
                    s.points
                      .slice(-50)
                      .reverse()
                      .map((p) => (
                        <Tr key={`${s.name}-${p.run_id}`}>
                          <Td>{s.name}</Td>
                          <Td>{formatDateTime(p.at)}</Td>
                          <Td>
                            <RiskText risk={p.risk} />
                          </Td>
                          <Td>
                            <ScoreText score={p.compliance} />
                          </Td>
                          <Td>
                            {p.open} <OpenBySeverity counts={p.open_by_severity} />
                          </Td>
                          <Td>{p.evaluated}</Td>
                        </Tr>
                      )),
                  )}
                </Tbody>
              </Table>
            </ExpandableSection>
          </>
        )}
      </CardBody>
    </Card>
  );
}
