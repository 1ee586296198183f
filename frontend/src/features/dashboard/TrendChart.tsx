import { useMemo } from 'react';
import type { ScorePoint } from '../../api/types';
import { useEChart } from './echarts';

export interface TrendSeries {
  name: string;
  points: ScorePoint[];
}

/** What a trend plots: one of the two numbers, or the open findings of one severity. */
export type TrendMetric = 'risk' | 'compliance' | 'critical' | 'high' | 'medium' | 'low';

/** The value a point has for a metric. */
export function pointValue(p: ScorePoint, metric: TrendMetric): number | null {
  if (metric === 'risk' || metric === 'compliance') return p[metric];
  return p.open_by_severity[metric];
}

// PatternFly chart palette (blue, green, purple, orange, cyan), readable on white.
const COLORS = ['#0066cc', '#3e8635', '#5e40be', '#ec7a08', '#009596'];

/** One number per target over time, as lines. */
export default function TrendChart({ series, label, metric }: { series: TrendSeries[]; label: string; metric: TrendMetric }) {
  const option = useMemo(
    () => ({
      animation: false,
      color: COLORS,
      aria: { enabled: true, label: { description: label } },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v: unknown) => (v == null ? 'n/a' : String(v)) },
      xAxis: { type: 'time' },
      // Risk has no ceiling (it is not divided by anything); compliance is a percentage.
      yAxis:
        metric === 'compliance'
          ? { type: 'value', min: 0, max: 100, name: 'compliance %' }
          : { type: 'value', min: 0, name: metric === 'risk' ? 'risk' : `open ${metric}` },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        showSymbol: s.points.length < 60,
        connectNulls: false, // a run without a score is a gap, not a made-up value
        data: s.points.map((p) => [p.at, pointValue(p, metric)]),
      })),
    }),
    [series, label, metric],
  );
  const el = useEChart(option);
  return <div ref={el} className="pal-chart" role="img" aria-label={label} />;
}
