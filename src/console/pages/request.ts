// One disclosure request: instrument, scope, events and releases, and the steps the workflow
// allows from its status. Every step opens a confirmation that says what will be released.
import { gql } from '../api.js';
import { day, field, h, table, when } from '../dom.js';
import { confirmDialog, type Page, type PageContext } from '../ui.js';
import { gagNote } from './queue.js';

interface Request {
  id: string;
  requesterId: string | null;
  requesterName: string | null;
  agency: string | null;
  instrument: string | null;
  instrumentReference: string | null;
  issuingAuthority: string | null;
  patrons: { id: string }[] | null;
  categories: string[] | null;
  scopeFrom: string | null;
  scopeTo: string | null;
  status: string | null;
  receivedBy: string | null;
  receivedAt: string | null;
  decidedBy: string | null;
  decisionAuthority: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  accessExpiresAt: string | null;
  nondisclosureUntil: string | null;
  emergencyJustification: string | null;
  ratificationDueAt: string | null;
  ratifiedAt: string | null;
  repudiatedAt: string | null;
  closedAt: string | null;
  events:
    | {
        sequence: number;
        action: string | null;
        fromStatus: string | null;
        toStatus: string | null;
        actorId: string | null;
        authority: string | null;
        note: string | null;
        at: string | null;
      }[]
    | null;
  releases: { patronId: string | null; typeName: string | null; field: string | null }[] | null;
}

const FIELDS = `id requesterId requesterName agency instrument instrumentReference issuingAuthority
  patrons { id } categories scopeFrom scopeTo status receivedBy receivedAt decidedBy decisionAuthority
  decidedAt decisionNote accessExpiresAt nondisclosureUntil emergencyJustification ratificationDueAt
  ratifiedAt repudiatedAt closedAt
  events { sequence action fromStatus toStatus actorId authority note at }
  releases { patronId typeName field }`;

const READ = `query ConsoleRequest($id: ID!) { disclosureRequest(id: $id) { ${FIELDS} } }`;

const dateInput = (value: string, required = false) =>
  h('input', { type: 'date', value, required });

const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'nothing');

function approve(ctx: PageContext, r: Request) {
  const cats = (r.categories ?? []).map((c) => ({
    c,
    box: h('input', { type: 'checkbox', checked: true, value: c }),
  }));
  const pats = (r.patrons ?? []).map((p) => ({
    id: p.id,
    box: h('input', { type: 'checkbox', checked: true, value: p.id }),
  }));
  const from = dateInput(day(r.scopeFrom).replace('—', ''));
  const to = dateInput(day(r.scopeTo).replace('—', ''));
  const expires = dateInput(
    new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    true,
  );
  const note = h('textarea', { rows: 2 });
  const chosen = <T extends { box: HTMLInputElement }>(xs: T[]) => xs.filter((x) => x.box.checked);
  const body = h(
    'div',
    {},
    h(
      'fieldset',
      {},
      h('legend', {}, 'Categories to release (untick to narrow)'),
      cats.map(({ c, box }) => h('label', {}, box, ` ${c} `)),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Patrons to release (untick to narrow)'),
      pats.map(({ id, box }) => h('label', {}, box, ` ${id} `)),
    ),
    h('div', { class: 'row' }, field('Records from', from), field('Records to', to)),
    field('Access ends on', expires),
    field('Note (optional)', note),
  );
  confirmDialog({
    title: `Approve ${r.id}`,
    body,
    confirmLabel: 'Approve and release',
    summary: () =>
      `${r.agency ?? 'The requester'} (${r.requesterId ?? '—'}) may read ${list(chosen(cats).map((x) => x.c))} ` +
      `of ${chosen(pats).length} patron(s) (${list(chosen(pats).map((x) => x.id))}), records from ` +
      `${from.value || 'the start of the request'} to ${to.value || 'its end'}, until ${expires.value || '—'}.`,
    onConfirm: async () => {
      const input: Record<string, unknown> = {
        accessExpiresAt: new Date(`${expires.value}T23:59:59Z`).toISOString(),
        categories: chosen(cats).map((x) => x.c),
        patronIds: chosen(pats).map((x) => x.id),
      };
      if (from.value && from.value !== day(r.scopeFrom))
        input.scopeFrom = new Date(`${from.value}T00:00:00Z`).toISOString();
      if (to.value && to.value !== day(r.scopeTo))
        input.scopeTo = new Date(`${to.value}T23:59:59Z`).toISOString();
      if (note.value.trim()) input.note = note.value.trim();
      await gql(
        `mutation ConsoleApprove($id: ID!, $input: ApproveDisclosureInput!) { approveDisclosureRequest(id: $id, input: $input) { id status } }`,
        { id: r.id, input },
      );
      ctx.notice(`${r.id} approved.`);
      ctx.go('request', r.id);
    },
  });
}

