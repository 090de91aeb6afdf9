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

/** Why a token was refused: a closed list, so it can be logged and counted (never the token). */
export type TokenRejection =
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'unknown_key'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'missing_claim'
  | 'unsupported_alg'
  | 'malformed'
  | 'bad_claims'
  | 'malformed_header'
  | 'unverifiable';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  constructor(readonly reason: TokenRejection) {
    super(`token rejected: ${reason}`);
  }
}

/** jose's error code (and, for a claim check, which claim) → the reason class. */
function rejectionOf(err: unknown): TokenRejection {
  const e = err as { code?: unknown; claim?: unknown; reason?: unknown } | null;
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad_signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown_key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'unsupported_alg';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'malformed';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.reason === 'missing') return 'missing_claim';
      if (e.claim === 'aud') return 'wrong_audience';
      if (e.claim === 'iss') return 'wrong_issuer';
      if (e.claim === 'nbf' || e.claim === 'iat') return 'not_yet_valid';
      return 'bad_claims';
    default:
      return 'unverifiable';
  }
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
    } catch (err) {
      // jose's message may quote claim values: only its code is kept, as a reason class.
      throw new InvalidTokenError(rejectionOf(err));
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new InvalidTokenError('bad_claims');
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
