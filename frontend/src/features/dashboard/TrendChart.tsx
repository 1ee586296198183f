import { useEffect, useRef } from 'react';
import type { ScorePoint } from '../../api/types';
import { echarts } from './echarts';

export interface TrendSeries {
  name: string;
  points: ScorePoint[];
}

/** Which of the two numbers a trend plots. */
export type TrendMetric = 'risk' | 'compliance';

// PatternFly chart palette (blue, green, purple, orange, cyan), readable on white.
const COLORS = ['#0066cc', '#3e8635', '#5e40be', '#ec7a08', '#009596'];

/**
 * Risk or compliance per target over time. Canvas only, and the tooltip is drawn on the canvas
 * (renderMode richText): no HTML built from data, and no inline style attributes that the
 * Content-Security-Policy would refuse.
 */
export default function TrendChart({ series, label, metric }: { series: TrendSeries[]; label: string; metric: TrendMetric }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      color: COLORS,
      aria: { enabled: true, label: { description: label } },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v: unknown) => (v == null ? 'n/a' : String(v)) },
      xAxis: { type: 'time' },
      // Risk has no ceiling (it is not divided by anything); compliance is a percentage.
      yAxis: metric === 'risk' ? { type: 'value', min: 0, name: 'risk' } : { type: 'value', min: 0, max: 100, name: 'compliance %' },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        showSymbol: s.points.length < 60,
        connectNulls: false, // a run without a score is a gap, not a made-up value
        data: s.points.map((p) => [p.at, p[metric]]),
      })),
    });
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [series, label, metric]);
  return <div ref={el} className="pal-chart" role="img" aria-label={label} />;
}