/** A step that takes a note or a reason and changes nothing else. */
function step(
  ctx: PageContext,
  r: Request,
  o: {
    title: string;
    label: string;
    reason?: boolean;
    danger?: boolean;
    summary: string;
    mutation: string;
    done: string;
  },
) {
  const text = h('textarea', { rows: 3, required: o.reason === true });
  confirmDialog({
    title: `${o.title} ${r.id}`,
    body: field(o.reason ? 'Reason (told to the requester)' : 'Note (optional)', text),
    confirmLabel: o.label,
    danger: o.danger,
    summary: () => o.summary,
    onConfirm: async () => {
      const arg = o.reason ? 'reason' : 'note';
      await gql(
        `mutation ${o.mutation.replace(/^./, (c) => `Console${c.toUpperCase()}`)}($id: ID!, $text: String${o.reason ? '!' : ''}) { ${o.mutation}(id: $id, ${arg}: $text) { id status } }`,
        { id: r.id, text: text.value.trim() || null },
      );
      ctx.notice(`${r.id}: ${o.done}.`);
      ctx.go('request', r.id);
    },
  });
}

function actions(ctx: PageContext, r: Request): HTMLElement[] {
  const btn = (label: string, onclick: () => void, cls = '') =>
    h('button', { type: 'button', class: cls, onclick }, label);
  const released = (r.releases ?? []).length;
  const out: HTMLElement[] = [];
  const deny = () =>
    step(ctx, r, {
      title: 'Deny',
      label: 'Deny the request',
      reason: true,
      danger: true,
      mutation: 'denyDisclosureRequest',
      done: 'denied',
      summary: 'Nothing will be released. The request closes as DENIED with your reason.',
    });
  if (r.status === 'RECEIVED') {
    out.push(
      btn('Begin review', () =>
        step(ctx, r, {
          title: 'Begin review of',
          label: 'Begin review',
          mutation: 'beginDisclosureReview',
          done: 'under review',
          summary: 'Nothing will be released. The request moves to UNDER_REVIEW.',
        }),
      ),
    );
    if (r.instrument === 'SEARCH_WARRANT')
      out.push(btn('Approve…', () => approve(ctx, r), 'primary'));
    out.push(btn('Deny…', deny, 'danger'));
  }
  if (r.status === 'UNDER_REVIEW')
    out.push(
      btn('Approve…', () => approve(ctx, r), 'primary'),
      btn('Deny…', deny, 'danger'),
    );
  if (r.status === 'APPROVED') {
    out.push(
      btn('Fulfil…', () =>
        step(ctx, r, {
          title: 'Fulfil',
          label: 'Mark fulfilled',
          mutation: 'fulfillDisclosureRequest',
          done: 'fulfilled',
          summary: `The release is recorded as complete (${released} field(s) released so far: ${list((r.releases ?? []).map((x) => `${x.typeName}.${x.field}`))}) and the requester's access ends now.`,
        }),
      ),
    );
    if (r.instrument === 'EMERGENCY' && !r.ratifiedAt && !r.repudiatedAt)
      out.push(
        btn('Ratify…', () =>
          step(ctx, r, {
            title: 'Ratify',
            label: 'Ratify the release',
            mutation: 'ratifyEmergencyDisclosure',
            done: 'ratified',
            summary: `The emergency release of ${list(r.categories ?? [])} of ${(r.patrons ?? []).length} patron(s) to ${r.agency ?? 'the requester'} stands.`,
          }),
        ),
        btn(
          'Repudiate…',
          () =>
            step(ctx, r, {
              title: 'Repudiate',
              label: 'Repudiate the release',
              reason: true,
              danger: true,
              mutation: 'repudiateEmergencyDisclosure',
              done: 'repudiated',
              summary:
                "Nothing more will be released: the requester's access ends at once and the request becomes DENIED.",
            }),
          'danger',
        ),
      );
  }
  return out;
}

