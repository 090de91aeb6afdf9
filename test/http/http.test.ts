// The HTTP surface: no response is cacheable by a shared cache and none sets a cookie (reg. 13,
// invariant 6); CSRF prevention on, batching off, no inline traces; introspection and field
// suggestions only outside production.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApolloServerPlugin } from '@apollo/server';
import { loadConfig } from '../../src/config.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { createLogger } from '../../src/logger.js';
import { createSubgraphApp } from '../../src/server.js';
import { createTestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, AUDIENCE, ISSUER, createTestIssuer } from '../support/tokens.js';

const SECRET = 'router-secret-for-tests-0123456789abcdef';
let dev: TestServer;
let prod: TestServer;
beforeAll(async () => {
  [dev, prod] = await Promise.all([
    startTestServer(),
    startTestServer({
      env: {
        NODE_ENV: 'production',
        ROUTER_SECRET: SECRET,
        JWT_PUBLIC_KEY: 'verifier supplied by the test',
        AUDIT_CHECKPOINT_KEY: 'production-test-audit-key-0123456789abcdef',
        VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 3).toString('base64'),
        AUDIT_UNWITNESSED: 'true',
        TLS_TERMINATED_UPSTREAM: 'true',
      },
    }),
  ]);
});
afterAll(() => Promise.all([dev?.stop(), prod?.stop()]));

const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };
const PII = '{ patron(id: "pat_adalovelace") { name cardNumber loans { nodes { dueAt } } } }';

describe('reg. 13 and invariant 6: no cookies, nothing stored by shared caches', () => {
  test('every kind of response is Cache-Control: no-store and sets no cookie', async () => {
    const token = await dev.issuer.mint(AS.director);
    const json = { 'content-type': 'application/json' };
    const responses = {
      'PII granted': await fetch(dev.url, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${token}`, 'x-access-purpose': 'RECORDS_AUDIT' },
        body: JSON.stringify({ query: PII }),
      }),
      'PII denied': await fetch(dev.url, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: PII }),
      }),
      'bad token': await fetch(dev.url, {
        method: 'POST',
        headers: { ...json, authorization: 'Bearer x.y.z' },
        body: JSON.stringify({ query: PII }),
      }),
      'malformed JSON': await fetch(dev.url, { method: 'POST', headers: json, body: '{"query":' }),
      'GET query': await fetch(`${dev.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      }),
      'no router secret': await fetch(prod.url, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: PII }),
      }),
      health: await fetch(new URL('/health', dev.url)),
      ready: await fetch(new URL('/ready', dev.url)),
      metrics: await fetch(new URL('/metrics', dev.url)),
      'not found': await fetch(new URL('/nothing-here', dev.url)),
    };
    const seen = Object.fromEntries(
      Object.entries(responses).map(([k, r]) => [
        k,
        { cacheControl: r.headers.get('cache-control'), setCookie: r.headers.get('set-cookie') },
      ]),
    );
    const expected = Object.fromEntries(
      Object.keys(responses).map((k) => [k, { cacheControl: 'no-store', setCookie: null }]),
    );
    expect(seen).toEqual(expected);
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]))).toEqual({
      'PII granted': 200,
      'PII denied': 200,
      'bad token': 401,
      'malformed JSON': 400,
      'GET query': 200,
      'no router secret': 401,
      health: 200,
      ready: 200,
      metrics: 200,
      'not found': 404,
    });
  });

  test('reg. 13: a response that something in the request flow would give a cookie (and a public cache policy) loses both', async () => {
    // A plugin after the request-flow ones (as every plugin passed to createSubgraphApp is) that
    // tries, as soon as the operation is known, what noStorePlugin must undo.
    const leaky: ApolloServerPlugin<GraphQLContext> = {
      async requestDidStart() {
        return {
          async didResolveOperation({ response }) {
            response.http.headers.set('set-cookie', 'session=pat_adalovelace; Path=/');
            response.http.headers.set('cache-control', 'public, max-age=600');
          },
        };
      },
    };
    const db = await createTestDatabase({ seed: false });
    const issuer = await createTestIssuer();
    const app = await createSubgraphApp({
      config: loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
      }),
      logger: createLogger('silent'),
      database: db.database,
      verifier: issuer.verifier,
      schema: buildSchema(),
      plugins: [leaky],
    });
    try {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'cookie-test-0001' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect({
        status: res.status,
        setCookie: res.headers.get('set-cookie'),
        cacheControl: res.headers.get('cache-control'),
        body: await res.json(),
      }).toEqual({
        status: 200,
        setCookie: null,
        cacheControl: 'no-store',
        body: { data: { __typename: 'Query' }, extensions: { requestId: 'cookie-test-0001' } },
      });
    } finally {
      await app.stop();
      await db.drop();
    }
  });

  test('malformed JSON gets a typed 400 that does not quote the body', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "29000000000017',
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: {
        errors: [
          { message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } },
        ],
      },
    });
  });
});

describe('request handling', () => {
  test('CSRF prevention: a GET without a preflight-forcing header is refused', async () => {
    const res = await fetch(`${dev.url}?query=${encodeURIComponent('{ __typename }')}`);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect({ status: res.status, code: body.errors[0]!.extensions.code }).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
    });
  });

  test('CSRF prevention: a POST with a simple content type (text/plain) is refused', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(400);
  });

  test('HTTP batching is off: an array of operations is refused', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    const body = (await res.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect({ status: res.status, errors: body.errors }).toEqual({
      status: 400,
      errors: [{ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  test('no inline trace (ftv1) is returned, even when the router asks for one', async () => {
    const r = await dev.gql(PII, {
      ...director,
      headers: { 'apollo-federation-include-trace': 'ftv1' },
    });
    expect(r.body.extensions).toEqual({ requestId: expect.any(String) });
    expect(r.body.data).toEqual({
      patron: {
        name: 'Ada Lovelace',
        cardNumber: expect.any(String),
        loans: { nodes: [expect.any(Object), expect.any(Object)] },
      },
    });
  });
});

describe('production mode', () => {
  const viaRouter = { headers: { 'x-router-secret': SECRET } };

  test('introspection is off in production, on in development', async () => {
    const q = '{ __schema { queryType { name } } }';
    expect((await dev.gql(q)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const r = await prod.gql(q, viaRouter);
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.body.data).toBeUndefined();
  });

  test('field suggestions are hidden in production, shown in development', async () => {
    const q = '{ patron(id: "pat_adalovelace") { nmae } }';
    expect((await dev.gql(q)).body.errors?.[0]?.message).toEqual(
      'Cannot query field "nmae" on type "Patron". Did you mean "name"?',
    );
    expect((await prod.gql(q, viaRouter)).body.errors?.[0]?.message).toEqual(
      'Cannot query field "nmae" on type "Patron".',
    );
  });

  test('federation still works in production: the router reads the SDL', async () => {
    const r = await prod.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', viaRouter);
    expect(r.body.data?._service.sdl.replace(/\s+/g, ' ')).toContain(
      'type Patron @key(fields: "id")',
    );
  });
});
