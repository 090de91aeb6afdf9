// The Director's work list: requests received, under review, approved with access closing soon,
// and emergency releases awaiting ratification, each with its deadline and any nondisclosure order.
import { gql } from '../api.js';
import { day, h, table, when } from '../dom.js';
import type { Page, PageContext } from '../ui.js';

interface Row {
  id: string;
  instrument: string | null;
  agency: string | null;
  status: string | null;
  receivedAt: string | null;
  accessExpiresAt: string | null;
  ratificationDueAt: string | null;
  nondisclosureUntil: string | null;
}

const QUEUE = `query ConsoleQueue {
  disclosureQueue {
    pendingReview { ...QueueRow }
    nearingExpiry { ...QueueRow }
    unratifiedEmergencies { ...QueueRow }
  }
}
fragment QueueRow on DisclosureRequest {
  id instrument agency status receivedAt accessExpiresAt ratificationDueAt nondisclosureUntil
}`;

export const gagNote = (until: string | null) =>
  until && new Date(until) > new Date()
    ? h('span', { class: 'gag' }, `Nondisclosure order until ${day(until)}`)
    : 'None';

function rows(ctx: PageContext, list: Row[], deadline: (r: Row) => string) {
  return list.map((r) => [
    h('button', { type: 'button', onclick: () => ctx.go('request', r.id) }, `Open ${r.id}`),
    r.instrument ?? '—',
    r.agency ?? '—',
    r.status ?? '—',
    when(r.receivedAt),
    deadline(r),
    gagNote(r.nondisclosureUntil),
  ]);
}

const HEAD = ['Request', 'Instrument', 'Agency', 'Status', 'Received', 'Deadline', 'Nondisclosure'];

export const queuePage: Page = async (ctx) => {
  const { disclosureQueue: q } = await gql<{
    disclosureQueue: { pendingReview: Row[]; nearingExpiry: Row[]; unratifiedEmergencies: Row[] };
  }>(QUEUE);
  const review = (r: Row) => `Decide without delay (received ${day(r.receivedAt)})`;
  return h(
    'div',
    {},
    table(
      'Received',
      HEAD,
      rows(
        ctx,
        q.pendingReview.filter((r) => r.status === 'RECEIVED'),
        review,
      ),
    ),
    table(
      'Under review',
      HEAD,
      rows(
        ctx,
        q.pendingReview.filter((r) => r.status === 'UNDER_REVIEW'),
        review,
      ),
    ),
    table(
      'Approved, access closing soon',
      HEAD,
      rows(ctx, q.nearingExpiry, (r) => `Access ends ${when(r.accessExpiresAt)}`),
    ),
    table(
      'Emergency releases awaiting ratification',
      HEAD,
      rows(ctx, q.unratifiedEmergencies, (r) => `Ratify by ${when(r.ratificationDueAt)}`),
    ),
  );
};
