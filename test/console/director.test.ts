// The Director's desk in a real Chromium: deciding from the queue (pointer and keyboard only),
// refusals for a designee outside its window and a circulation clerk, axe-core on the main pages
// and reflow at 200% zoom. Every test checks the audit rows its clicks produced.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  auditMark,
  auditSince,
  axeViolations,
  fitsWidth,
  screenshot,
  signIn,
  startConsole,
  type ConsoleHarness,
} from './support.js';

// A browser on a shared two-core machine: generous limits.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let c: ConsoleHarness;
beforeAll(async () => {
  c = await startConsole();
  // A request whose access closes within the warning period, so the queue always lists one.
  await c.t.db.raw(
    `update disclosure_requests set access_expires_at = now() + interval '3 days' where id = 'dr_approved'`,
  );
}, 120_000);
afterAll(() => c?.stop());

const FORBIDDEN_WORDS =
  'You are not allowed to see or do this, so nothing was shown or changed. The refusal is recorded in the audit log.';

async function statusOf(id: string): Promise<{ status: string; categories: string[] }> {
  const [r] = await c.t.db.raw('select status, categories from disclosure_requests where id = $1', [
    id,
  ]);
  return { status: r!.status as string, categories: r!.categories as string[] };
}

describe('the Director', () => {
  test('signs in, approves a request from the queue with narrowing, and sees it change state', async () => {
    const page = await c.open();
    await signIn(page, 'Director (custodian of records)', 'DISCLOSURE_REVIEW');
    await expect(page.locator('#purpose-shown').textContent()).resolves.toBe('Disclosure review');
    const underReview = page.getByRole('table', { name: 'Under review' });
    await underReview.getByRole('button', { name: 'Open dr_underreview' }).waitFor();
    await screenshot(page, 'queue');
    const mark = await auditMark(c.t);
    await underReview.getByRole('button', { name: 'Open dr_underreview' }).click();
    await page.getByRole('button', { name: 'Approve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve dr_underreview' });
    await dialog.getByRole('checkbox', { name: 'CIRCULATION' }).uncheck();
    await expect(dialog.locator('.summary').textContent()).resolves.toMatch(
      /^District Court \(req_court\) may read IDENTITY of 1 patron\(s\) \(pat_benokafor\), records from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, until \d{4}-\d\d-\d\d\.$/,
    );
    await screenshot(page, 'approve-confirmation');
    await dialog.getByRole('button', { name: 'Approve and release' }).click();
    await page.getByRole('status').filter({ hasText: 'dr_underreview approved.' }).waitFor();
    await expect(page.locator('dl.facts dd').nth(1).textContent()).resolves.toBe('APPROVED');
    await screenshot(page, 'request-detail');
    expect(await statusOf('dr_underreview')).toEqual({
      status: 'APPROVED',
      categories: ['IDENTITY'],
    });

    const rows = await auditSince(c.t, mark);
    // Opening the request (its fields), the approval itself, then reading it back: all on the
    // Director's own authority, none refused.
    const seen = new Set(rows.map((r) => `${r.operation}|${r.type}|${r.outcome}|${r.basis}`));
    expect([...seen].sort()).toEqual([
      'ConsoleApprove|DisclosureRequest|GRANTED|DIRECTOR',
      'ConsoleApprove|Mutation|GRANTED|DIRECTOR',
      'ConsoleRequest|DisclosureEvent|GRANTED|DIRECTOR',
      'ConsoleRequest|DisclosureRequest|GRANTED|DIRECTOR',
    ]);
    expect(rows.find((r) => r.type === 'Mutation')?.fields).toEqual(['approveDisclosureRequest']);
    expect(
      rows.every((r) => r.principal === 'staff_director' && r.purpose === 'DISCLOSURE_REVIEW'),
    ).toBe(true);
  });

  test('decides a request with the keyboard alone (deny with a reason)', async () => {
    const page = await c.open();
    const focusedText = () =>
      page.evaluate('document.activeElement?.textContent ?? ""') as Promise<string>;
    const tabTo = async (text: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        if ((await focusedText()).trim() === text) return;
      }
      throw new Error(`never reached "${text}" with Tab`);
    };
    // Purpose first: the select is the first control after the skip link.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('purpose');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    expect(await page.evaluate('document.activeElement.value')).toBe('DISCLOSURE_REVIEW');
    await tabTo('Director (custodian of records)');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Open dr_received' }).waitFor();
    const mark = await auditMark(c.t);
    await tabTo('Open dr_received');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Deny…' }).waitFor();
    await tabTo('Deny…');
    await page.keyboard.press('Enter');
    // The dialog takes focus on its first control: the reason.
    await page.getByRole('dialog', { name: 'Deny dr_received' }).waitFor();
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    await page.keyboard.type('The subpoena names no patron of this library.');
    await tabTo('Deny the request');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'dr_received: denied.' }).waitFor();
    expect((await statusOf('dr_received')).status).toBe('DENIED');
    const [r] = await c.t.db.raw('select decision_note from disclosure_requests where id = $1', [
      'dr_received',
    ]);
    expect(r!.decision_note).toBe('The subpoena names no patron of this library.');
    expect(await auditSince(c.t, mark)).toContainEqual({
      operation: 'ConsoleDenyDisclosureRequest',
      principal: 'staff_director',
      purpose: 'DISCLOSURE_REVIEW',
      type: 'Mutation',
      fields: ['denyDisclosureRequest'],
      outcome: 'GRANTED',
      basis: 'DIRECTOR',
      basisRef: null,
    });
  });
});

