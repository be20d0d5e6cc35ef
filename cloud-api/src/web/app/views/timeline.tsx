import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { intlLocale } from '../i18n.js';

const COLOURS = ['#7a2e1d', '#1f6f8b', '#4a7c2a', '#8a5a00', '#6b3fa0', '#a0304f', '#2f4858'];

/** Activity per room over time (hourly buckets from the rollup), one line per room. */
export function Timeline(props: {
  times: number[];
  rooms: { name: string; values: number[] }[];
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        series: [
          { value: (_u, v) => (v == null ? '' : new Date(v * 1000).toLocaleString(intlLocale)) },
          ...props.rooms.map((r, i) => ({
            label: r.name,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            paths: uPlot.paths.stepped?.({ align: 1 }),
          })),
        ],
        axes: [{}, { size: 40 }],
        legend: { show: true },
      },
      [props.times, ...props.rooms.map((r) => r.values)],
      el,
    );
    const onResize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [props.times, props.rooms]);
  return (
    <figure class="timeline">
      <figcaption>{props.label}</figcaption>
      <div ref={box} />
    </figure>
  );
}
