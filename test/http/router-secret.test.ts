// Only the router at the door (DESIGN "the federated router"): with ROUTER_SECRET set, a request
// without it is refused before its body is read; production refuses to start without a secret.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const SECRET = 'router-secret-for-tests-0123456789abcdef';
const UNAUTHORISED = {
  errors: [
    {
      message: 'This service accepts requests from the federated router only.',
      extensions: { code: 'UNAUTHENTICATED' },
    },
  ],
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { ROUTER_SECRET: SECRET, MAX_BODY_BYTES: '1000' } });
});
afterAll(() => t?.stop());

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text) as unknown,
    cacheControl: res.headers.get('cache-control'),
  };
}

describe('with ROUTER_SECRET set', () => {
  const query = JSON.stringify({ query: '{ __typename }' });

  test('a request without the secret header is refused with 401', async () => {
    expect(await post(query)).toEqual({
      status: 401,
      body: UNAUTHORISED,
      cacheControl: 'no-store',
    });
  });

  test('a request with a wrong secret, or the secret with a byte more, is refused with 401', async () => {
    expect(
      (await post(query, { 'x-router-secret': 'router-secret-for-tests-0123456789abcdeX' })).status,
    ).toBe(401);
    expect((await post(query, { 'x-router-secret': `${SECRET}0` })).status).toBe(401);
    expect((await post(query, { 'x-router-secret': '' })).status).toBe(401);
  });

  test('the refusal comes before the body is parsed: malformed JSON and an oversized body get 401, not 400 or 413', async () => {
    expect(await post('{"query": "{ __typename', {})).toEqual({
      status: 401,
      body: UNAUTHORISED,
      cacheControl: 'no-store',
    });
    expect(await post(JSON.stringify({ query: `{ __typename }${' '.repeat(5000)}` }))).toEqual({
      status: 401,
      body: UNAUTHORISED,
      cacheControl: 'no-store',
    });
    // With the secret, the same bodies do reach the parser.
    expect((await post('{"query": "{ __typename', { 'x-router-secret': SECRET })).status).toBe(400);
    expect(
      (
        await post(JSON.stringify({ query: `{ __typename }${' '.repeat(5000)}` }), {
          'x-router-secret': SECRET,
        })
      ).status,
    ).toBe(413);
  });

  test('a token is no substitute for the secret', async () => {
    const r = await t.gql('{ patron(id: "pat_adalovelace") { name } }', {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    expect({ status: r.status, body: r.body }).toEqual({ status: 401, body: UNAUTHORISED });
  });

  test('with the secret the request is served, and the context knows it came through the router', async () => {
    const logged = t.logs.length;
    const r = await t.gql('{ patron(id: "pat_adalovelace") { name } }', {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
      headers: { 'x-router-secret': SECRET },
    });
    expect(r.body.data).toEqual({ patron: { name: 'Ada Lovelace' } });
    const line = t.logs.slice(logged).find((l) => l.msg === 'graphql request');
    expect(line).toMatchObject({
      viaRouter: true,
      operation: 'query',
      status: 200,
      errorCodes: [],
    });
  });

  test('/health, /ready and /metrics need no secret', async () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      const res = await fetch(new URL(path, t.url));
      expect([path, res.status]).toEqual([path, 200]);
    }
  });
});

describe('production mode', () => {
  // Everything else production requires is present, so the router secret is the only gap.
  const production = {
    NODE_ENV: 'production',
    JWT_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
    AUDIT_CHECKPOINT_KEY: 'k'.repeat(48),
    VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
    AUDIT_UNWITNESSED: 'true',
    TLS_TERMINATED_UPSTREAM: 'true',
  };

  test('configuration without ROUTER_SECRET is refused, naming the variable', () => {
    expect(() => loadConfig(production)).toThrow(
      new ConfigError('invalid configuration:\n  ROUTER_SECRET: production needs ROUTER_SECRET'),
    );
  });

  test('a short secret is refused too; a proper one is accepted', () => {
    expect(() => loadConfig({ ...production, ROUTER_SECRET: 'short' })).toThrow(
      /ROUTER_SECRET: must be at least 32 characters/,
    );
    expect(loadConfig({ ...production, ROUTER_SECRET: SECRET }).ROUTER_SECRET).toBe(SECRET);
  });

  test('npm start exits with EX_CONFIG (78) and does not listen when ROUTER_SECRET is missing', async () => {
    // npm start's own entry (the compiled server), not src/main.ts under tsx.
    const child = spawn(process.execPath, ['scripts/start.cjs'], {
      env: {
        PATH: process.env.PATH,
        ...production,
        PORT: '0',
        DATA_DIR: '/nonexistent-never-created',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // A server that starts instead of refusing is stopped here, not left listening after the test.
    const stop = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(stop);
    expect({ code, stderr: stderr.trim(), stdout }).toEqual({
      code: 78,
      stderr: 'invalid configuration:\n  ROUTER_SECRET: production needs ROUTER_SECRET',
      stdout: '',
    });
  });
});
