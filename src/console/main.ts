// The privacy console: sign in, then the pages a principal's roles open. Every datum comes from
// our own GraphQL API through api.ts; nothing is kept outside this tab's memory.
import { ACCESS_PURPOSES, type AccessPurpose } from '../auth/purpose.js';
import { plainWords } from './api.js';
import { h } from './dom.js';
import { isPatron, session, setPurpose, signIn, signOut, type Session } from './session.js';
import type { Page, PageContext, PageName } from './ui.js';
import { queuePage } from './pages/queue.js';
import { requestPage } from './pages/request.js';
import { designationsPage } from './pages/designations.js';
import { auditPage } from './pages/audit.js';
import { healthPage } from './pages/health.js';
import { accessLogPage } from './pages/access-log.js';
import { settingsPage } from './pages/settings.js';

const PURPOSE_LABELS: Record<AccessPurpose, string> = {
  CIRCULATION_DESK: 'Circulation desk',
  ACCOUNT_SUPPORT: 'Account support',
  FINES_COLLECTION: 'Fines collection',
  REFERENCE_SERVICE: 'Reference service',
  DISCLOSURE_REVIEW: 'Disclosure review',
  RECORDS_AUDIT: 'Records audit',
  SAFETY_EMERGENCY: 'Safety emergency',
};

const PAGES: Record<PageName, { title: string; page: Page; nav: 'staff' | 'patron' | null }> = {
  queue: { title: 'Disclosure queue', page: queuePage, nav: 'staff' },
  request: { title: 'Disclosure request', page: requestPage, nav: null },
  designations: { title: 'Designations', page: designationsPage, nav: 'staff' },
  audit: { title: 'Audit explorer', page: auditPage, nav: 'staff' },
  health: { title: 'Log health', page: healthPage, nav: 'staff' },
  accessLog: { title: 'Who saw my record', page: accessLogPage, nav: 'patron' },
  settings: { title: 'My settings and data', page: settingsPage, nav: 'patron' },
};

const root = document.getElementById('app')!;

function purposeSelect(value: AccessPurpose | null, onChange: (p: AccessPurpose | null) => void) {
  const select = h(
    'select',
    { id: 'purpose', name: 'purpose' },
    h('option', { value: '' }, 'No purpose stated'),
    ACCESS_PURPOSES.map((p) => h('option', { value: p, selected: p === value }, PURPOSE_LABELS[p])),
  );
  select.addEventListener('change', () => onChange((select.value || null) as AccessPurpose | null));
  return select;
}

async function signInPage(message = ''): Promise<void> {
  let purpose: AccessPurpose | null = null;
  const error = h('div', { class: 'alert', role: 'alert' }, message);
  const token = h('textarea', { id: 'token', rows: 4, autocomplete: 'off', spellcheck: 'false' });
  const start = (t: string) => {
    const s = signIn(t, purpose);
    if (!s) {
      error.textContent = 'That is not a token from the identity provider.';
      return;
    }
    shell(s, isPatron(s) ? 'accessLog' : 'queue');
  };
  const demo = h('div');
  root.replaceChildren(
    h('header', {}, h('h1', {}, 'Privacy console')),
    h(
      'main',
      { id: 'main', tabindex: '-1' },
      h('h2', {}, 'Sign in'),
      error,
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'purpose' }, 'Purpose of this work (staff)'),
        purposeSelect(null, (p) => (purpose = p)),
      ),
      demo,
      h(
        'form',
        {
          onsubmit: (e: Event) => {
            e.preventDefault();
            start(token.value);
          },
        },
        h('h3', {}, 'With a token from the identity provider'),
        h('div', { class: 'field' }, h('label', { for: 'token' }, 'Access token'), token),
        h('button', { type: 'submit', class: 'primary' }, 'Sign in with this token'),
      ),
    ),
  );
  // Development only: the server lists demo principals, and answers 404 in production.
  const res = await fetch('/console/dev/principals', { cache: 'no-store' }).catch(() => null);
  if (!res?.ok) return;
  const principals = (await res.json()) as { key: string; label: string }[];
  demo.replaceChildren(
    h('h3', {}, 'Development: sign in as a demo principal'),
    h(
      'ul',
      {},
      principals.map((p) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                const r = await fetch('/console/dev/token', {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ principal: p.key }),
                  cache: 'no-store',
                });
                if (!r.ok) return void (error.textContent = 'The demo sign-in failed.');
                start(((await r.json()) as { token: string }).token);
              },
            },
            p.label,
          ),
        ),
      ),
    ),
  );
}

function shell(s: Session, first: PageName): void {
  const kind = isPatron(s) ? 'patron' : 'staff';
  const main = h('main', { id: 'main', tabindex: '-1' });
  const notice = h('div', { class: 'notice', role: 'status' });
  const navButtons = new Map<PageName, HTMLButtonElement>();
  const purposeNote = h('span', { id: 'purpose-shown' });
  const showPurpose = () =>
    (purposeNote.textContent = s.purpose ? PURPOSE_LABELS[s.purpose] : 'none stated');
  showPurpose();
  let shown: { name: PageName; arg?: string } = { name: first };
  // A success message outlives the page change it leads to (approve, then the request reloads).
  let pending: string | null = null;

  const ctx: PageContext = {
    go: (name, arg) => void render(name, arg),
    notice: (m) => {
      pending = m;
      notice.textContent = m;
    },
  };
  async function render(name: PageName, arg?: string): Promise<void> {
    shown = { name, arg };
    notice.textContent = pending ?? '';
    pending = null;
    for (const [n, b] of navButtons)
      if (n === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    const { title, page } = PAGES[name];
    document.title = `${title} · Privacy console`;
    const heading = h('h2', { tabindex: '-1' }, title);
    main.replaceChildren(heading, notice, h('p', { class: 'muted' }, 'Loading…'));
    let body: Node;
    try {
      body = await page(ctx, arg);
    } catch (err) {
      body = h('div', { class: 'alert', role: 'alert' }, plainWords(err));
    }
    if (shown.name !== name || shown.arg !== arg) return;
    main.replaceChildren(heading, notice, body);
    heading.focus();
  }

  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Privacy console'),
      h(
        'p',
        { id: 'who' },
        `Signed in as ${s.claims.sub} (${s.claims.roles.join(', ') || 'no role'})`,
      ),
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'purpose' }, 'Purpose:'),
        purposeSelect(s.purpose, (p) => {
          setPurpose(p);
          showPurpose();
          void render(shown.name, shown.arg);
        }),
        h('span', { class: 'muted' }, 'Stated: ', purposeNote),
      ),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            signOut();
            void signInPage();
          },
        },
        'Sign out',
      ),
    ),
    h(
      'nav',
      { 'aria-label': 'Pages' },
      h(
        'ul',
        {},
        (Object.keys(PAGES) as PageName[])
          .filter((n) => PAGES[n].nav === kind)
          .map((n) => {
            const b = h('button', { type: 'button', onclick: () => ctx.go(n) }, PAGES[n].title);
            navButtons.set(n, b);
            return h('li', {}, b);
          }),
      ),
    ),
    main,
  );
  void render(first);
}

if (session()) shell(session()!, 'queue');
else void signInPage();
