// Designations of alternates: their windows, a new one, and revocation (the Director only; the
// API refuses a designee, and the console says so in plain words).
import { gql } from '../api.js';
import { field, h, table, when } from '../dom.js';
import { confirmDialog, type Page, type PageContext } from '../ui.js';

interface Designation {
  id: string;
  directorId: string | null;
  alternateId: string | null;
  validFrom: string | null;
  validTo: string | null;
  reason: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  activeNow: boolean | null;
}

const LIST = `query ConsoleDesignations { designations(includeInactive: true) {
  id directorId alternateId validFrom validTo reason revokedAt revokedBy activeNow } }`;

function revoke(ctx: PageContext, d: Designation) {
  confirmDialog({
    title: `Revoke ${d.id}`,
    confirmLabel: 'Revoke now',
    danger: true,
    summary: () =>
      `${d.alternateId} loses the Director's powers at once (the window was to end ${when(d.validTo)}).`,
    onConfirm: async () => {
      await gql(
        `mutation ConsoleRevokeDesignation($id: ID!) { revokeDesignation(id: $id) { id revokedAt } }`,
        { id: d.id },
      );
      ctx.notice(`${d.id} revoked.`);
      ctx.go('designations');
    },
  });
}

function createForm(ctx: PageContext) {
  const alternate = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const from = h('input', {
    type: 'date',
    required: true,
    value: new Date().toISOString().slice(0, 10),
  });
  const to = h('input', { type: 'date', required: true });
  const reason = h('input', { type: 'text', required: true });
  return h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        confirmDialog({
          title: 'Designate an alternate',
          confirmLabel: 'Designate',
          summary: () =>
            `${alternate.value} holds the Director's powers from ${from.value} to ${to.value} (${reason.value}).`,
          onConfirm: async () => {
            const start =
              from.value === new Date().toISOString().slice(0, 10)
                ? new Date()
                : new Date(`${from.value}T00:00:00Z`);
            await gql(
              `mutation ConsoleDesignate($input: DesignateAlternateInput!) { designateAlternate(input: $input) { id } }`,
              {
                input: {
                  alternateId: alternate.value.trim(),
                  validFrom: start.toISOString(),
                  validTo: new Date(`${to.value}T23:59:59Z`).toISOString(),
                  reason: reason.value.trim(),
                },
              },
            );
            ctx.notice('Designation made.');
            ctx.go('designations');
          },
        });
      },
    },
    h('h3', {}, 'Designate an alternate'),
    field('Staff id of the alternate', alternate),
    h('div', { class: 'row' }, field('From', from), field('To', to)),
    field('Reason', reason),
    h('button', { type: 'submit', class: 'primary' }, 'Designate…'),
  );
}

export const designationsPage: Page = async (ctx) => {
  const { designations } = await gql<{ designations: Designation[] }>(LIST);
  return h(
    'div',
    {},
    table(
      'Designations, newest first',
      ['Id', 'Alternate', 'Window', 'Reason', 'State', ''],
      designations.map((d) => [
        d.id,
        d.alternateId ?? '—',
        `${when(d.validFrom)} to ${when(d.validTo)}`,
        d.reason ?? '—',
        d.revokedAt
          ? `revoked ${when(d.revokedAt)}`
          : d.activeNow
            ? 'active now'
            : 'outside its window',
        d.revokedAt || !d.activeNow
          ? ''
          : h(
              'button',
              { type: 'button', class: 'danger', onclick: () => revoke(ctx, d) },
              `Revoke ${d.id}…`,
            ),
      ]),
    ),
    createForm(ctx),
  );
};
