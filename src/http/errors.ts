// formatError: typed errors pass through; anything else (a database error carries its query's
// parameters, possibly a card number) becomes one INTERNAL_SERVER_ERROR with the request id, and
// is logged by class and code only.
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../logger.js';

const PASS_THROUGH = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PURPOSE_REQUIRED',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'WRONG_PIN',
  'CONFIRMATION_REQUIRED',
  'CARD_LOCKED',
  'PAYMENT_CARD_NUMBER_REFUSED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'AUDIT_UNAVAILABLE',
  'LIMIT_EXCEEDED',
]);

/** graphql-js quotes the offending variable value in coercion errors; keep the path, drop the value. */
function withoutValues(message: string): string {
  return message
    .replace(/got invalid value .*? at "/s, 'got an invalid value at "')
    .replace(/got invalid value .*?;/s, 'got an invalid value;')
    .replace(/(cannot represent[^:]*): .*$/s, '$1.')
    .replace(/Expected value of type "([^"]+)", found .*$/s, 'Expected value of type "$1".');
}

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError && typeof code === 'string' && PASS_THROUGH.has(code)) {
      return { ...formatted, message: withoutValues(formatted.message) };
    }
    logger.error({ err: { type: (original as Error | undefined)?.constructor?.name ?? typeof original, code: (original as { code?: string })?.code }, path: formatted.path }, 'unexpected error masked');
    return {
      message: 'Internal error; quote the request id to an administrator.',
      path: formatted.path,
      locations: formatted.locations,
      // The request id travels in the response's extensions (see plugins.ts).
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
