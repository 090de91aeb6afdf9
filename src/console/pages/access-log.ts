// "Who saw my record": the patron's access log as a timeline, newest first. The API leaves out
// accesses under a nondisclosure order in force; the console shows exactly what it is given.
import { gql } from '../api.js';
import { h, when } from '../dom.js';
import type { Page } from '../ui.js';

interface Entry {
  at: string | null;
  roles: string[] | null;
  staffId: string | null;
  thirdPartyId: string | null;
  categories: string[] | null;
  basis: string | null;
  basisRef: string | null;
}

const READ = `query ConsoleAccessLog($after: String) { me { accessLog(first: 20, after: $after) {
  nodes { at roles staffId thirdPartyId categories basis basisRef } pageInfo { hasNextPage endCursor } } } }`;

const BASIS: Record<string, string> = {
  STAFF_PURPOSE: 'library staff, for a stated purpose',
  DIRECTOR: 'the Director, custodian of records',
  DESIGNEE: "the Director's designated alternate",
  DISCLOSURE: 'a third party, under a disclosure request',
  VENDOR_SCOPE: 'a service you enrolled in',
  GUARDIAN_GRANT: 'a guardian you allowed',
  CONSENT: 'someone you gave consent to',
};

function item(e: Entry) {
  const who = e.staffId ? `Staff ${e.staffId}` : e.thirdPartyId ? `${e.thirdPartyId}` : 'Someone';
  return h(
    'li',
    {},
    h('strong', {}, when(e.at)),
    h(
      'div',
      {},
      `${who} (${(e.roles ?? []).join(', ')}) read: ${(e.categories ?? []).join(', ') || '—'}`,
    ),
    h(
      'div',
      { class: 'muted' },
      `As ${BASIS[e.basis ?? ''] ?? e.basis ?? '—'}${e.basisRef ? ` (${e.basisRef})` : ''}`,
    ),
  );
}

export const accessLogPage: Page = async () => {
  const list = h('ol', { class: 'timeline', 'aria-label': 'Accesses, newest first' });
  const more = h('button', { type: 'button' }, 'Show older accesses');
  const load = async (after: string | null) => {
    const { me } = await gql<{
      me: {
        accessLog: {
          nodes: Entry[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        } | null;
      } | null;
    }>(READ, { after });
    const page = me?.accessLog;
    list.append(...(page?.nodes ?? []).map(item));
    more.hidden = !page?.pageInfo.hasNextPage;
    more.onclick = () => void load(page?.pageInfo.endCursor ?? null);
    return page?.nodes.length ?? 0;
  };
  const n = await load(null);
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'Everyone other than you who read your record, and why. Your own reads are not listed.',
    ),
    n ? list : h('p', {}, 'Nobody else has read your record.'),
    more,
  );
};