export const requestPage: Page = async (ctx, id) => {
  const { disclosureRequest: r } = await gql<{ disclosureRequest: Request | null }>(READ, { id });
  if (!r) return h('p', {}, 'Not found, or not yours to see.');
  const facts: [string, Node | string][] = [
    ['Request', r.id],
    ['Status', r.status ?? '—'],
    ['Instrument', `${r.instrument ?? '—'} ${r.instrumentReference ?? ''}`.trim()],
    ['Issued by', r.issuingAuthority ?? '—'],
    ['Requester', `${r.requesterName ?? '—'}, ${r.agency ?? '—'} (${r.requesterId ?? '—'})`],
    ['Patrons named', list((r.patrons ?? []).map((p) => p.id))],
    ['Categories', list(r.categories ?? [])],
    ['Records from', `${day(r.scopeFrom)} to ${day(r.scopeTo)}`],
    ['Received', `${when(r.receivedAt)} by ${r.receivedBy ?? '—'}`],
    [
      'Decided',
      r.decidedAt ? `${when(r.decidedAt)} by ${r.decidedBy} (${r.decisionAuthority})` : '—',
    ],
    ['Decision note', r.decisionNote ?? '—'],
    ['Access ends', when(r.accessExpiresAt)],
    ['Nondisclosure order', gagNote(r.nondisclosureUntil)],
  ];
  if (r.instrument === 'EMERGENCY')
    facts.push(
      ['Emergency justification', r.emergencyJustification ?? '—'],
      ['Ratify by', when(r.ratificationDueAt)],
      [
        'Ratified / repudiated',
        r.ratifiedAt
          ? `ratified ${when(r.ratifiedAt)}`
          : r.repudiatedAt
            ? `repudiated ${when(r.repudiatedAt)}`
            : 'not yet',
      ],
    );
  const buttons = actions(ctx, r);
  return h(
    'div',
    {},
    h(
      'p',
      {},
      h('button', { type: 'button', onclick: () => ctx.go('queue') }, 'Back to the queue'),
    ),
    h(
      'dl',
      { class: 'facts' },
      facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    h('h3', {}, 'Decide'),
    buttons.length
      ? h('div', { class: 'row' }, buttons)
      : h('p', { class: 'muted' }, `No step is open from ${r.status}.`),
    table(
      'Events (oldest first)',
      ['#', 'When', 'Action', 'From', 'To', 'By', 'Authority', 'Note'],
      (r.events ?? []).map((e) => [
        e.sequence,
        when(e.at),
        e.action ?? '—',
        e.fromStatus ?? '—',
        e.toStatus ?? '—',
        e.actorId ?? '—',
        e.authority ?? '—',
        e.note ?? '',
      ]),
    ),
    table(
      'Released under this request',
      ['Patron', 'Record', 'Field'],
      (r.releases ?? []).map((x) => [
        x.patronId ?? '(no longer linked)',
        x.typeName ?? '—',
        x.field ?? '—',
      ]),
      'nothing released yet.',
    ),
  );
};