describe('who may not decide', () => {
  async function refusedQueue(label: string, sub: string) {
    const page = await c.open();
    await signIn(page, label, 'DISCLOSURE_REVIEW');
    // Staff land on the queue: its refusal is answered (and so audited) before the mark is taken.
    await page.getByRole('alert').filter({ hasText: FORBIDDEN_WORDS }).waitFor();
    const mark = await auditMark(c.t);
    await page.getByRole('button', { name: 'Disclosure queue' }).click();
    await page.getByRole('alert').filter({ hasText: FORBIDDEN_WORDS }).waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Open dr_/ }).count()).toBe(0);
    // The same alert was already on the page: wait for the click's own row.
    await expect
      .poll(() => auditSince(c.t, mark))
      .toEqual([
        {
          operation: 'ConsoleQueue',
          principal: sub,
          purpose: 'DISCLOSURE_REVIEW',
          type: 'Query',
          fields: ['disclosureQueue'],
          outcome: 'DENIED',
          basis: null,
          basisRef: 'FORBIDDEN',
        },
      ]);
    return page;
  }

  test('a designee outside its window is refused the queue', async () => {
    await refusedQueue('Designated alternate, window closed', 'staff_formerdeputy');
  });

  test('a circulation clerk sees no queue', async () => {
    const page = await refusedQueue('Circulation clerk', 'staff_circ');
    await screenshot(page, 'refused-clerk');
  });

  test('the designee inside its window sees the queue, on the designation', async () => {
    const page = await c.open();
    const mark = await auditMark(c.t);
    await signIn(page, 'Designated alternate, window open', 'DISCLOSURE_REVIEW');
    await page.getByRole('button', { name: 'Open dr_approved' }).waitFor();
    const rows = await auditSince(c.t, mark);
    expect(
      rows
        .filter((r) => r.operation === 'ConsoleQueue')
        .map((r) => [r.principal, r.purpose, r.type, r.outcome, r.basis, r.basisRef]),
    ).toEqual([
      [
        'staff_deputy',
        'DISCLOSURE_REVIEW',
        'DisclosureRequest',
        'GRANTED',
        'DESIGNEE',
        'des_deputyactive',
      ],
    ]);
  });
});

describe('accessibility', () => {
  let page: Page;
  beforeAll(async () => {
    page = await c.open();
    await signIn(page, 'Director (custodian of records)', 'RECORDS_AUDIT');
  });

  test('no serious or critical axe-core violation on the desk pages, and they reflow at 200% zoom', async () => {
    const found: Record<string, unknown[]> = {};
    const check = async (name: string) => {
      found[name] = await axeViolations(page);
      await screenshot(page, name);
    };
    await page.getByRole('table', { name: 'Approved, access closing soon' }).waitFor();
    await check('queue-axe');
    await page.getByRole('button', { name: 'Open dr_approved' }).click();
    await page.getByRole('button', { name: 'Fulfil…' }).waitFor();
    await check('request');
    await page.getByRole('button', { name: 'Fulfil…' }).click();
    await page.getByRole('dialog').waitFor();
    await check('fulfil-confirmation');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Designations' }).click();
    await page.getByRole('table', { name: 'Designations, newest first' }).waitFor();
    await check('designations');
    await page.getByRole('button', { name: 'Audit explorer' }).click();
    await page.getByLabel('Patron id').fill('pat_adalovelace');
    await page.getByRole('button', { name: 'Search the audit log' }).click();
    await page
      .getByRole('heading', { name: 'Access timeline (requests per day, by basis)' })
      .waitFor();
    await check('audit-explorer');
    await page.getByRole('button', { name: 'Log health' }).click();
    await page.getByText('Last signed head').waitFor();
    await check('log-health');
    expect(found).toEqual({
      'queue-axe': [],
      request: [],
      'fulfil-confirmation': [],
      designations: [],
      'audit-explorer': [],
      'log-health': [],
    });
    // 200% zoom of a 1280-pixel window: 640 CSS pixels wide, nothing scrolls sideways.
    const narrow = await c.open({ width: 640 });
    await signIn(narrow, 'Director (custodian of records)', 'RECORDS_AUDIT');
    await narrow.getByRole('button', { name: 'Open dr_approved' }).waitFor();
    expect(await fitsWidth(narrow)).toBe(true);
    await screenshot(narrow, 'queue-200-percent');
  });
});
