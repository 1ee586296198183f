// Only the ECharts parts the charts use; imported from TrendChart and FlowChart, which are
// loaded lazily so none of this is in the initial bundle.
import { useEffect, useRef } from 'react';
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, CanvasRenderer]);

/**
 * A canvas chart of option in the returned element, resized with it and disposed with it.
 * Canvas only, with tooltips drawn on the canvas (renderMode richText): no HTML built from
 * data, and no inline style attributes that the Content-Security-Policy would refuse.
 * Memoize option: a new object redraws the chart.
 */
export function useEChart(option: echarts.EChartsCoreOption) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const chart = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.setOption(option);
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [option]);
  return el;
}
