// Bearer token verification: algorithms pinned, issuer, audience and expiry required.
import {
  createRemoteJWKSet,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTVerifyGetKey,
} from 'jose';
import { claimsSchema, principalFromClaims, type Principal, type Role } from './principal.js';

export interface VerifierOptions {
  issuer: string;
  audience: string;
  algorithms: string[];
  /** One of: a key set URL, a SPKI PEM public key, or a key object (development / tests). */
  jwksUrl?: string;
  publicKeyPem?: string;
  publicKey?: CryptoKey;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

export async function createTokenVerifier(o: VerifierOptions): Promise<TokenVerifier> {
  let key: CryptoKey | JWTVerifyGetKey;
  if (o.jwksUrl) key = createRemoteJWKSet(new URL(o.jwksUrl));
  else if (o.publicKeyPem) key = await importSPKI(o.publicKeyPem, o.algorithms[0] ?? 'ES256');
  else if (o.publicKey) key = o.publicKey;
  else throw new Error('no token verification key configured');

  return async (token) => {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key as CryptoKey, {
        issuer: o.issuer,
        audience: o.audience,
        algorithms: o.algorithms,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch {
      // jose's message may quote claim values; the caller only needs to know it failed.
      throw new InvalidTokenError('token rejected');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new InvalidTokenError('token claims rejected');
    return principalFromClaims(claims.data);
  };
}

export interface MintOptions {
  sub: string;
  roles: Role[];
  patronId?: string;
  vendorId?: string;
  requesterId?: string;
  scope?: string;
  issuer: string;
  audience: string;
  expiresIn?: string | number;
  kid?: string;
}

/** Signs a token; used by `npm run token`, the tests and the benchmark, never by the server. */
export function mintToken(privateKey: CryptoKey, o: MintOptions): Promise<string> {
  const claims: Record<string, unknown> = { roles: o.roles };
  if (o.patronId) claims.patron_id = o.patronId;
  if (o.vendorId) claims.vendor_id = o.vendorId;
  if (o.requesterId) claims.requester_id = o.requesterId;
  if (o.scope) claims.scope = o.scope;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', ...(o.kid ? { kid: o.kid } : {}) })
    .setSubject(o.sub)
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '1h')
    .sign(privateKey);
}
