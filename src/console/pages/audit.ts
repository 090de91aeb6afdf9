// The audit explorer: filters (patron, principal, outcome, basis, time), cursor paging, and, for a
// patron, the access timeline drawn from the aggregate query (one row per day, basis and outcome).
import { gql, plainWords } from '../api.js';
import { field, h, svg, table, when } from '../dom.js';
import type { Page } from '../ui.js';

interface AuditEventRow {
  seq: string;
  at: string | null;
  principalId: string | null;
  principalRoles: string[] | null;
  purpose: string | null;
  typeName: string | null;
  fields: string[] | null;
  outcome: string | null;
  basis: string | null;
  basisRef: string | null;
  operationName: string | null;
}
interface Day {
  day: string | null;
  basis: string | null;
  outcome: string | null;
  accesses: number | null;
}

const EVENTS = `query ConsoleAuditEvents($filter: AuditEventFilter, $after: String) {
  auditEvents(filter: $filter, first: 25, after: $after) {
    nodes { seq at principalId principalRoles purpose typeName fields outcome basis basisRef operationName }
    pageInfo { hasNextPage endCursor } } }`;
const TIMELINE = `query ConsoleAccessTimeline($patronId: ID!, $from: DateTime!, $to: DateTime!) {
  auditAccessTimeline(patronId: $patronId, from: $from, to: $to) { day basis outcome accesses } }`;

const OUTCOMES = ['GRANTED', 'DENIED', 'FAILED'];
const BASES = [
  'SELF',
  'STAFF_PURPOSE',
  'DIRECTOR',
  'DESIGNEE',
  'DISCLOSURE',
  'VENDOR_SCOPE',
  'GUARDIAN_GRANT',
  'CONSENT',
];
// Distinguishable in greyscale too (lightness differs), each with a text legend and a table.
const COLOURS: Record<string, string> = {
  SELF: '#8fb8de',
  STAFF_PURPOSE: '#0b4f8a',
  DIRECTOR: '#5b2a86',
  DESIGNEE: '#a05195',
  DISCLOSURE: '#c26200',
  VENDOR_SCOPE: '#2f7d32',
  GUARDIAN_GRANT: '#7a6a00',
  CONSENT: '#00695c',
  REFUSED: '#9b1c1c',
};

const seriesOf = (d: Day) => (d.outcome === 'GRANTED' ? (d.basis ?? 'SELF') : 'REFUSED');

function chart(days: Day[], from: string, to: string) {
  const dates: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 86_400_000)
    dates.push(new Date(t).toISOString().slice(0, 10));
  const series = [...new Set(days.map(seriesOf))];
  const totals = new Map<string, Map<string, number>>();
  for (const d of days) {
    const m = totals.get(d.day ?? '') ?? new Map<string, number>();
    m.set(seriesOf(d), (m.get(seriesOf(d)) ?? 0) + (d.accesses ?? 0));
    totals.set(d.day ?? '', m);
  }
  const max = Math.max(
    1,
    ...[...totals.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)),
  );
  const W = 640,
    H = 200,
    pad = 30,
    bw = (W - pad) / Math.max(1, dates.length);
  const bars: Node[] = [];
  dates.forEach((date, i) => {
    let y = H - pad;
    for (const s of series) {
      const n = totals.get(date)?.get(s) ?? 0;
      if (!n) continue;
      const bh = ((H - 2 * pad) * n) / max;
      y -= bh;
      bars.push(
        svg(
          'rect',
          {
            x: pad + i * bw + 1,
            y,
            width: Math.max(1, bw - 2),
            height: bh,
            fill: COLOURS[s] ?? '#444',
          },
          svg('title', {}, document.createTextNode(`${date}: ${n} ${s}`)),
        ),
      );
    }
  });
  const total = days.reduce((a, d) => a + (d.accesses ?? 0), 0);
  const figure = svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': `Accesses per day from ${dates[0]} to ${dates.at(-1)}: ${total} in all; the table below lists them.`,
    },
    svg('line', { x1: pad, y1: H - pad, x2: W, y2: H - pad, stroke: '#1a1a1a' }),
    svg(
      'text',
      { x: 0, y: pad, 'font-size': 11, fill: '#1a1a1a' },
      document.createTextNode(String(max)),
    ),
    svg(
      'text',
      { x: pad, y: H - 8, 'font-size': 11, fill: '#1a1a1a' },
      document.createTextNode(dates[0] ?? ''),
    ),
    svg(
      'text',
      { x: W - 70, y: H - 8, 'font-size': 11, fill: '#1a1a1a' },
      document.createTextNode(dates.at(-1) ?? ''),
    ),
    ...bars,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((s) =>
      h(
        'li',
        {},
        svg(
          'svg',
          { width: 14, height: 14, 'aria-hidden': 'true' },
          svg('rect', { width: 14, height: 14, fill: COLOURS[s] ?? '#444' }),
        ),
        ` ${s === 'REFUSED' ? 'refused' : s}`,
      ),
    ),
  );
  return h(
    'section',
    {},
    h('h3', {}, 'Access timeline (requests per day, by basis)'),
    figure,
    legend,
    table(
      'Accesses per day',
      ['Day', 'Basis', 'Outcome', 'Requests'],
      days.map((d) => [d.day ?? '—', d.basis ?? '—', d.outcome ?? '—', d.accesses ?? 0]),
      'no access in this period.',
    ),
  );
}

