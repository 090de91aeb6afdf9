// The GraphQL edge of the typed errors: a DomainError becomes a GraphQLError whose
// `extensions.code` is the domain's code, and the refusals only the HTTP edge makes (an HTTP status,
// a Retry-After) are GraphQLErrors from the start.
import { GraphQLError } from 'graphql';
import { DomainError, ErrorCode, unauthenticated as noValidToken } from '../domain/errors.js';

/** Codes the edge adds to the domain's own. */
export const EdgeErrorCode = {
  /** Too many refused requests from one principal: 429 with Retry-After (src/http/refusal-limit.ts). */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;

/** Every code a client may see unmasked, from the two lists above: a new code cannot be left out. */
export const TYPED_CODES: readonly string[] = [
  ...Object.values(ErrorCode),
  ...Object.values(EdgeErrorCode),
];

export function toGraphQLError(error: DomainError, extra: Record<string, unknown> = {}) {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, ...extra },
  });
}

/** An expected refusal, in either form: what a mutation's transaction keeps, and clients see. */
export const isTypedError = (error: unknown): error is DomainError | GraphQLError =>
  error instanceof DomainError || error instanceof GraphQLError;

/**
 * Thrown before execution (from the context function), with its HTTP status and the request id:
 * no plugin sees a request that never got a context.
 */
export const unauthenticated = (httpStatus?: number, requestId?: string) =>
  toGraphQLError(noValidToken(), {
    ...(httpStatus
      ? {
          http: {
            status: httpStatus,
            headers: new Map(requestId ? [['x-request-id', requestId]] : []),
          },
        }
      : {}),
    ...(requestId ? { requestId } : {}),
  });

/**
 * Apollo Server reads `extensions.http.headers` as a Map; graphql-yoga (a dependency of the Hive
 * Gateway test) declares that property a plain record for every importer of graphql, so the Map
 * is typed through `unknown`.
 */
const httpAnswer = (status: number, headers: [string, string][]) =>
  ({ status, headers: new Map(headers) }) as unknown as {
    status: number;
    headers: Record<string, string>;
  };

/**
 * Too many refused requests: HTTP 429 with Retry-After. Names nobody: the same words for every
 * caller, with only the wait and the request id.
 */
export const rateLimited = (retryAfterSeconds: number, requestId: string) =>
  new GraphQLError('Too many refused requests; wait before trying again.', {
    extensions: {
      code: EdgeErrorCode.RATE_LIMITED,
      retryAfterSeconds,
      requestId,
      http: httpAnswer(429, [
        ['retry-after', String(retryAfterSeconds)],
        ['x-request-id', requestId],
      ]),
    },
  });
