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

/** Throws InvalidTokenError for a malformed or unverifiable token. */
export async function identify(
  headers: IncomingHttpHeaders,
  verify: TokenVerifier,
  viaRouter: boolean,
): Promise<RequestIdentity> {
  const incomingId = header(headers, 'x-request-id');
  const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  const auth = header(headers, 'authorization');
  const token = auth?.match(/^Bearer ([A-Za-z0-9._~+/=-]+)$/)?.[1];
  if (auth && !token) throw new InvalidTokenError('malformed authorization header');
  const principal = token ? await verify(token) : ANONYMOUS;
  return {
    requestId,
    principal,
    purpose: parsePurpose(header(headers, 'x-access-purpose')),
    viaRouter,
  };
}
