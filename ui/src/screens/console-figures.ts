// Program figures without surveillance: requests, claims, escalations and time to claim by
// period and month (charts with tables), duty held against the schedule, and a one-page
// report to print or save as PDF. Fewer than five requests are never shown.
import { api } from '../api';
import type { FiguresView, PeriodView, Summary } from '../bindings';
import { lineChart, type Chart } from '../chart';
import { figuresPlot, utcOffsetMinutes } from '../console-view';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Panel } from './console';
import { heatTable } from './console-roster';

const BUCKETS = ['under 1 min', '1\u20135 min', '5\u201315 min', '15\u201360 min', '1\u20134 h', 'over 4 h'];

function summaryList(s: Summary | null, id: string): HTMLElement {
  if (!s) return h('p', { id }, 'Fewer than 5 requests: nothing more is shown.');
  return h('dl', { id },
    h('dt', {}, 'Requests'), h('dd', {}, String(s.requests)),
    h('dt', {}, 'Taken by a peer'), h('dd', {}, `${s.claimed} (${s.claimed_pct}%)`),
    h('dt', {}, 'Went to every peer (escalated)'), h('dd', {}, `${s.escalated} (${s.escalated_pct}%)`),
    h('dt', {}, 'Expired with nobody taking them'), h('dd', {}, String(s.expired_unclaimed)),
    h('dt', {}, 'Half were taken'), h('dd', {}, s.median_claim ?? '\u2014'),
    h('dt', {}, 'Nine in ten were taken'), h('dd', {}, s.p90_claim ?? '\u2014'));
}

