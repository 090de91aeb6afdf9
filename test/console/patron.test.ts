// The patron's side and the volunteer's in a real Chromium: "who saw my record" (and not an access
// under a nondisclosure order in force), the data export as a download, a volunteer who sees no
// personal data on any page, and axe-core on the patron's pages. Each test checks its audit rows.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { AS } from '../support/tokens.js';
import {
  auditMark,
  auditSince,
  axeViolations,
  screenshot,
  signIn,
  startConsole,
  type ConsoleHarness,
} from './support.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let c: ConsoleHarness;
beforeAll(async () => {
  c = await startConsole();
  // Two accesses to Ada's record by others: the circulation desk's, and the police's under an
  // approved request that now carries a nondisclosure order in force.
  const desk = await c.t.gql('{ patron(id: "pat_adalovelace") { name } }', {
    as: AS.circulation,
    purpose: 'CIRCULATION_DESK',
  });
  expect(desk.body.data).toEqual({ patron: { name: 'Ada Lovelace' } });
  await c.t.db.raw(
    `update disclosure_requests set nondisclosure_until = now() + interval '60 days' where id = 'dr_approved'`,
  );
  const police = await c.t.gql('{ patron(id: "pat_adalovelace") { name } }', { as: AS.police });
  expect(police.body.data).toEqual({ patron: { name: 'Ada Lovelace' } });
}, 120_000);
afterAll(() => c?.stop());

describe('Ada, a patron', () => {
  test('sees who accessed her record, and not the access under a nondisclosure order', async () => {
    // The gagged access is in the log: the console leaves it out because the API does.
    const gagged = await c.t.db.raw(
      `select count(*)::int as n from audit_events where 'requester' = any(principal_roles) and basis = 'DISCLOSURE' and basis_ref = 'dr_approved' and outcome = 'GRANTED'`,
    );
    expect(gagged[0]!.n).toBeGreaterThan(0);
    const page = await c.open();
    const mark = await auditMark(c.t);
    await signIn(page, 'Patron (demo patron 1)');
    const timeline = page.getByRole('list', { name: 'Accesses, newest first' });
    await timeline.waitFor();
    const text = (await timeline.textContent()) ?? '';
    expect(text).toContain('Staff staff_circ (circulation) read: IDENTITY');
    expect(text).toContain('As library staff, for a stated purpose');
    expect(text).not.toContain('police');
    expect(text).not.toContain('dr_approved');
    await screenshot(page, 'who-saw-my-record');
    const rows = await auditSince(c.t, mark);
    expect(rows.map((r) => [r.operation, r.type, r.fields, r.outcome, r.basis])).toEqual([
      [
        'ConsoleAccessLog',
        'AccessLogEntry',
        ['at', 'basis', 'basisRef', 'categories', 'roles', 'staffId', 'thirdPartyId'],
        'GRANTED',
        'SELF',
      ],
      ['ConsoleAccessLog', 'Patron', ['accessLog'], 'GRANTED', 'SELF'],
    ]);
    expect((await axeViolations(page)).map((v) => v.id)).toEqual([]);
  });

  test('downloads her data export, and switches checkout history after a confirmation', async () => {
    const page = await c.open();
    await signIn(page, 'Patron (demo patron 1)');
    await page.getByRole('button', { name: 'My settings and data' }).click();
    await page.getByRole('heading', { name: 'Checkout history' }).waitFor();
    expect((await axeViolations(page)).map((v) => v.id)).toEqual([]);
    await screenshot(page, 'patron-settings');
    const mark = await auditMark(c.t);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download everything the library holds about me' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('my-library-record.json');
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(exported)).toContain('pat_adalovelace');
    expect(JSON.stringify(exported)).not.toContain('req_police');
    expect(
      (await auditSince(c.t, mark))
        .filter((r) => r.operation === 'ConsoleExport')
        .map((r) => [r.type, r.fields, r.outcome]),
    ).toContainEqual(['DataExport', ['myDataExport'], 'GRANTED']);

    const before = await auditMark(c.t);
    await page.getByRole('button', { name: 'Switch history off…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Switch checkout history off' });
    await expect(dialog.locator('.summary').textContent()).resolves.toMatch(
      /^\d+ returned loan\(s\) will be unlinked from you at once and for good\.$/,
    );
    await dialog.getByRole('button', { name: 'Switch off and delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Checkout history is off' }).waitFor();
    const [ada] = await c.t.db.raw(
      `select keep_checkout_history from patrons where id = 'pat_adalovelace'`,
    );
    expect(ada!.keep_checkout_history).toBe(false);
    const ops = (await auditSince(c.t, before)).filter(
      (r) => r.operation === 'ConsoleCheckoutHistory',
    );
    expect(ops.map((r) => [r.type, r.fields, r.outcome])).toContainEqual([
      'Mutation',
      ['setCheckoutHistory'],
      'GRANTED',
    ]);
  });
});

describe('a volunteer', () => {
  test('sees no personal data on any page: every desk page is refused in plain words', async () => {
    const page = await c.open();
    await signIn(page, 'Volunteer', 'CIRCULATION_DESK');
    // Staff land on the queue: its refusal (and so its audit row) comes before the mark.
    await page.getByRole('alert').filter({ hasText: 'You are not allowed' }).waitFor();
    const mark = await auditMark(c.t);
    const seen: string[] = [];
    for (const name of ['Disclosure queue', 'Designations', 'Audit explorer', 'Log health']) {
      await page.getByRole('button', { name }).click();
      if (name === 'Audit explorer') {
        await page.getByLabel('Patron id').fill('pat_benokafor');
        await page.getByRole('button', { name: 'Search the audit log' }).click();
      }
      await page.getByRole('alert').filter({ hasText: 'You are not allowed' }).waitFor();
      seen.push(
        (await page.locator('main').innerText()) + (await page.locator('header').innerText()),
      );
    }
    await screenshot(page, 'volunteer-refused');
    const text = seen.join('\n');
    // Names, contact details, card numbers, birth dates and patron ids of the demo library.
    const demo = await c.t.db.raw(
      'select id, name, email, phone, card_number, birth_date::text as b from patrons',
    );
    for (const p of demo)
      for (const v of [p.name, p.email, p.phone, p.card_number, p.b])
        if (typeof v === 'string' && v)
          expect(text, 'personal data on a volunteer page').not.toContain(v);
    // The patron id the volunteer typed into the filter is the only one on the page.
    expect(text.match(/pat_\w+/g) ?? []).toEqual([]);
    // The first click re-asks a page already refused: its row may land after the alert is shown.
    await expect
      .poll(() => auditSince(c.t, mark))
      .toEqual(
        [
          'ConsoleQueue|disclosureQueue',
          'ConsoleDesignations|designations',
          'ConsoleAuditEvents|auditEvents',
          'ConsoleLogHealth|auditLogHealth',
        ].map((x) => {
          const [operation, field] = x.split('|');
          return {
            operation,
            principal: 'staff_vol',
            purpose: 'CIRCULATION_DESK',
            type: 'Query',
            fields: [field],
            outcome: 'DENIED',
            basis: null,
            basisRef: 'FORBIDDEN',
          };
        }),
      );
  });
});
