// The development explorer in a real browser (Debian's Chromium driven by playwright-core): GET
// /graphql serves GraphiQL from the project's own dependencies, a query with a demo token and a
// purpose in the header editor gets the data, and without the purpose PURPOSE_REQUIRED. Requests
// that are not a browser asking for a page still meet Apollo's CSRF prevention, and production
// has no explorer.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

let t: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  t = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const QUERY = '{ patron(id: "pat_adalovelace") { name cardNumber } }';

/** Replaces an editor's text the way a user pastes it (no auto-closed brackets). */
async function fill(page: Page, editor: string, text: string) {
  await page.locator(editor).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Runs QUERY in the explorer with these headers; returns the response editor's text. */
async function run(page: Page, headers: Record<string, string>): Promise<string> {
  await page.getByText('Headers', { exact: true }).click();
  await fill(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify(headers));
  await fill(page, '.graphiql-query-editor .graphiql-editor', QUERY);
  const answered = page.waitForResponse(
    (r) => r.url().endsWith('/graphql') && r.request().method() === 'POST',
  );
  await page.locator('.graphiql-execute-button').click();
  await answered;
  const result = page.locator('.graphiql-response');
  await expect
    .poll(async () => (await result.innerText()).length, { timeout: 15_000 })
    .toBeGreaterThan(10);
  // Monaco draws spaces as no-break spaces.
  return (await result.innerText()).replace(/\u00a0/g, ' ');
}

describe('the explorer in Chromium', () => {
  test('GET /graphql serves GraphiQL from our own dependencies: no request leaves for a CDN', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (
        !['127.0.0.1', 'localhost'].includes(url.hostname) &&
        !['blob:', 'data:'].includes(url.protocol)
      )
        foreign.push(url.host);
    });
    const res = await page.goto(t.url);
    expect(res?.status()).toBe(200);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    expect(foreign).toEqual([]);
  });

  test('a demo token and a purpose in the header editor: the data', async () => {
    const page = await browser.newPage();
    await page.goto(t.url);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    const token = await t.issuer.mint(AS.director);
    const text = await run(page, {
      authorization: `Bearer ${token}`,
      'x-access-purpose': 'RECORDS_AUDIT',
    });
    expect(text).toContain('"name": "Ada Lovelace"');
    expect(text).not.toContain('errors');
  });

  test('reg. 2, 4: the same token without a purpose: PURPOSE_REQUIRED, no data', async () => {
    const page = await browser.newPage();
    await page.goto(t.url);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    const token = await t.issuer.mint(AS.director);
    const text = await run(page, { authorization: `Bearer ${token}` });
    expect(text).toContain('PURPOSE_REQUIRED');
    expect(text).not.toContain('Ada Lovelace');
  });
});

describe('outside the browser nothing changed', () => {
  test('CSRF prevention: a GET operation without a preflight-forcing header is refused, whatever it accepts', async () => {
    for (const accept of ['application/json', 'text/html', '*/*']) {
      const res = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept },
      });
      expect({ accept, status: res.status, html: (await res.text()).includes('<html') }).toEqual({
        accept,
        status: 400,
        html: false,
      });
    }
  });

  test('a client that does not ask for HTML gets no page', async () => {
    const res = await fetch(t.url, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  test('production: no explorer', async () => {
    const { explorerHandler } = await import('../../src/http/explorer.js');
    expect(explorerHandler('production')).toBeUndefined();
    expect(explorerHandler('development')).toBeTypeOf('function');
  });
});