const select = (options: string[]) =>
  h(
    'select',
    {},
    h('option', { value: '' }, 'Any'),
    options.map((o) => h('option', { value: o }, o)),
  );

export const auditPage: Page = async () => {
  const patron = h('input', { type: 'text', autocomplete: 'off' });
  const principal = h('input', { type: 'text', autocomplete: 'off' });
  const outcome = select(OUTCOMES);
  const basis = select(BASES);
  const from = h('input', {
    type: 'date',
    value: new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10),
  });
  const to = h('input', { type: 'date', value: new Date().toISOString().slice(0, 10) });
  const results = h('div', { 'aria-live': 'polite' });
  // Cursors of the pages seen so far, kept in memory for "newer".
  let cursors: (string | null)[] = [null];

  const range = () => ({
    from: new Date(`${from.value}T00:00:00Z`).toISOString(),
    to: new Date(Date.parse(`${to.value}T00:00:00Z`) + 86_400_000).toISOString(),
  });
  const filter = () => {
    const f: Record<string, string> = {};
    if (patron.value.trim()) f.patronId = patron.value.trim();
    if (principal.value.trim()) f.principalId = principal.value.trim();
    if (outcome.value) f.outcome = outcome.value;
    if (basis.value) f.basis = basis.value;
    if (from.value) f.from = range().from;
    if (to.value) f.to = range().to;
    return f;
  };
  const show = async (page: number) => {
    const { auditEvents: r } = await gql<{
      auditEvents: {
        nodes: AuditEventRow[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(EVENTS, { filter: filter(), after: cursors[page] });
    cursors = cursors.slice(0, page + 1);
    if (r.pageInfo.hasNextPage) cursors.push(r.pageInfo.endCursor);
    const parts: Node[] = [
      table(
        `Audit events, newest first (page ${page + 1})`,
        ['Row', 'When', 'Who', 'Purpose', 'Record', 'Fields', 'Outcome', 'Basis', 'Operation'],
        r.nodes.map((e) => [
          e.seq,
          when(e.at),
          `${e.principalId ?? '—'} (${(e.principalRoles ?? []).join(', ')})`,
          e.purpose ?? '—',
          e.typeName ?? '—',
          (e.fields ?? []).join(', '),
          e.outcome ?? '—',
          `${e.basis ?? '—'}${e.basisRef ? ` (${e.basisRef})` : ''}`,
          e.operationName ?? '—',
        ]),
        'no event matches.',
      ),
      h(
        'div',
        { class: 'row' },
        page > 0
          ? h('button', { type: 'button', onclick: () => void run(page - 1) }, 'Newer events')
          : null,
        r.pageInfo.hasNextPage
          ? h('button', { type: 'button', onclick: () => void run(page + 1) }, 'Older events')
          : null,
      ),
    ];
    if (patron.value.trim() && from.value && to.value) {
      const { auditAccessTimeline } = await gql<{ auditAccessTimeline: Day[] }>(TIMELINE, {
        patronId: patron.value.trim(),
        ...range(),
      });
      parts.push(chart(auditAccessTimeline, range().from, range().to));
    }
    results.replaceChildren(...parts);
  };
  const run = (page: number) =>
    show(page).catch((err: unknown) =>
      results.replaceChildren(h('div', { class: 'alert', role: 'alert' }, plainWords(err))),
    );
  const form = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        cursors = [null];
        void run(0);
      },
    },
    h(
      'div',
      { class: 'row' },
      field('Patron id', patron, 'Also draws the timeline'),
      field('Principal id', principal),
      field('Outcome', outcome),
      field('Basis', basis),
      field('From', from),
      field('To (inclusive)', to),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Search the audit log'),
  );
  return h('div', {}, form, results);
};
