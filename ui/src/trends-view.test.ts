import { describe, expect, it } from 'vitest';
import type { Trends } from './bindings';
import {
  RANGES,
  chartData,
  daysFor,
  formatNumber,
  isEmpty,
  isolated,
  localDay,
  niceStep,
  periodLabel,
  plots,
  tableRows,
  tickLabel,
  ySplits,
} from './trends-view';

function trends(over: Partial<Trends> = {}): Trends {
  return {
    bucket: 'day',
    starts: ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'],
    mood: [2, null, 4.5, null],
    stress: [3, null, 1, null],
    energy: [1, null, 5, null],
    sleep_hours: [6.5, null, 8, null],
    checkins: [2, 0, 1, 0],
    screeners: [],
    ...over,
  };
}

/** The first day the core will count from, as it does: today minus (days - 1). */
function from(today: Date, days: number): Date {
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
}

/** Days since the epoch, ignoring daylight saving. */
function utcDay(d: Date): number {
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / 86_400_000;
}

describe('range choice', () => {
  it('pairs each range with its bucket', () => {
    expect(RANGES.map((r) => [r.key, r.bucket])).toEqual([
      ['30d', 'day'],
      ['12w', 'week'],
      ['12m', 'month'],
      ['10y', 'month'],
    ]);
  });

  it('asks for 30 days by day', () => {
    expect(daysFor('30d', new Date(2026, 10, 25))).toBe(30);
  });

  it('starts 12 weeks on a Monday, whatever the day today', () => {
    // Some of these reach back across a clock change, depending on the zone.
    for (const day of [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 63, 64, 65, 66, 67, 68, 69]) {
      const today = new Date(2026, 10, day);
      const start = from(today, daysFor('12w', today));
      expect(start.getDay()).toBe(1);
      // Whole weeks between the two Mondays: the 12th is the current one.
      const weeks = Math.floor((utcDay(today) - utcDay(start)) / 7);
      expect(weeks).toBe(11);
    }
  });

  it('starts 12 months and 10 years on the first of a month', () => {
    for (const today of [new Date(2026, 10, 25), new Date(2026, 0, 1), new Date(2024, 2, 31), new Date(2026, 2, 29)]) {
      const months = (a: Date) => a.getFullYear() * 12 + a.getMonth();
      const year = from(today, daysFor('12m', today));
      expect(year.getDate()).toBe(1);
      expect(months(today) - months(year)).toBe(11);
      const decade = from(today, daysFor('10y', today));
      expect(decade.getDate()).toBe(1);
      expect(months(today) - months(decade)).toBe(119);
    }
  });
});

describe('chart data', () => {
  it('reads bucket starts as local midnight', () => {
    const d = localDay('2026-03-29');
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()]).toEqual([2026, 2, 29, 0]);
  });

  it('keeps empty buckets as null, never zero', () => {
    const [mood] = plots(trends());
    const [x, m, s, e] = chartData(mood, trends().starts);
    expect(x).toHaveLength(4);
    expect(m).toEqual([2, null, 4.5, null]);
    expect(s).toEqual([3, null, 1, null]);
    expect(e).toEqual([1, null, 5, null]);
  });

  it('draws mood, sleep and each screener taken, on fixed scales', () => {
    const t = trends({
      screeners: [{ instrument: 'phq9', title: 'PHQ-9', max_total: 27, totals: [null, 12, null, null] }],
    });
    const ps = plots(t);
    expect(ps.map((p) => p.id)).toEqual(['mood', 'sleep', 'screener-phq9']);
    expect(ps.map((p) => [p.min, p.max])).toEqual([[1, 5], [0, 14], [0, 27]]);
    expect(ps[2].lines[0].values).toEqual([null, 12, null, null]);
    expect(ps[0].hint).toMatch(/5 means overwhelmed/);
    expect(ps[2].hint).toMatch(/^Total score, 0 to 27 .*more symptoms\.$/);
  });

  it('draws no check-in charts when only a questionnaire was taken', () => {
    const t = trends({
      mood: [null, null, null, null],
      stress: [null, null, null, null],
      energy: [null, null, null, null],
      sleep_hours: [null, null, null, null],
      checkins: [0, 0, 0, 0],
      screeners: [{ instrument: 'who5', title: 'WHO-5', max_total: 100, totals: [null, null, 60, null] }],
    });
    expect(isEmpty(t)).toBe(false);
    expect(plots(t).map((p) => p.id)).toEqual(['screener-who5']);
    expect(plots(t)[0].hint).toMatch(/better wellbeing/);
  });

  it('knows when there is nothing at all', () => {
    expect(isEmpty(trends({ checkins: [0, 0, 0, 0], screeners: [] }))).toBe(true);
    expect(isEmpty(trends())).toBe(false);
  });

  it('finds the lone points a line cannot reach', () => {
    expect(isolated([null, 3, null, 4, 5, null, 2])).toEqual([1, 6]);
    expect(isolated([1, null])).toEqual([0]);
    expect(isolated([1, 2, 3])).toEqual([]);
    expect(isolated([null, undefined])).toEqual([]);
  });

  it('puts y ticks on round numbers within the scale', () => {
    expect(ySplits(1, 5, 1)).toEqual([1, 2, 3, 4, 5]);
    expect(ySplits(0, 14, 2)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(niceStep(27)).toBe(5);
    expect(niceStep(100)).toBe(20);
    expect(niceStep(12)).toBe(2);
    expect(niceStep(6)).toBe(1);
    expect(ySplits(0, 27, niceStep(27))).toEqual([0, 5, 10, 15, 20, 25]);
  });
});

describe('table', () => {
  it('has a row for each bucket with something in it, and no zeros for the rest', () => {
    const t = trends();
    const rows = tableRows(t.starts, [t.mood, t.stress]);
    expect(rows).toEqual([
      { start: '2026-11-01', cells: [2, 3] },
      { start: '2026-11-03', cells: [4.5, 1] },
    ]);
  });

  it('keeps a gap inside a row as null', () => {
    expect(tableRows(['a', 'b'], [[1, null], [null, null]])).toEqual([{ start: 'a', cells: [1, null] }]);
  });

  it('writes numbers without trailing zeros', () => {
    expect(formatNumber(4, 'en')).toBe('4');
    expect(formatNumber(3.25, 'en')).toBe('3.25');
    expect(formatNumber(3.456, 'en')).toBe('3.46');
    expect(formatNumber(7.5, 'de')).toBe('7,5');
  });

  it('names days, weeks and months, with the year only when it is not this one', () => {
    const now = new Date(2026, 10, 25);
    expect(periodLabel('2026-11-03', 'day', 'en-GB', now)).toBe('Tue 3 Nov');
    expect(periodLabel('2026-11-02', 'week', 'en-GB', now)).toBe('2 Nov');
    expect(periodLabel('2025-12-29', 'week', 'en-GB', now)).toBe('29 Dec 2025');
    expect(periodLabel('2026-11-01', 'month', 'en-GB', now)).toBe('Nov 2026');
  });

  it('labels axis ticks as coarsely as their spacing', () => {
    const s = localDay('2026-11-03').getTime() / 1000;
    expect(tickLabel(s, 7 * 86_400, 'en-GB')).toBe('3 Nov');
    expect(tickLabel(s, 61 * 86_400, 'en-GB')).toBe('Nov 2026');
    expect(tickLabel(s, 365 * 86_400, 'en-GB')).toBe('2026');
  });
});
