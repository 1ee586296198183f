import { useMemo } from 'react';
import type { RemediationMetrics } from '../../api/types';
import { useEChart } from './echarts';

/** Findings opened (and reopened) versus resolved per day, as bars. */
export default function FlowChart({ flow, label }: { flow: RemediationMetrics['flow']; label: string }) {
  const option = useMemo(
    () => ({
      animation: false,
      color: ['#c9190b', '#3e8635'],
      aria: { enabled: true, label: { description: label } },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      xAxis: { type: 'category', data: flow.map((d) => d.day) },
      yAxis: { type: 'value', min: 0, name: 'findings' },
      series: [
        { name: 'Opened or reopened', type: 'bar', data: flow.map((d) => d.opened + d.reopened) },
        { name: 'Resolved', type: 'bar', data: flow.map((d) => d.resolved) },
      ],
    }),
    [flow, label],
  );
  const el = useEChart(option);
  return <div ref={el} className="pal-chart" role="img" aria-label={label} />;
}
