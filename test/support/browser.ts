// Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
// (playwright's own browser download cannot reach the internet here). `.ci/run` installs the
// package when it is missing.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is installed; a browser test fails (never skips) in CI when it is not. */
export const chromiumInstalled = existsSync(CHROMIUM_PATH);

export interface TestBrowser {
  browser: Browser;
  /** A fresh page in its own context (no shared storage between tests). */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

// As root Chromium needs --no-sandbox; without the background-networking flags it keeps trying
// to reach Google's hosts, which this machine's closed network refuses.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<TestBrowser> {
  if (!chromiumInstalled) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium`);
  }
  // playwright gives every launch its own fresh, temporary profile.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
  });
  return {
    browser,
    async newPage() {
      const context = await browser.newContext();
      return context.newPage();
    },
    async close() {
      await browser.close();
    },
  };
}
