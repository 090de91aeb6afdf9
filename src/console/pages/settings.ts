// The patron's own settings (regulation 11): the checkout-history switch, contact details,
// notification preferences, and everything the library holds as a downloaded JSON file.
import { ApiError, gql, plainWords } from '../api.js';
import { field, h } from '../dom.js';
import { confirmDialog, type Page, type PageContext } from '../ui.js';

interface Me {
  email: string | null;
  phone: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  notifyByEmail: boolean | null;
  notifyBySms: boolean | null;
  keepCheckoutHistory: boolean | null;
}

const CONTACT = [
  'email',
  'phone',
  'addressLine1',
  'addressLine2',
  'city',
  'region',
  'postalCode',
] as const;
const LABELS: Record<(typeof CONTACT)[number], string> = {
  email: 'E-mail',
  phone: 'Telephone',
  addressLine1: 'Address',
  addressLine2: 'Address, second line',
  city: 'City',
  region: 'State or region',
  postalCode: 'Postal code',
};
const READ = `query ConsoleMe { me { ${CONTACT.join(' ')} notifyByEmail notifyBySms keepCheckoutHistory } }`;

function history(ctx: PageContext, me: Me) {
  const on = me.keepCheckoutHistory === true;
  const set = (keep: boolean, confirmDeletion: boolean) =>
    gql(
      `mutation ConsoleCheckoutHistory($keep: Boolean!, $confirm: Boolean) { setCheckoutHistory(keep: $keep, confirmDeletion: $confirm) { keepCheckoutHistory } }`,
      { keep, confirm: confirmDeletion },
    );
  const toggle = async () => {
    try {
      await set(!on, false);
      ctx.notice(on ? 'Checkout history is off.' : 'Checkout history is on.');
      ctx.go('settings');
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'CONFIRMATION_REQUIRED') throw err;
      const n = Number(err.extensions.returnedLoans ?? 0);
      confirmDialog({
        title: 'Switch checkout history off',
        confirmLabel: 'Switch off and delete',
        danger: true,
        summary: () => `${n} returned loan(s) will be unlinked from you at once and for good.`,
        onConfirm: async () => {
          await set(false, true);
          ctx.notice('Checkout history is off; returned loans are no longer linked to you.');
          ctx.go('settings');
        },
      });
    }
  };
  const error = h('div', { class: 'alert', role: 'alert' });
  return h(
    'section',
    {},
    h('h3', {}, 'Checkout history'),
    h(
      'p',
      {},
      on
        ? 'The library keeps a list of what you borrowed.'
        : 'The library forgets what you borrowed once it is returned.',
    ),
    h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(on),
        onclick: () => toggle().catch((e: unknown) => (error.textContent = plainWords(e))),
      },
      on ? 'Switch history off…' : 'Switch history on',
    ),
    error,
  );
}

function contact(ctx: PageContext, me: Me) {
  const inputs = CONTACT.map((k) => ({
    k,
    input: h('input', {
      type: k === 'email' ? 'email' : 'text',
      value: me[k] ?? '',
      autocomplete: 'off',
    }),
  }));
  return h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        confirmDialog({
          title: 'Change contact details',
          confirmLabel: 'Save',
          summary: () =>
            'Your contact details are replaced with what you entered (empty fields are cleared).',
          onConfirm: async () => {
            const input = Object.fromEntries(
              inputs.map(({ k, input: i }) => [k, i.value.trim() || null]),
            );
            await gql(
              `mutation ConsoleContact($input: MyContactInput!) { updateMyContact(input: $input) { id } }`,
              { input },
            );
            ctx.notice('Contact details saved.');
            ctx.go('settings');
          },
        });
      },
    },
    h('h3', {}, 'Contact details'),
    inputs.map(({ k, input }) => field(LABELS[k], input)),
    h('button', { type: 'submit', class: 'primary' }, 'Save contact details…'),
  );
}

function preferences(ctx: PageContext, me: Me) {
  const email = h('input', { type: 'checkbox', checked: me.notifyByEmail === true });
  const sms = h('input', { type: 'checkbox', checked: me.notifyBySms === true });
  const error = h('div', { class: 'alert', role: 'alert' });
  return h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await gql(
            `mutation ConsolePreferences($input: NotificationPreferencesInput!) { updateMyNotificationPreferences(input: $input) { id } }`,
            { input: { notifyByEmail: email.checked, notifyBySms: sms.checked } },
          );
          ctx.notice('Preferences saved.');
          ctx.go('settings');
        } catch (err) {
          error.textContent = plainWords(err);
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Notices'),
      h('label', {}, email, ' By e-mail'),
      ' ',
      h('label', {}, sms, ' By text message'),
    ),
    error,
    h('button', { type: 'submit' }, 'Save preferences'),
  );
}

function exportButton() {
  const error = h('div', { class: 'alert', role: 'alert' });
  const button = h('button', { type: 'button' }, 'Download everything the library holds about me');
  button.addEventListener('click', async () => {
    error.textContent = '';
    try {
      const { myDataExport } = await gql<{ myDataExport: unknown }>(
        `query ConsoleExport { myDataExport }`,
      );
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(myDataExport, null, 2)], { type: 'application/json' }),
      );
      const a = h('a', { href: url, download: 'my-library-record.json', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      error.textContent = plainWords(err);
    }
  });
  return h('section', {}, h('h3', {}, 'My data'), button, error);
}

export const settingsPage: Page = async (ctx) => {
  const { me } = await gql<{ me: Me | null }>(READ);
  if (!me) return h('p', {}, 'No patron record is linked to this sign-in.');
  return h(
    'div',
    {},
    history(ctx, me),
    contact(ctx, me),
    h('h3', {}, 'Notification preferences'),
    preferences(ctx, me),
    exportButton(),
  );
};
