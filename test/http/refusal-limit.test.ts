// The refusal rate limit (src/http/refusal-limit.ts): a principal whose refused requests pass
// REFUSAL_LIMIT in the window is answered 429 with Retry-After, logged and counted without naming
// anyone; other principals, and the same principal's granted requests before the limit, are not.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RefusalLimiter } from '../../src/http/refusal-limit.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    env: { REFUSAL_LIMIT: '3', REFUSAL_WINDOW_SECONDS: '60', REFUSAL_BLOCK_SECONDS: '120' },
  });
});
afterAll(() => t?.stop());

const ADA = 'pat_adalovelace';
const probe = `{ patron(id: "${ADA}") { name } }`;

describe('refusals are rate-limited per principal', () => {
  test('Ben past his limit gets 429 with Retry-After and nothing personal; the volunteer, Ada and anonymous callers are unaffected', async () => {
    // Granted requests do not count: Ben reads his own record as often as he likes.
    for (let i = 0; i < 5; i++) {
      const own = await t.gql('{ me { id } }', { as: AS.ben });
      expect(own.status).toBe(200);
    }
    const codes: (string | number)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.gql(probe, { as: AS.ben });
      codes.push(r.status, String(r.body.errors?.[0]?.extensions?.code));
    }
    expect(codes).toEqual([200, 'FORBIDDEN', 200, 'FORBIDDEN', 200, 'FORBIDDEN']);

    const logged = t.logs.length;
    // The fourth refusal passes the limit: this answer is already the 429.
    const fourth = await t.gql(probe, {
      as: AS.ben,
      headers: { 'x-request-id': 'throttle-ben-4' },
    });
    expect({
      status: fourth.status,
      retryAfter: fourth.headers.get('retry-after'),
      body: fourth.body,
    }).toEqual({
      status: 429,
      retryAfter: '120',
      body: {
        data: null,
        errors: [
          {
            message: 'Too many refused requests; wait before trying again.',
            extensions: {
              code: 'RATE_LIMITED',
              retryAfterSeconds: 120,
              requestId: 'throttle-ben-4',
            },
          },
        ],
        extensions: { requestId: 'throttle-ben-4' },
      },
    });
    // From now on even Ben's granted requests wait, answered before anything runs.
    const own = await t.gql('{ me { id name } }', {
      as: AS.ben,
      headers: { 'x-request-id': 'throttle-ben-5' },
    });
    expect({ status: own.status, retryAfter: Number(own.headers.get('retry-after')) }).toEqual({
      status: 429,
      retryAfter: expect.any(Number),
    });
    expect(Number(own.headers.get('retry-after'))).toBeGreaterThan(100);
    expect(own.body.errors?.map((e) => e.extensions)).toEqual([
      {
        code: 'RATE_LIMITED',
        retryAfterSeconds: Number(own.headers.get('retry-after')),
        requestId: 'throttle-ben-5',
      },
    ]);
    expect(JSON.stringify(own.body)).not.toMatch(/pat_|user_ben|Ben|Okafor/);

    // Logged with a hash prefix of the key, never an id; counted by principal kind only.
    const lines = t.logs.slice(logged).filter((l) => l.msg === 'refusals throttled');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        requestId: 'throttle-ben-4',
        principalKind: 'user',
        limitKey: expect.stringMatching(/^[0-9a-f]{12}$/),
        retryAfterSeconds: 120,
      }),
      expect.objectContaining({ requestId: 'throttle-ben-5', principalKind: 'user' }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/pat_|user_ben/);
    const metrics = await (await fetch(new URL('/metrics', t.url))).text();
    expect(
      metrics.split('\n').filter((l) => l.startsWith('patron_records_refusals_throttled_total{')),
    ).toEqual(['patron_records_refusals_throttled_total{principal_kind="user"} 2']);

    // Other principals are unaffected: their own refusals and grants answer as before.
    const volunteer = await t.gql(probe, { as: AS.volunteer });
    expect(volunteer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.gql(probe);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const ada = await t.gql(probe, { as: AS.ada });
    expect(ada.body).toEqual({
      data: { patron: { name: 'Ada Lovelace' } },
      extensions: { requestId: expect.any(String) },
    });
  });

  test("bad tokens count against the caller's address, like anonymous refusals", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.gql('{ me { id } }', { token: 'not-a-jwt' });
      statuses.push(r.status);
    }
    // The anonymous probe of the first test was this address's first refusal: two more reach
    // the limit of three, and the fourth passes it (429 from then on).
    expect(statuses).toEqual([401, 401, 429, 429, 429, 429]);
  });

  test('the counters hold hashed keys only; on PostgreSQL two replicas share them', async () => {
    const rows = await t.db.raw('select key from refusal_limits');
    if (t.db.database.kind === 'postgres') expect(rows.length).toBeGreaterThan(0);
    else expect(rows).toEqual([]); // PGlite: counted in memory
    for (const r of rows) expect(r.key).toMatch(/^refusals:[0-9a-f]{32}$/);
    if (t.db.database.kind !== 'postgres') return;

    const settings = { limit: 2, windowSeconds: 60, blockSeconds: 30 };
    const replica = () =>
      new RefusalLimiter(
        t.db.database,
        settings,
        createLogger('silent'),
        new Metrics({ processMetrics: false }),
      );
    const [a, b] = [replica(), replica()];
    try {
      const key = 'f'.repeat(32);
      expect(await a.refused(key)).toBeNull();
      expect(await b.refused(key)).toBeNull();
      // The third refusal, on replica a, passes the limit the two replicas count together.
      expect(await a.refused(key)).toBe(30);
      expect(a.blockedFor(key)).toBe(30);
      // b learns of it at its next refusal of that key (granted requests never ask).
      expect(b.blockedFor(key)).toBeNull();
      expect(await b.refused(key)).toBeGreaterThan(28);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a granted request sends no statement to the limit; a refused one, one upsert (PostgreSQL)', async () => {
    const stats = t.database.stats;
    const statements = async (as: TokenSpec) => {
      stats.texts = [];
      try {
        await t.gql(probe, { as });
        return stats.texts.filter((q) => q.includes('refusal_limits')).length;
      } finally {
        stats.texts = null;
      }
    };
    expect(await statements(AS.ada)).toBe(0);
    expect(await statements(AS.dani)).toBe(t.database.kind === 'postgres' ? 1 : 0);
  });
});
