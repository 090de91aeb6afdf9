// The GraphQL-over-HTTP conformance audit of the graphql-http package, run against the real
// server. Every MUST audit is its own test (the output lists them); SHOULD and MAY audits are
// recorded, and the ones the server does not meet are pinned with the reason.
import { serverAudits, type Audit, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ seed: false });
});
afterAll(() => t?.stop());

const audits: Audit[] = serverAudits({ url: () => t.url });
const must = audits.filter((a) => a.name.startsWith('MUST'));
const others = audits.filter((a) => !a.name.startsWith('MUST'));

async function run(audit: Audit): Promise<AuditResult> {
  return audit.fn();
}

describe('graphql-http audit: MUST', () => {
  test('the audit lists 13 MUST checks (graphql-http 1.23.1)', () => {
    expect(must.length).toBe(13);
  });

  test.each(must.map((a) => [a.id, a.name, a] as const))('%s %s', async (_id, _name, audit) => {
    const result = await run(audit);
    expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
  });
});

/**
 * The recommendations the server does not follow, and why:
 * - Apollo Server answers parse, validation and coercion failures with 400 also for
 *   `accept: application/json` (the spec's legacy-client watershed recommends 200 there);
 * - GET requests without a preflight-forcing header are refused by CSRF prevention, which the
 *   audit's plain GETs are.
 */
const KNOWN_DEVIATIONS = {
  '572B SHOULD use 200 status code on document parsing failure when accepting application/json':
    'warn: Response status code is not 200',
  'FDE2 SHOULD use 200 status code on document validation failure when accepting application/json':
    'warn: Response status code is not 200',
  '7B9B SHOULD use a status code of 200 on variable coercion failure when accepting application/json':
    'warn: Response status code is not 200',
  '5A70 MAY accept application/x-www-form-urlencoded formatted GET requests':
    'notice: Response status code is not 200',
  'D6D5 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json':
    'notice: Response status code is not 200',
  '6A70 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json':
    'notice: Response status code is not 200',
};

describe('graphql-http audit: SHOULD and MAY', () => {
  test('every recommendation is met except the known deviations', async () => {
    const missed: Record<string, string> = {};
    for (const a of others) {
      const r = await run(a);
      if (r.status !== 'ok') missed[`${a.id} ${a.name}`] = `${r.status}: ${r.reason}`;
    }
    expect(missed).toEqual(KNOWN_DEVIATIONS);
    expect(others.length - Object.keys(missed).length).toBe(42);
  });
});
