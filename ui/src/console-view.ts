// What the coordinator's console works out without the DOM, so it can be tested: lists as
// typed in one box, problems by item and field, the week's hours as a grid in the
// coordinator's local order, and the figures as a chart's series.
import type { FiguresView, PeriodView, Problem } from './bindings';
import type { Plot } from './trends-view';

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** What a field is called on screen, for a problem shown outside its field. */
export const FIELD_LABELS: Record<string, string> = {
  key_id: 'Key id',
  age_recipient: 'Encryption key (from the peer\u2019s app)',
  signing_key: 'Signing key (from the peer\u2019s app)',
  display_name: 'Name',
  entry: 'This entry',
  sms_body: 'Text message words',
  peers: 'Peers',
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field.replace(/_/g, ' ');
}

/** A comma-separated box as a list: trimmed, blanks dropped. */
export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** One entry per line: trimmed, blanks dropped. */
export function splitLines(text: string): string[] {
  return text.split('\n').map((s) => s.trim()).filter((s) => s !== '');
}

/** Text or null when blank. */
export function orNull(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/** The problems of item `index` (or of the whole list when `index` is null), by field. */
export function problemsFor(problems: Problem[], index: number | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of problems) {
    if ((p.index ?? null) !== index) continue;
    const held = out.get(p.field);
    out.set(p.field, held ? `${held} ${p.message}` : p.message);
  }
  return out;
}

/** 168 numbers (Monday 00:00 first) as 7 rows of 24. */
export function weekGrid<T>(hours: T[]): T[][] {
  return DAYS.map((_, d) => hours.slice(d * 24, d * 24 + 24));
}

/** A heat level 0–3 for `n` peers: 0 is nobody (the hours to fix). */
export function heat(n: number): 0 | 1 | 2 | 3 {
  if (n <= 0) return 0;
  if (n < 1.5) return 1;
  if (n < 2.5) return 2;
  return 3;
}

/** The minutes east of UTC this device keeps now (JavaScript counts them west). */
export function utcOffsetMinutes(now: Date = new Date()): number {
  return -now.getTimezoneOffset();
}

/** "6 requests", or "fewer than 5" for a period the relay keeps back. */
export function requestsText(p: PeriodView): string {
  if (p.summary) return `${p.summary.requests} requests`;
  return 'fewer than 5 requests';
}

/** The figures as a chart: requests and claimed per period, oldest first; a period kept
 * back is a gap, never a zero. */
export function figuresPlot(v: FiguresView, months: boolean): { plot: Plot; starts: string[] } {
  const periods = [...(months ? v.months : v.periods)].reverse();
  const requests = periods.map((p) => p.summary?.requests ?? null);
  const claimed = periods.map((p) => p.summary?.claimed ?? null);
  const top = Math.max(5, ...requests.map((n) => n ?? 0));
  const step = top <= 10 ? 2 : top <= 50 ? 10 : Math.ceil(top / 50) * 10;
  return {
    starts: periods.map((p) => p.first_day),
    plot: {
      id: months ? 'fig-months' : 'fig-periods',
      title: months ? 'Requests by month' : 'Requests by period',
      hint: 'Requests closed or expired, and how many a peer took. A gap is a period with fewer than 5.',
      lines: [
        { key: 'requests', label: 'Requests', values: requests },
        { key: 'claimed', label: 'Claimed', dash: [6, 4], values: claimed },
      ],
      min: 0,
      max: Math.ceil(top / step) * step,
      step,
    },
  };
}
