// Chooses how bearer tokens are verified: the identity provider's keys in production, the local
// development key (created in DATA_DIR) on the embedded default.
import type { Config } from '../config.js';
import { createTokenVerifier, type TokenVerifier } from './jwt.js';
import { loadOrCreateDevKey } from './keys.js';

export async function verifierFromConfig(config: Config): Promise<TokenVerifier> {
  const base = {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    algorithms: config.JWT_ALGORITHMS,
  };
  if (config.JWT_JWKS_URL) return createTokenVerifier({ ...base, jwksUrl: config.JWT_JWKS_URL });
  if (config.JWT_PUBLIC_KEY)
    return createTokenVerifier({ ...base, publicKeyPem: config.JWT_PUBLIC_KEY });
  const { publicKey } = await loadOrCreateDevKey(config.DATA_DIR);
  return createTokenVerifier({ ...base, algorithms: ['ES256'], publicKey });
}
