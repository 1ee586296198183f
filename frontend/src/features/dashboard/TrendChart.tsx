import { useEffect, useRef } from 'react';
import type { ScorePoint } from '../../api/types';
import { echarts } from './echarts';

export interface TrendSeries {
  name: string;
  points: ScorePoint[];
}

// PatternFly chart palette (blue, green, purple, orange, cyan), readable on white.
const COLORS = ['#0066cc', '#3e8635', '#5e40be', '#ec7a08', '#009596'];

/**
 * Overall score per target over time. Canvas only, and the tooltip is drawn on the canvas
 * (renderMode richText): no HTML built from data, and no inline style attributes that the
 * Content-Security-Policy would refuse.
 */
export default function TrendChart({ series, label }: { series: TrendSeries[]; label: string }) {
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
      yAxis: { type: 'value', min: 0, max: 100, name: 'score' },
      series: series.map((s) => ({
        name: s.name,
        type: 'line',
        showSymbol: s.points.length < 60,
        connectNulls: false, // a run without a score is a gap, not a made-up value
        data: s.points.map((p) => [p.at, p.score]),
      })),
    });
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [series, label]);
  return <div ref={el} className="pal-chart" role="img" aria-label={label} />;
}
