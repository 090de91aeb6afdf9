// Encrypted transport (reg. 10: card data protected; the router-to-subgraph hop carries every
// personal field). Real certificates, made here with the openssl command: a CA, the server's
// certificate, the router's client certificate, and a stranger's from another CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const SECRET = 'tls-test-router-secret-0123456789abcdef';
let dir: string;
let t: TestServer;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A P-256 key and a certificate for `cn`, signed by `ca` (or self-signed as a CA when ca is null). */
function certificate(name: string, cn: string, ca: string | null, extensions: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!ca) {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
    );
    return;
  }
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  );
}

const file = (name: string) => readFileSync(join(dir, name));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  certificate('ca', 'patron-records test CA', null, '');
  certificate(
    'server',
    'localhost',
    'ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  certificate('router', 'router', 'ca', 'extendedKeyUsage=clientAuth\n');
  certificate('otherca', 'someone else', null, '');
  certificate('stranger', 'router', 'otherca', 'extendedKeyUsage=clientAuth\n');
  t = await startTestServer({
    env: {
      ROUTER_SECRET: SECRET,
      TLS_CERT_FILE: join(dir, 'server.crt'),
      TLS_KEY_FILE: join(dir, 'server.key'),
      TLS_CLIENT_CA_FILE: join(dir, 'ca.crt'),
      TLS_REQUIRE_CLIENT_CERT: 'true',
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

/** One POST over TLS, trusting the test CA, with the given client certificate (or none). */
async function post(
  client: 'router' | 'stranger' | null,
  headers: Record<string, string>,
): Promise<Answer> {
  const token = await t.issuer.mint(AS.director);
  return new Promise((resolve, reject) => {
    const req = request(
      t.url,
      {
        method: 'POST',
        ca: file('ca.crt'),
        ...(client ? { cert: file(`${client}.crt`), key: file(`${client}.key`) } : {}),
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-access-purpose': 'RECORDS_AUDIT',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: '{ patron(id: "pat_adalovelace") { name } }' }));
  });
}

describe('reg. 10: HTTPS with mutual TLS', () => {
  test('the server speaks HTTPS', () => {
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });

  test('with the router certificate and the router secret, the request is served', async () => {
    const res = await post('router', { 'x-router-secret': SECRET });
    expect([res.status, res.body.data]).toEqual([200, { patron: { name: 'Ada Lovelace' } }]);
  });

  test('without a client certificate, the connection is refused in the handshake', async () => {
    await expect(post(null, { 'x-router-secret': SECRET })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ECONNRESET|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|EPIPE)$/),
    });
  });

  test('a certificate from another CA is refused too', async () => {
    await expect(post('stranger', { 'x-router-secret': SECRET })).rejects.toMatchObject({
      code: expect.stringMatching(/^(ECONNRESET|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|EPIPE)$/),
    });
  });

  test('the router secret is still checked behind the client certificate', async () => {
    const res = await post('router', {});
    expect(res.status).toEqual(401);
  });

  test('plain HTTP to the TLS port gets no GraphQL answer', async () => {
    await expect(
      fetch(t.url.replace('https:', 'http:'), { method: 'POST', body: '{}' }).then((r) => r.status),
    ).rejects.toThrow();
  });
});

describe('configuration', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
    AUDIT_CHECKPOINT_KEY: 'k'.repeat(48),
    VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
    ROUTER_SECRET: SECRET,
    AUDIT_UNWITNESSED: 'true',
  };

  test('production refuses plain HTTP unless the operator says TLS ends in front of the server', () => {
    expect(() => loadConfig(production)).toThrow(
      new ConfigError(
        'invalid configuration:\n  TLS_CERT_FILE: production needs TLS_CERT_FILE and TLS_KEY_FILE, or TLS_TERMINATED_UPSTREAM=true when TLS ends in front of the server',
      ),
    );
    expect(
      loadConfig({ ...production, TLS_TERMINATED_UPSTREAM: 'true' }).TLS_TERMINATED_UPSTREAM,
    ).toBe(true);
    expect(
      loadConfig({
        ...production,
        TLS_CERT_FILE: '/etc/tls/cert.pem',
        TLS_KEY_FILE: '/etc/tls/key.pem',
      }).TLS_CERT_FILE,
    ).toBe('/etc/tls/cert.pem');
  });

  test('a certificate without its key, or required client certificates without a CA, are refused', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: '/c.pem' })).toThrow(
      new ConfigError(
        'invalid configuration:\n  TLS_KEY_FILE: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE',
      ),
    );
    expect(() =>
      loadConfig({
        TLS_CERT_FILE: '/c.pem',
        TLS_KEY_FILE: '/k.pem',
        TLS_REQUIRE_CLIENT_CERT: 'true',
      }),
    ).toThrow(
      new ConfigError(
        'invalid configuration:\n  TLS_CLIENT_CA_FILE: TLS_REQUIRE_CLIENT_CERT needs TLS_CLIENT_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE',
      ),
    );
  });
});
