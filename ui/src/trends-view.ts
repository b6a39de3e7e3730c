// What the trends screen draws, worked out from the core's Trends without the DOM so it can
// be tested. A bucket with nothing recorded stays null all the way to the chart and the
// table: a missing day is a gap, never a zero.
import type { Bucket, Instrument, Trends } from './bindings';

export type RangeKey = '30d' | '12w' | '12m' | '10y';

export interface Range {
  key: RangeKey;
  label: string;
  bucket: Bucket;
}

export const RANGES: Range[] = [
  { key: '30d', label: '30 days', bucket: 'day' },
  { key: '12w', label: '12 weeks', bucket: 'week' },
  { key: '12m', label: '12 months', bucket: 'month' },
  { key: '10y', label: '10 years', bucket: 'month' },
];

const DAY_MS = 86_400_000;

/**
 * Days back from `today`, today included, for the core's `trends` call. Weeks and months
 * start on a bucket boundary so the oldest point is a whole week or month, not a sliver.
 */
export function daysFor(key: RangeKey, today: Date): number {
  const y = today.getFullYear();
  const m = today.getMonth();
  const d = today.getDate();
  let months: number;
  switch (key) {
    case '30d':
      return 30;
    case '12w':
      return ((today.getDay() + 6) % 7) + 11 * 7 + 1;
    case '12m':
      months = 11;
      break;
    case '10y':
      months = 119;
      break;
  }
  // Counted in UTC so a daylight-saving change in between does not lose or add a day.
  return Math.round((Date.UTC(y, m, d) - Date.UTC(y, m - months, 1)) / DAY_MS) + 1;
}

/** A bucket's "YYYY-MM-DD" as local midnight (Date would read it as UTC). */
export function localDay(start: string): Date {
  const [y, m, d] = start.split('-').map(Number);
  return new Date(y, m - 1, d);
}

/** x values for uPlot's time scale: seconds since the epoch. */
export function xValues(starts: string[]): number[] {
  return starts.map((s) => localDay(s).getTime() / 1000);
}

export type SeriesKey = 'mood' | 'stress' | 'energy' | 'sleep' | 'screener' | 'requests' | 'claimed';

export interface Line {
  /** Names the colour (`--series-<key>` in style.css), so it follows dark mode. */
  key: SeriesKey;
  label: string;
  /** Dash pattern, so lines differ by more than colour. */
  dash?: number[];
  values: (number | null)[];
}

export interface Plot {
  id: string;
  title: string;
  /** What one number is: shown under the chart's heading and as its table's caption. */
  hint: string;
  lines: Line[];
  min: number;
  max: number;
  step: number;
}

const EVERY: Record<Bucket, string> = { day: 'day', week: 'week', month: 'month' };

const SCREENER_HINT: Partial<Record<Instrument, string>> = {
  who5: 'A higher score means better wellbeing.',
  audit_c: 'A higher score means riskier drinking.',
};

/** Ticks about every 5th of the range, on round numbers. */
export function niceStep(span: number): number {
  return [1, 2, 5, 10, 20, 25, 50, 100].find((s) => span / s <= 6) ?? Math.ceil(span / 5);
}

/** y ticks from `min` to `max`. */
export function ySplits(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) out.push(v);
  return out;
}

export function hasCheckIns(t: Trends): boolean {
  return t.checkins.some((n) => n > 0);
}

export function isEmpty(t: Trends): boolean {
  return !hasCheckIns(t) && t.screeners.length === 0;
}

/** The charts to draw, each with the same numbers its table shows. */
export function plots(t: Trends): Plot[] {
  const every = EVERY[t.bucket];
  const out: Plot[] = [];
  if (hasCheckIns(t)) {
    out.push(
      {
        id: 'mood',
        title: 'Mood, stress and energy',
        hint: `Average each ${every}, from 1 to 5. For stress, 5 means overwhelmed.`,
        lines: [
          { key: 'mood', label: 'Mood', values: t.mood },
          { key: 'stress', label: 'Stress', dash: [8, 5], values: t.stress },
          { key: 'energy', label: 'Energy', dash: [2, 4], values: t.energy },
        ],
        min: 1,
        max: 5,
        step: 1,
      },
      {
        id: 'sleep',
        title: 'Sleep',
        hint: `Average hours slept, each ${every}.`,
        lines: [{ key: 'sleep', label: 'Hours', values: t.sleep_hours }],
        min: 0,
        max: 14,
        step: 2,
      },
    );
  }
  for (const s of t.screeners) {
    out.push({
      id: `screener-${s.instrument}`,
      title: s.title,
      hint:
        `Total score, 0 to ${s.max_total} (the average, if taken more than once in a ${every}). ` +
        (SCREENER_HINT[s.instrument] ?? 'A higher score means more symptoms.'),
      lines: [{ key: 'screener', label: 'Score', values: s.totals }],
      min: 0,
      max: s.max_total,
      step: niceStep(s.max_total),
    });
  }
  return out;
}

/** uPlot's aligned data: x, then one array per line with its nulls left in (uPlot breaks the line there). */
export function chartData(plot: Plot, starts: string[]): [number[], ...(number | null)[][]] {
  return [xValues(starts), ...plot.lines.map((l) => l.values)];
}

/** Points with no neighbour: no line reaches them, so they must be drawn as a dot. */
export function isolated(values: ArrayLike<number | null | undefined>): number[] {
  const has = (i: number) => values[i] !== null && values[i] !== undefined;
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (has(i) && !has(i - 1) && !has(i + 1)) out.push(i);
  }
  return out;
}

export interface Row {
  start: string;
  cells: (number | null)[];
}

/** Table rows, one per bucket with something in it; empty buckets are left out, not zeroed. */
export function tableRows(starts: string[], columns: (number | null)[][]): Row[] {
  const rows: Row[] = [];
  starts.forEach((start, i) => {
    const cells = columns.map((c) => c[i] ?? null);
    if (cells.some((v) => v !== null)) rows.push({ start, cells });
  });
  return rows;
}

export function formatNumber(v: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(v);
}

/** The row header: which day, week or month. The year only when it is not this one, to fit a phone. */
export function periodLabel(start: string, bucket: Bucket, locale?: string, now = new Date()): string {
  const d = localDay(start);
  const year = d.getFullYear() !== now.getFullYear() ? 'numeric' : undefined;
  switch (bucket) {
    case 'day':
      return d.toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short', year });
    case 'week':
      return d.toLocaleDateString(locale, { day: 'numeric', month: 'short', year });
    case 'month':
      return d.toLocaleDateString(locale, { month: 'short', year: 'numeric' });
  }
}

/** An x-axis label, as coarse as the tick spacing (`incr`, seconds) allows. */
export function tickLabel(seconds: number, incr: number, locale?: string): string {
  const d = new Date(seconds * 1000);
  if (incr >= 365 * 86_400) return d.toLocaleDateString(locale, { year: 'numeric' });
  if (incr >= 28 * 86_400) return d.toLocaleDateString(locale, { month: 'short', year: 'numeric' });
  return d.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}
