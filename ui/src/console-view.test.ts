import { describe, expect, it } from 'vitest';
import type { FiguresView, PeriodView } from './bindings';
import { figuresPlot, heat, problemsFor, requestsText, splitLines, splitList, utcOffsetMinutes, weekGrid } from './console-view';

const period = (first: string, requests: number | null): PeriodView => ({
  label: first,
  first_day: first,
  last_day: first,
  more_pending: requests === null,
  summary: requests === null ? null : {
    requests, claimed: requests - 1, escalated: 0, expired_unclaimed: 1, claimed_pct: 80, escalated_pct: 0,
    median_claim: 'under 1 minute', p90_claim: 'under 5 minutes', claim_times: [requests - 1, 0, 0, 0, 0, 0],
  },
});

describe('the console', () => {
  it('reads lists as typed', () => {
    expect(splitList(' en, es ,, fr ')).toEqual(['en', 'es', 'fr']);
    expect(splitLines('mon 18-06\n\n sat 00-24 ')).toEqual(['mon 18-06', 'sat 00-24']);
  });

  it('places problems by item and field', () => {
    const problems = [
      { index: 1, field: 'unit', message: 'one line' },
      { index: 1, field: 'unit', message: 'at most 60' },
      { index: null, field: 'peers', message: 'add one' },
    ];
    expect(problemsFor(problems, 1).get('unit')).toBe('one line at most 60');
    expect(problemsFor(problems, 0).size).toBe(0);
    expect(problemsFor(problems, null).get('peers')).toBe('add one');
  });

  it('lays the week out by day and marks the empty hours', () => {
    const grid = weekGrid(Array.from({ length: 168 }, (_, i) => i));
    expect(grid.length).toBe(7);
    expect(grid[1][0]).toBe(24);
    expect([heat(0), heat(0.4), heat(2), heat(5)]).toEqual([0, 1, 2, 3]);
    expect(utcOffsetMinutes(new Date())).toBe(-new Date().getTimezoneOffset());
  });

  it('never draws a kept-back period as zero', () => {
    const v: FiguresView = {
      periods: [period('2026-11-16', null), period('2026-11-02', 6)],
      months: [],
      total: null,
      coverage: { weeks: 0, mean_peers: [], scheduled_hours: 0, held_hours: 0, held_pct: 0 },
      rule: '',
    };
    const { plot, starts } = figuresPlot(v, false);
    expect(starts).toEqual(['2026-11-02', '2026-11-16']);
    expect(plot.lines[0].values).toEqual([6, null]);
    expect(requestsText(v.periods[0])).toBe('fewer than 5 requests');
  });
});
