// Who is asking, from the HTTP request: the bearer token (verified), the stated purpose and a
// request id. A missing token means anonymous; a present but invalid one is refused outright.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS } from '../auth/principal.js';
import { InvalidTokenError, type TokenVerifier } from '../auth/jwt.js';
import { parsePurpose } from '../auth/purpose.js';
import type { RequestIdentity } from '../graphql/context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request id the caller sent, when well-formed, or a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const incomingId = header(headers, 'x-request-id');
  return incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
}

/** Throws InvalidTokenError for a malformed or unverifiable token. */
export async function identify(
  headers: IncomingHttpHeaders,
  verify: TokenVerifier,
  viaRouter: boolean,
  requestId: string = requestIdOf(headers),
): Promise<RequestIdentity> {
  const auth = header(headers, 'authorization');
  // The scheme is case-insensitive (RFC 7235 section 2.1): "bearer" and "BEARER" are Bearer.
  const token = auth?.match(/^Bearer +([A-Za-z0-9._~+/=-]+)$/i)?.[1];
  if (auth && !token) throw new InvalidTokenError('malformed_header');
  const principal = token ? await verify(token) : ANONYMOUS;
  return {
    requestId,
    principal,
    purpose: parsePurpose(header(headers, 'x-access-purpose')),
    viaRouter,
  };
}
