import { api } from '../api';
import type { Trends } from '../bindings';
import { lineChart } from '../chart';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import { drawnScreen, type Screen } from '../screen';
import {
  RANGES,
  type Plot,
  type RangeKey,
  daysFor,
  formatNumber,
  hasCheckIns,
  isEmpty,
  periodLabel,
  plots,
  tableRows,
} from '../trends-view';

interface Links {
  back: () => void;
}

const PERIOD = { day: ['Day', 'Days'], week: ['Week of', 'Weeks'], month: ['Month', 'Months'] } as const;

// Kept for the session, so coming back shows the range last looked at.
let chosen: RangeKey = '30d';

/** Each swatch copies its line's colour and dash (style.css), so series differ by more than colour. */
function legend(plot: Plot): HTMLElement | null {
  if (plot.lines.length < 2) return null;
  return h(
    'ul',
    { class: 'legend' },
    ...plot.lines.map((l) => h('li', {}, h('span', { class: `swatch swatch-${l.key}` }), l.label)),
  );
}

function cell(v: number | null): HTMLElement {
  if (v === null) return h('td', {}, h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'visually-hidden' }, 'none'));
  return h('td', {}, formatNumber(v));
}

/** The accessible form of a chart: the same numbers, one row per bucket that has any. */
function table(plot: Plot, t: Trends): HTMLElement {
  const columns = plot.lines.map((l) => l.values);
  const heads = plot.lines.map((l) => l.label);
  if (plot.id === 'mood') {
    columns.push(t.checkins.map((n) => (n > 0 ? n : null)));
    heads.push('Check-ins');
  }
  const [period, periods] = PERIOD[t.bucket];
  const data = h(
    'table',
    { class: 'data', id: `trends-table-${plot.id}` },
    // The heading already shows the title; the caption repeats it for table navigation.
    h('caption', {}, h('span', { class: 'visually-hidden' }, `${plot.title}: `), `${plot.hint} ${periods} with nothing recorded are left out.`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, period), ...heads.map((x) => h('th', { scope: 'col' }, x)))),
    h(
      'tbody',
      {},
      ...tableRows(t.starts, columns).map((r) =>
        h('tr', {}, h('th', { scope: 'row' }, periodLabel(r.start, t.bucket)), ...r.cells.map(cell)),
      ),
    ),
  );
  // A wide table scrolls sideways inside this box, not the page; see showTables().
  return h('div', { class: 'table-scroll', 'data-heading': `trends-h-${plot.id}` }, data);
}

/**
 * In table view each table's scroll box is a named region that takes focus, so it can be
 * scrolled from the keyboard; in chart view the tables are only for screen readers and the
 * box is a plain, unfocusable wrapper.
 */
function showTables(body: HTMLElement, on: boolean): void {
  for (const box of body.querySelectorAll<HTMLElement>('.table-scroll')) {
    if (on) {
      box.tabIndex = 0;
      box.setAttribute('role', 'region');
      box.setAttribute('aria-labelledby', box.dataset.heading ?? '');
    } else {
      box.removeAttribute('tabindex');
      box.removeAttribute('role');
      box.removeAttribute('aria-labelledby');
    }
  }
}

/** The trends screen. Its charts hold observers, which go with it. */
export function trends(links: Links): Screen {
  return drawnScreen((root) => draw(root, links));
}

/** Returns what to call when leaving the screen. */
function draw(root: HTMLElement, links: Links): () => void {
  const msg = messageArea();
  const body = h('div', { class: 'trends-body', id: 'trends-body' });
  let stops: (() => void)[] = [];
  let asTable = false;
  let seq = 0;

  const clear = () => {
    for (const stop of stops) stop();
    stops = [];
  };

  const toggle = h('button', {
    type: 'button',
    class: 'secondary',
    id: 'trends-table-toggle',
    'aria-controls': 'trends-body',
    hidden: true,
    onclick: () => {
      asTable = !asTable;
      body.classList.toggle('as-table', asTable);
      showTables(body, asTable);
      toggle.textContent = asTable ? 'Show as chart' : 'Show as table';
    },
  }, 'Show as table');

  const render = (t: Trends) => {
    clear();
    if (isEmpty(t)) {
      toggle.hidden = true;
      body.replaceChildren(
        h('p', { class: 'last', id: 'trends-empty' }, 'No check-ins in this range yet.'),
        h('p', { class: 'hint' }, 'Check-ins you save on the home screen show up here, on this phone only.'),
      );
      return;
    }
    toggle.hidden = false;
    const parts: HTMLElement[] = [];
    if (!hasCheckIns(t)) parts.push(h('p', { class: 'last', id: 'trends-empty' }, 'No check-ins in this range yet.'));
    for (const plot of plots(t)) {
      const chart = lineChart(plot, t.starts);
      stops.push(chart.stop);
      parts.push(
        h(
          'section',
          { class: 'trend', 'data-plot': plot.id },
          h('h2', { id: `trends-h-${plot.id}` }, plot.title),
          // The table's caption says the same to screen readers, so it is heard once.
          h('p', { class: 'hint', 'aria-hidden': 'true' }, plot.hint),
          h('div', { class: 'chart-box', 'aria-hidden': 'true' }, legend(plot), chart.el),
          table(plot, t),
        ),
      );
    }
    body.replaceChildren(...parts);
    showTables(body, asTable);
  };

  const load = async (key: RangeKey) => {
    const mine = ++seq;
    const range = RANGES.find((r) => r.key === key) ?? RANGES[0];
    body.setAttribute('aria-busy', 'true');
    msg.textContent = '';
    try {
      const t = await api.trends(range.bucket, daysFor(key, new Date()));
      // A newer choice (or leaving the screen) makes this answer stale.
      if (mine !== seq) return;
      render(t);
      msg.textContent = `Showing the last ${range.label}.`;
    } catch (e) {
      if (mine !== seq) return;
      clear();
      body.replaceChildren();
      toggle.hidden = true;
      msg.textContent = describe(toErrorBody(e));
    } finally {
      if (mine === seq) body.removeAttribute('aria-busy');
    }
  };

  const rangeControl = h(
    'fieldset',
    { class: 'scale' },
    h('legend', {}, 'Show'),
    h(
      'div',
      { class: 'segments range' },
      ...RANGES.map((r) => {
        const id = `trends-range-${r.key}`;
        const input = h('input', {
          type: 'radio',
          name: 'trends-range',
          id,
          value: r.key,
          checked: r.key === chosen,
          onchange: () => {
            chosen = r.key;
            void load(r.key);
          },
        });
        return h('span', { class: 'segment' }, input, h('label', { for: id }, r.label));
      }),
    ),
  );

  mount(
    root,
    h('h1', {}, 'Trends'),
    h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
    h('p', {}, 'Your check-ins over time, averaged. Only you see this; it stays on this phone.'),
    rangeControl,
    h('div', { class: 'row' }, toggle),
    msg,
    body,
  );
  void load(chosen);

  return () => {
    seq++;
    clear();
  };
}
