// Invariant 6: an unexpected error never carries personal data out, neither to the client nor to
// the log. drizzle quotes a failed query's parameters in its message (ANCHORS "Known traps"), so a
// database error on a card-number lookup is the case to prove.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoCardNumber } from '../../src/seed/demo.js';
import { MASKED_MESSAGE } from '../../src/http/error-masking.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const CARD = demoCardNumber(1); // Ada's card
const desk = { as: AS.circulation, purpose: 'CIRCULATION_DESK' };

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

test('invariant 6: a database error on a query whose variables hold a card number leaks it neither in the response nor in the log', async () => {
  const q = 'query Scan($card: String!) { patronByCardNumber(cardNumber: $card) { id name } }';
  const before = await t.gql(q, { ...desk, variables: { card: CARD } });
  expect(before.body.data).toEqual({
    patronByCardNumber: { id: 'pat_adalovelace', name: 'Ada Lovelace' },
  });

  await t.db.raw('alter table patrons rename to patrons_away');
  const logged = t.logs.length;
  try {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await t.issuer.mint(AS.circulation)}`,
        'x-access-purpose': 'CIRCULATION_DESK',
      },
      body: JSON.stringify({ query: q, variables: { card: CARD } }),
    });
    const text = await res.text();
    const requestId = res.headers.get('x-request-id');
    expect(JSON.parse(text)).toEqual({
      data: { patronByCardNumber: null },
      errors: [
        {
          message: MASKED_MESSAGE,
          path: ['patronByCardNumber'],
          locations: [{ line: 1, column: 30 }],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
        },
      ],
      extensions: { requestId },
    });
    expect(text).not.toContain(CARD);

    const lines = t.logs.slice(logged);
    // The error is logged, with the request id to find it by, the error classes, PostgreSQL's code
    // and the stack frames (where it was thrown, never its message).
    expect(lines.filter((l) => l.msg === 'unexpected error masked')).toEqual([
      expect.objectContaining({
        level: 50,
        requestId,
        err: {
          type: 'DrizzleQueryError',
          code: '42P01',
          stack: expect.arrayContaining([
            expect.stringMatching(/^at .*src\/repositories\/patrons\.ts:\d+:\d+/),
          ]),
          // The driver's own error (pg's DatabaseError; PGlite's class name is minified).
          cause: { type: expect.any(String), stack: expect.any(Array) },
        },
        path: ['patronByCardNumber'],
      }),
    ]);
    const logText = JSON.stringify(lines);
    expect(logText).not.toContain(CARD);
    expect(logText).not.toContain(CARD.slice(-6));
    expect(logText).not.toContain('Scan'); // not even the operation name, nor the query
    expect(logText).not.toContain('patrons_away');
  } finally {
    await t.db.raw('alter table patrons_away rename to patrons');
  }
});

test('invariant 6: a card number in a mistyped variable is not echoed in the coercion error', async () => {
  const r = await t.gql(
    'query($card: Int) { patrons(search: { namePrefix: "A" }, first: $card) { nodes { id } } }',
    { ...desk, variables: { card: CARD } },
  );
  expect({ status: r.status, errors: r.body.errors }).toEqual({
    status: 400,
    errors: [
      {
        message: 'Variable "$card" got an invalid value; Int cannot represent the value.',
        locations: [{ line: 1, column: 7 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ],
  });
  expect(JSON.stringify(t.logs)).not.toContain(CARD);
});

test('invariant 6: no log line carries the authorization header, a variable value or a query text', async () => {
  const logged = t.logs.length;
  await t.gql('query($c: String!) { patronByCardNumber(cardNumber: $c) { name email } }', {
    ...desk,
    variables: { c: CARD },
  });
  const lines = t.logs.slice(logged);
  expect(lines.map((l) => l.msg)).toEqual(['graphql request']);
  const text = JSON.stringify(lines);
  for (const secret of [CARD, 'Ada Lovelace', 'ada@example.org', 'Bearer', 'patronByCardNumber'])
    expect([secret, text.includes(secret)]).toEqual([secret, false]);
});

test('a persisted query whose hash does not match its text is BAD_REQUEST (400), not an internal error', async () => {
  const logged = t.logs.length;
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'apq-wrong-hash-1' },
    body: JSON.stringify({
      query: '{ vendors { id } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } },
    }),
  });
  expect({ status: res.status, body: await res.json() }).toEqual({
    status: 400,
    body: {
      errors: [
        { message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } },
      ],
      extensions: { requestId: 'apq-wrong-hash-1' },
    },
  });
  expect(t.logs.slice(logged).filter((l) => l.msg === 'unexpected error masked')).toEqual([]);
});
