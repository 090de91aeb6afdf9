// Signing keys. Production verifies against the identity provider's JWKS URL or public key; the
// embedded default creates a local ES256 key pair in the data folder so `npm run token` can mint
// development tokens. That key never signs anything in production (config refuses to start).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';

const FILE = 'dev-signing-key.json';

export interface DevKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

export async function loadOrCreateDevKey(dataDir: string): Promise<DevKeyPair> {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = `dev-${Date.now().toString(36)}`;
    // 0600: the development key is a secret too.
    writeFileSync(path, JSON.stringify({ ...jwk, kid, alg: 'ES256' }), { mode: 0o600 });
    return { privateKey, publicKey, kid };
  }
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK & { kid: string };
  const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
  const { d: _secret, ...publicJwk } = jwk;
  const publicKey = (await importJWK(publicJwk, 'ES256')) as CryptoKey;
  return { privateKey, publicKey, kid: jwk.kid };
}
