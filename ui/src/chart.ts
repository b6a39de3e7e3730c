// uPlot behind one call: a line chart that fills its box, leaves gaps as gaps and takes its
// colours from the stylesheet so it reads in light and dark mode. Charts are decoration
// (aria-hidden); the table beside each one carries the same numbers for everyone.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom';
import { chartData, formatNumber, isolated, tickLabel, ySplits, type Plot } from './trends-view';

const HEIGHT = 200;
const DARK = '(prefers-color-scheme: dark)';

export interface Chart {
  el: HTMLElement;
  /** Disconnects the observers; call when the screen goes away. */
  stop: () => void;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function options(plot: Plot, xs: number[], width: number): uPlot.Options {
  const text = cssVar('--muted');
  const grid = cssVar('--line');
  // Canvas text does not inherit CSS, so the page's font is named explicitly.
  const font = `13px ${getComputedStyle(document.documentElement).fontFamily}`;
  // Half a bucket either side, so the first and last dots are not cut in half.
  const xPad = xs.length > 1 ? (xs[1] - xs[0]) / 2 : 43_200;
  const yPad = (plot.max - plot.min) * 0.05;
  const axis = { stroke: text, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    // No hover read-out or drag-to-zoom: the table is where exact values live.
    cursor: { show: false, drag: { x: false, y: false, setScale: false } },
    scales: {
      x: { time: true, range: (_u, min, max) => [min - xPad, max + xPad] },
      y: { range: [plot.min - yPad, plot.max + yPad] },
    },
    axes: [
      { ...axis, space: 72, values: (_u, splits, _a, _s, incr) => splits.map((s) => tickLabel(s, incr)) },
      {
        ...axis,
        size: 40,
        splits: () => ySplits(plot.min, plot.max, plot.step),
        values: (_u, splits) => splits.map((v) => formatNumber(v)),
      },
    ],
    series: [
      {},
      ...plot.lines.map((l): uPlot.Series => {
        const colour = cssVar(`--series-${l.key}`);
        return {
          label: l.label,
          stroke: colour,
          width: 2,
          dash: l.dash,
          spanGaps: false,
          points: {
            size: 6,
            space: 8,
            fill: colour,
            stroke: colour,
            // When uPlot thins out dots on a dense chart, a lone value would vanish: keep those.
            filter: (u, si, show) => {
              if (show) return null;
              const lone = isolated(u.data[si]);
              return lone.length > 0 ? lone : null;
            },
          },
        };
      }),
    ],
  };
}

/** A chart of `plot` over the buckets starting on `starts`. */
export function lineChart(plot: Plot, starts: string[]): Chart {
  const el = h('div', { class: 'chart' });
  const data: uPlot.AlignedData = chartData(plot, starts);
  const xs = data[0] as number[];
  let u: uPlot | undefined;

  const build = (width: number) => {
    u?.destroy();
    u = new uPlot(options(plot, xs, width), data, el);
  };
  const resize = new ResizeObserver(() => {
    const width = el.clientWidth;
    // Zero while hidden (table view or not yet attached): draw once it has a size.
    if (width === 0) return;
    if (!u) build(width);
    else if (u.width !== width) u.setSize({ width, height: HEIGHT });
  });
  resize.observe(el);
  // Colours are baked into the canvas, so a scheme change means drawing again.
  const scheme = matchMedia(DARK);
  const recolour = () => {
    if (u) build(u.width);
  };
  scheme.addEventListener('change', recolour);

  return {
    el,
    stop: () => {
      resize.disconnect();
      scheme.removeEventListener('change', recolour);
      u?.destroy();
      u = undefined;
    },
  };
}