function periodTable(id: string, caption: string, periods: PeriodView[]): HTMLElement {
  const cell = (s: Summary | null, f: (s: Summary) => string) => h('td', {}, s ? f(s) : '\u2014');
  return h('div', { class: 'table-wide', tabindex: 0, role: 'region', 'aria-label': caption }, h('table', { class: 'data', id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...['Period', 'Requests', 'Taken', 'Escalated', 'Half taken', '9 in 10 taken'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...(periods.length ? periods.map((p) => h('tr', {},
      h('th', { scope: 'row' }, p.label),
      h('td', {}, p.summary ? String(p.summary.requests) : 'fewer than 5'),
      cell(p.summary, (s) => `${s.claimed_pct}%`),
      cell(p.summary, (s) => `${s.escalated_pct}%`),
      cell(p.summary, (s) => s.median_claim ?? '\u2014'),
      cell(p.summary, (s) => s.p90_claim ?? '\u2014'))) : [h('tr', {}, h('td', { colspan: 6 }, 'No ended week with requests yet.'))]))));
}

function report(v: FiguresView): HTMLElement {
  const c = v.coverage;
  return h('article', { class: 'report stack', id: 'console-report', 'aria-labelledby': 'report-h' },
    h('h3', { id: 'report-h' }, 'Peer support program report'),
    h('p', { class: 'hint' }, `Made ${new Date().toLocaleDateString()}. Counts only: no names, no units, no times of calls.`),
    h('h4', {}, 'All shown periods'), summaryList(v.total, 'report-total'),
    periodTable('report-months', 'By month', v.months),
    h('h4', {}, 'Claim times'),
    v.total ? h('p', {}, BUCKETS.map((b, i) => `${b}: ${v.total?.claim_times[i] ?? 0}`).join(' \u00b7 ')) : h('p', {}, 'Fewer than 5 requests.'),
    h('h4', {}, 'Coverage'),
    h('p', {}, c.scheduled_hours === 0
      ? 'No duty was scheduled in the roster, or no week with duty has ended yet.'
      : `Over the last ${c.weeks} weeks, peers were on duty in ${c.held_hours} of ${c.scheduled_hours} scheduled hours (${c.held_pct}%).`),
    h('p', { class: 'hint' }, v.rule));
}

export function figuresPanel(): Panel {
  const msg = messageArea();
  msg.id = 'figures-message';
  const body = h('div', { class: 'stack', id: 'figures-body' });
  let charts: Chart[] = [];
  const stopCharts = () => {
    for (const c of charts) c.stop();
    charts = [];
  };
  const draw = (v: FiguresView) => {
    stopCharts();
    const weekly = figuresPlot(v, false);
    const monthly = figuresPlot(v, true);
    const chartWeekly = lineChart(weekly.plot, weekly.starts);
    const chartMonthly = lineChart(monthly.plot, monthly.starts);
    charts = [chartWeekly, chartMonthly];
    chartWeekly.el.setAttribute('aria-hidden', 'true');
    chartMonthly.el.setAttribute('aria-hidden', 'true');
    const rep = report(v);
    body.replaceChildren(
      h('p', { class: 'hint', id: 'figures-rule' }, v.rule),
      h('section', { class: 'console-card', 'aria-labelledby': 'fig-total-h' },
        h('h3', { id: 'fig-total-h' }, 'Every period shown'), summaryList(v.total, 'figures-total')),
      h('section', { class: 'console-card', 'aria-labelledby': 'fig-periods-h' },
        h('h3', { id: 'fig-periods-h' }, 'By period'),
        h('p', { class: 'hint' }, 'Weeks run Monday to Sunday (UTC). Quiet weeks are pooled until they hold 5 requests.'),
        chartWeekly.el, periodTable('figures-periods', 'Requests by period', v.periods)),
      h('section', { class: 'console-card', 'aria-labelledby': 'fig-months-h' },
        h('h3', { id: 'fig-months-h' }, 'By month'),
        chartMonthly.el, periodTable('figures-months', 'Requests by month (whole periods)', v.months)),
      h('section', { class: 'console-card', 'aria-labelledby': 'fig-duty-h' },
        h('h3', { id: 'fig-duty-h' }, 'Duty held'),
        h('p', { id: 'figures-held' }, v.coverage.scheduled_hours === 0
          ? 'Nothing to compare yet: schedule peers in the roster; duty is counted once a week has ended.'
          : `Peers were on duty in ${v.coverage.held_hours} of ${v.coverage.scheduled_hours} scheduled hours (${v.coverage.held_pct}%) over ${v.coverage.weeks} weeks.`),
        v.coverage.weeks > 0
          ? heatTable('figures-duty', 'Mean peers on duty, by day and hour (your local time)', v.coverage.mean_peers, (n) => n.toFixed(1))
          : null),
      h('section', { class: 'console-card', 'aria-labelledby': 'fig-report-h' },
        h('h3', { id: 'fig-report-h' }, 'Program report'),
        h('p', { class: 'hint' }, 'One page for the chief or a grant report. Print it, or choose \u201cSave as PDF\u201d in the print window.'),
        h('button', {
          type: 'button', class: 'secondary', id: 'console-print-report',
          onclick: () => {
            for (const old of document.querySelectorAll('.report-print')) old.remove();
            const copy = rep.cloneNode(true) as HTMLElement;
            copy.classList.add('report-print');
            copy.setAttribute('aria-hidden', 'true');
            for (const el of [copy, ...copy.querySelectorAll('[id]')]) el.removeAttribute('id');
            copy.removeAttribute('aria-labelledby');
            document.body.append(copy);
            document.body.classList.add('printing-report');
            const done = () => {
              copy.remove();
              document.body.classList.remove('printing-report');
              window.removeEventListener('afterprint', done);
            };
            window.addEventListener('afterprint', done);
            window.print();
          },
        }, 'Print the report'),
        rep));
  };
  const load = async () => {
    msg.textContent = 'Fetching the figures…';
    try {
      draw(await api.consoleFigures(utcOffsetMinutes()));
      msg.textContent = '';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  void load();
  return {
    el: h('section', { class: 'console-panel', 'aria-labelledby': 'figures-h' },
      h('h2', { id: 'figures-h' }, 'Program figures'),
      h('button', { type: 'button', class: 'secondary', id: 'console-figures-refresh', onclick: load }, 'Fetch again'),
      msg, body),
    stop: stopCharts,
  };
}
