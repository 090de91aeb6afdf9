// One subgraph with the console enabled and one Chromium per test file: signing in through the
// console's own demo sign-in, reading back the audit rows the clicks produced, axe-core in the page,
// and screenshots (an ignored folder; `npm run screenshots` writes docs/screenshots instead).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

export interface ConsoleHarness {
  t: TestServer;
  origin: string;
  browser: TestBrowser;
  /** A fresh page (own context) at the console's sign-in. */
  open(options?: { width?: number }): Promise<Page>;
  stop(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleHarness> {
  const [t, browser] = await Promise.all([
    buildConsole().then(() =>
      startTestServer({ env: { CONSOLE_ENABLED: 'true', ...env }, devTokens: true }),
    ),
    launchBrowser(),
  ]);
  const origin = new URL(t.url).origin;
  return {
    t,
    origin,
    browser,
    async open(options = {}) {
      const context = await browser.browser.newContext({
        viewport: { width: options.width ?? 1100, height: 800 },
        acceptDownloads: true,
      });
      const page = await context.newPage();
      await page.goto(`${origin}/console/`);
      await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      return page;
    },
    async stop() {
      await browser.close();
      await t.stop();
    },
  };
}

/** Signs in as a demo principal with a stated purpose (the console's development sign-in). */
export async function signIn(page: Page, principal: string, purpose?: string): Promise<void> {
  if (purpose) await page.getByLabel('Purpose of this work (staff)').selectOption(purpose);
  await page.getByRole('button', { name: principal, exact: true }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

/** The newest audit row's sequence number: rows after it are what the next clicks produce. */
export async function auditMark(t: TestServer): Promise<number> {
  const [r] = await t.db.raw('select coalesce(max(seq), 0) as seq from audit_events');
  return Number(r!.seq);
}

export interface AuditLine {
  operation: string | null;
  principal: string | null;
  purpose: string | null;
  type: string;
  fields: string[];
  outcome: string;
  basis: string | null;
  basisRef: string | null;
}

/** The rows written after `mark`, oldest first, as comparable lines. */
export async function auditSince(t: TestServer, mark: number): Promise<AuditLine[]> {
  const rows = await t.db.raw(
    `select operation_name, principal_id, purpose, type_name, fields, outcome, basis, basis_ref
     from audit_events where seq > $1 order by seq`,
    [mark],
  );
  return rows.map((r) => ({
    operation: r.operation_name as string | null,
    principal: r.principal_id as string | null,
    purpose: r.purpose as string | null,
    type: r.type_name as string,
    fields: r.fields as string[],
    outcome: r.outcome as string,
    basis: r.basis as string | null,
    basisRef: r.basis_ref as string | null,
  }));
}

const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? join('test', 'console', '.screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it stands. The source is evaluated
 * through the DevTools protocol, so the console's CSP (script-src 'self') stays in force.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const r = await axe.run();
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Whether the page fits its viewport without sideways scrolling (200% zoom at 640 CSS px). */
export const fitsWidth = (page: Page): Promise<boolean> =>
  page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
