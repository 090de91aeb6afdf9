// The console's door to the API (docs/console.md): POST /console/graphql runs the same Apollo
// Server as /graphql (schema, rule tree, audit, limits) and admits a bearer token without the
// router secret, which /graphql still demands. Also: the console's headers, its absence when
// disabled, the development sign-in's absence in production, and the two aggregate queries.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildConsole } from '../../scripts/build-console.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { nextRequestId } from '../support/audit.js';
import { CONSOLE_CSP } from '../../src/http/console.js';

const SECRET = 'router-secret-for-the-console-entry-test-0123456789';
let t: TestServer;
let origin: string;

beforeAll(async () => {
  await buildConsole();
  t = await startTestServer({
    env: { CONSOLE_ENABLED: 'true', ROUTER_SECRET: SECRET },
    devTokens: true,
  });
  origin = new URL(t.url).origin;
}, 120_000);
afterAll(() => t?.stop());

async function post(
  path: string,
  query: string,
  o: {
    as?: TokenSpec;
    purpose?: string;
    headers?: Record<string, string>;
    requestId?: string;
  } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
  if (o.as) headers.authorization = `Bearer ${await t.issuer.mint(o.as)}`;
  if (o.purpose) headers['x-access-purpose'] = o.purpose;
  if (o.requestId) headers['x-request-id'] = o.requestId;
  const res = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** The audit rows of one request, without what differs by entry (request id, via router, time). */
async function rowsOf(requestId: string) {
  const rows = await t.db.raw(
    `select principal_id, purpose, type_name, fields, category, outcome, basis, basis_ref, rule, via_router
     from audit_events where request_id = $1 order by seq`,
    [requestId],
  );
  return rows.map(({ via_router: _via, ...r }) => r);
}
const viaRouterOf = async (requestId: string) =>
  (
    await t.db.raw('select distinct via_router from audit_events where request_id = $1', [
      requestId,
    ])
  ).map((r) => r.via_router);

const QUEUE = '{ disclosureQueue { pendingReview { id status agency } } }';
const ROUTER = { 'x-router-secret': SECRET };

describe('the console entry beside the router-only /graphql', () => {
  test('/graphql still refuses a bearer token without the router secret (401)', async () => {
    const r = await post('/graphql', QUEUE, { as: AS.director, purpose: 'DISCLOSURE_REVIEW' });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      errors: [
        {
          message: 'This service accepts requests from the federated router only.',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });

  test('a grant: the same data and the same audit rows as through the router', async () => {
    const [a, b] = [nextRequestId('console'), nextRequestId('router')];
    const viaConsole = await post('/console/graphql', QUEUE, {
      as: AS.director,
      purpose: 'DISCLOSURE_REVIEW',
      requestId: a,
    });
    const viaRouter = await post('/graphql', QUEUE, {
      as: AS.director,
      purpose: 'DISCLOSURE_REVIEW',
      requestId: b,
      headers: ROUTER,
    });
    expect(viaConsole.status).toBe(200);
    expect(viaConsole.body.data).toEqual(viaRouter.body.data);
    expect(
      (viaConsole.body.data as { disclosureQueue: { pendingReview: unknown[] } }).disclosureQueue
        .pendingReview,
    ).toHaveLength(2);
    expect(await rowsOf(a)).toEqual(await rowsOf(b));
    // A granted root field leaves no row of its own: the fields read do, on their basis.
    expect(await rowsOf(a)).toEqual([
      {
        principal_id: 'staff_director',
        purpose: 'DISCLOSURE_REVIEW',
        type_name: 'DisclosureRequest',
        fields: ['agency', 'status'],
        category: 'DISCLOSURE',
        outcome: 'GRANTED',
        basis: 'DIRECTOR',
        basis_ref: null,
        rule: 'pii:DISCLOSURE:request',
      },
    ]);
    expect(await viaRouterOf(a)).toEqual([false]);
    expect(await viaRouterOf(b)).toEqual([true]);
  });

  test('a denial: the same FORBIDDEN and the same DENIED row for a circulation clerk', async () => {
    const [a, b] = [nextRequestId('console'), nextRequestId('router')];
    const viaConsole = await post('/console/graphql', QUEUE, {
      as: AS.circulation,
      purpose: 'CIRCULATION_DESK',
      requestId: a,
    });
    const viaRouter = await post('/graphql', QUEUE, {
      as: AS.circulation,
      purpose: 'CIRCULATION_DESK',
      requestId: b,
      headers: ROUTER,
    });
    expect(viaConsole.body.errors).toEqual([
      {
        message: 'Not authorized to read or change this.',
        locations: [{ line: 1, column: 3 }],
        path: ['disclosureQueue'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
    expect(viaConsole.body.errors).toEqual(viaRouter.body.errors);
    expect(await rowsOf(a)).toEqual([
      {
        principal_id: 'staff_circ',
        purpose: 'CIRCULATION_DESK',
        type_name: 'Query',
        fields: ['disclosureQueue'],
        category: null,
        outcome: 'DENIED',
        basis: null,
        basis_ref: 'FORBIDDEN',
        rule: 'custodian',
      },
    ]);
    expect(await rowsOf(a)).toEqual(await rowsOf(b));
  });

  test('without a purpose the custodian hears PURPOSE_REQUIRED there too', async () => {
    const r = await post('/console/graphql', QUEUE, { as: AS.director });
    expect((r.body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'PURPOSE_REQUIRED',
    );
  });

  test('no token: 401 before any GraphQL runs, and a bad token is refused as on /graphql', async () => {
    const none = await post('/console/graphql', QUEUE);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      errors: [
        {
          message: 'Sign in first: the console needs a bearer token.',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    const bad = await post('/console/graphql', QUEUE, {
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(bad.status).toBe(401);
    expect((bad.body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  test('every console answer is no-store with the strict CSP', async () => {
    for (const path of [
      '/console/',
      '/console/app.js',
      '/console/console.css',
      '/console/nothing-here',
    ]) {
      const res = await fetch(`${origin}${path}`);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('content-security-policy'), path).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const gql = await post('/console/graphql', QUEUE, {
      as: AS.director,
      purpose: 'DISCLOSURE_REVIEW',
    });
    expect(gql.headers.get('cache-control')).toBe('no-store');
  });
});

describe('auditAccessTimeline and auditLogHealth (custodian only, audited)', () => {
  const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const today = new Date().toISOString().slice(0, 10);
  const TIMELINE = `{ auditAccessTimeline(patronId: "pat_benokafor", from: "${from}", to: "${to}") { day basis outcome accesses } }`;

  test('counts requests per day, basis and outcome, and records who looked at whose timeline', async () => {
    for (let i = 0; i < 2; i++)
      await t.gql('{ patron(id: "pat_benokafor") { name } }', {
        as: AS.circulation,
        purpose: 'CIRCULATION_DESK',
        headers: ROUTER,
      });
    await t.gql('{ patron(id: "pat_benokafor") { name } }', {
      as: AS.volunteer,
      purpose: 'CIRCULATION_DESK',
      headers: ROUTER,
    });
    const id = nextRequestId('timeline');
    const r = await post('/console/graphql', TIMELINE, {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
      requestId: id,
    });
    expect(r.body.errors).toBeUndefined();
    const days = (
      r.body.data as {
        auditAccessTimeline: {
          day: string;
          basis: string | null;
          outcome: string;
          accesses: number;
        }[];
      }
    ).auditAccessTimeline;
    expect(days.filter((d) => d.day === today && d.basis === 'STAFF_PURPOSE')).toEqual([
      { day: today, basis: 'STAFF_PURPOSE', outcome: 'GRANTED', accesses: 2 },
    ]);
    expect(days.filter((d) => d.day === today && d.outcome === 'DENIED')).toEqual([
      { day: today, basis: null, outcome: 'DENIED', accesses: 1 },
    ]);
    const rows = await t.db.raw(
      `select type_name, fields, outcome, basis, exists (select 1 from audit_subject_keys k where k.patron_id = 'pat_benokafor' and k.pseudonym = any(subjects)) as names_ben
       from audit_events where request_id = $1 and type_name = 'Query'`,
      [id],
    );
    expect(rows).toEqual([
      {
        type_name: 'Query',
        fields: ['auditAccessTimeline'],
        outcome: 'GRANTED',
        basis: 'DIRECTOR',
        names_ben: true,
      },
    ]);
  });

  test.each([
    ['a patron', AS.ben, undefined],
    ['a circulation clerk', AS.circulation, 'CIRCULATION_DESK'],
    ['a volunteer', AS.volunteer, 'CIRCULATION_DESK'],
    ['a designee outside its window', AS.formerDeputy, 'RECORDS_AUDIT'],
  ])('%s is refused both queries (FORBIDDEN)', async (_who, as, purpose) => {
    for (const q of [TIMELINE, '{ auditLogHealth { headSeq } }']) {
      const r = await post('/console/graphql', q, { as, purpose });
      expect(r.body.data).toBeNull();
      expect((r.body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
        'FORBIDDEN',
      );
    }
  });

  test('a range backwards or longer than 366 days is BAD_USER_INPUT', async () => {
    const ask = (a: string, b: string) =>
      post(
        '/console/graphql',
        `{ auditAccessTimeline(patronId: "pat_benokafor", from: "${a}", to: "${b}") { day } }`,
        { as: AS.director, purpose: 'RECORDS_AUDIT' },
      );
    const backwards = await ask(to, from);
    expect(backwards.body.errors).toEqual([
      expect.objectContaining({
        message: 'from must be before to.',
        extensions: { code: 'BAD_USER_INPUT', field: 'from' },
      }),
    ]);
    const long = await ask('2024-01-01T00:00:00Z', '2025-06-01T00:00:00Z');
    expect(long.body.errors).toEqual([
      expect.objectContaining({
        message: 'The range may cover at most 366 days.',
        extensions: { code: 'BAD_USER_INPUT', field: 'to' },
      }),
    ]);
  });

  test('the health answers at once and verifies in the background; the next read shows the result', async () => {
    const HEALTH =
      '{ auditLogHealth { headSeq chains lastCheckpointRows witnesses lastWitnessedRows verificationRunning lastVerification { intact events chains badChain firstBadSeq reason } } }';
    type Health = {
      auditLogHealth: {
        headSeq: number;
        verificationRunning: boolean;
        lastVerification: { intact: boolean; events: number } | null;
      };
    };
    // One audited read first, so the log holds a row of this server's chain whatever ran before.
    await post('/console/graphql', '{ patron(id: "pat_adalovelace") { name } }', {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    const first = await post('/console/graphql', HEALTH, {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    const h1 = (first.body.data as Health).auditLogHealth;
    expect(h1).toMatchObject({
      chains: 1,
      witnesses: 0,
      lastWitnessedRows: null,
      verificationRunning: true,
      lastVerification: null,
    });
    expect(h1.headSeq).toBeGreaterThan(0);
    let h2 = h1;
    for (let i = 0; i < 100 && !h2.lastVerification; i++) {
      await new Promise((r) => setTimeout(r, 100));
      h2 = (
        (await post('/console/graphql', HEALTH, { as: AS.director, purpose: 'RECORDS_AUDIT' })).body
          .data as Health
      ).auditLogHealth;
    }
    expect(h2.lastVerification).toMatchObject({
      intact: true,
      chains: 1,
      badChain: null,
      firstBadSeq: null,
      reason: null,
    });
    expect(h2.lastVerification!.events).toBeGreaterThanOrEqual(h1.headSeq);
  });
});

describe('the console switched off, and the development sign-in in production', () => {
  test('CONSOLE_ENABLED unset outside development: /console and its entry do not exist', async () => {
    const off = await startTestServer({ seed: false });
    try {
      const base = new URL(off.url).origin;
      expect((await fetch(`${base}/console/`)).status).toBe(404);
      const r = await fetch(`${base}/console/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await off.issuer.mint(AS.director)}`,
        },
        body: '{"query":"{ __typename }"}',
      });
      expect(r.status).toBe(404);
    } finally {
      await off.stop();
    }
  }, 120_000);

  test('production: /console/dev/principals and /console/dev/token answer 404; the console itself is served', async () => {
    const prod = await startTestServer({
      seed: false,
      devTokens: true,
      env: {
        NODE_ENV: 'production',
        CONSOLE_ENABLED: 'true',
        ROUTER_SECRET: SECRET,
        TLS_TERMINATED_UPSTREAM: 'true',
        JWT_PUBLIC_KEY: 'unused: the test server verifies with its own issuer',
        VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
        AUDIT_CHECKPOINT_KEY: 'a-checkpoint-key-of-at-least-32-characters',
        AUDIT_UNWITNESSED: 'true',
      },
    });
    try {
      const base = new URL(prod.url).origin;
      expect((await fetch(`${base}/console/dev/principals`)).status).toBe(404);
      const token = await fetch(`${base}/console/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"principal":"director"}',
      });
      expect(token.status).toBe(404);
      expect((await fetch(`${base}/console/`)).status).toBe(200);
    } finally {
      await prod.stop();
    }
  }, 120_000);

  test('development: the demo sign-in mints a token the server accepts', async () => {
    const r = await fetch(`${origin}/console/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"principal":"director"}',
    });
    const { token } = (await r.json()) as { token: string };
    const q = await post('/console/graphql', QUEUE, {
      headers: { authorization: `Bearer ${token}` },
      purpose: 'DISCLOSURE_REVIEW',
    });
    expect(q.body.errors).toBeUndefined();
    const unknown = await fetch(`${origin}/console/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"principal":"root"}',
    });
    expect(unknown.status).toBe(400);
  });
});
