// Bearer tokens: every way a token can be wrong is a 401 UNAUTHENTICATED with the request id, and a
// log line naming the reason class, never the token. The scheme is case-insensitive (RFC 7235).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startTestServer, type TestServer } from '../support/server.js';
import { AUDIENCE, ISSUER } from '../support/tokens.js';

let t: TestServer;
let otherKey: CryptoKey;
beforeAll(async () => {
  t = await startTestServer({ seed: false });
  otherKey = (await generateKeyPair('ES256')).privateKey;
});
afterAll(() => t?.stop());

interface Claims {
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  roles?: unknown;
}

const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Claims, key: CryptoKey | Uint8Array = t.issuer.privateKey, alg = 'ES256') {
  const jwt = new SignJWT({ roles: claims.roles ?? ['circulation'] })
    .setProtectedHeader({ alg })
    .setSubject('staff_circ')
    .setIssuedAt();
  if (claims.iss !== '') jwt.setIssuer(claims.iss ?? ISSUER);
  jwt.setAudience(claims.aud ?? AUDIENCE);
  if (claims.exp !== 0) jwt.setExpirationTime(claims.exp ?? now() + 600);
  if (claims.nbf) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key);
}

async function send(authorization: string, requestId: string) {
  const logged = t.logs.length;
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization, 'x-request-id': requestId },
    body: JSON.stringify({ query: '{ vendors { id } }' }),
  });
  return {
    status: res.status,
    requestIdHeader: res.headers.get('x-request-id'),
    body: (await res.json()) as unknown,
    lines: t.logs.slice(logged),
  };
}

describe('inv. 7: every token failure is a typed 401 with a request id, logged by reason class', () => {
  const cases: [string, () => Promise<string>, string][] = [
    ['expired', () => sign({ exp: now() - 120 }), 'expired'],
    ['signed by another key', () => sign({}, otherKey), 'bad_signature'],
    ['for another audience', () => sign({ aud: 'urn:someone-else' }), 'wrong_audience'],
    ['from another issuer', () => sign({ iss: 'urn:evil:idp' }), 'wrong_issuer'],
    ['without an expiry', () => sign({ exp: 0 }), 'missing_claim'],
    ['not yet valid', () => sign({ nbf: now() + 3600 }), 'not_yet_valid'],
    [
      'HS256 (an algorithm not allowed)',
      () => sign({}, new Uint8Array(32).fill(7), 'HS256'),
      'unsupported_alg',
    ],
    ['malformed', async () => 'not-a-jwt', 'malformed'],
    ['with claims of the wrong shape', () => sign({ roles: 'director' }), 'bad_claims'],
  ];
  test.each(cases)('a token %s', async (label, make, reason) => {
    const token = await make();
    const requestId = `token-${reason}-${label.length}`;
    const r = await send(`Bearer ${token}`, requestId);
    expect({ status: r.status, header: r.requestIdHeader, body: r.body }).toEqual({
      status: 401,
      header: requestId,
      body: {
        errors: [
          {
            message: 'A valid bearer token is required.',
            extensions: { code: 'UNAUTHENTICATED', requestId },
          },
        ],
      },
    });
    expect(r.lines.filter((l) => l.msg === 'token rejected')).toEqual([
      expect.objectContaining({ level: 40, requestId, reason }),
    ]);
    const logText = JSON.stringify(r.lines);
    expect(logText).not.toContain(token);
    expect(logText).not.toContain(token.split('.')[1] ?? token);
  });

  test('an authorization header that is not a bearer token', async () => {
    const r = await send('Basic dXNlcjpwYXNz', 'token-basic-1');
    expect(r.status).toBe(401);
    expect(r.lines.filter((l) => l.msg === 'token rejected')).toEqual([
      expect.objectContaining({ requestId: 'token-basic-1', reason: 'malformed_header' }),
    ]);
    expect(JSON.stringify(r.lines)).not.toContain('dXNlcjpwYXNz');
  });

  test('the scheme is case-insensitive: "bearer" and "BEARER" are accepted', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const r = await send(`${scheme} ${await sign({})}`, `token-scheme-${scheme}`);
      expect({ status: r.status, body: r.body }).toEqual({
        status: 200,
        body: { data: { vendors: [] }, extensions: { requestId: `token-scheme-${scheme}` } },
      });
    }
  });

  test('the rejections are counted by reason, with no other label', async () => {
    const text = (await (await fetch(new URL('/metrics', t.url))).text())
      .split('\n')
      .filter((l) => l.startsWith('patron_records_tokens_rejected_total{'));
    expect(text).toContain('patron_records_tokens_rejected_total{reason="bad_signature"} 1');
    for (const line of text)
      expect(line).toMatch(/^patron_records_tokens_rejected_total\{reason="[a-z_]+"\} \d+$/);
  });
});
