// Error masking. Typed errors pass through with any quoted value removed; anything else (a database
// error carries its query's parameters, possibly a card number) becomes one INTERNAL_SERVER_ERROR
// whose response names the request id, and is logged by class and code only, with that request id.
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from '../graphql/context.js';
import { DomainError } from '../domain/errors.js';
import { TYPED_CODES, toGraphQLError } from '../graphql/typed-errors.js';

const PASS_THROUGH = new Set([
  // The domain's codes and the edge's (src/domain/errors.ts, src/graphql/typed-errors.ts).
  ...TYPED_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'AUDIT_UNAVAILABLE',
  'LIMIT_EXCEEDED',
]);

export const MASKED_MESSAGE = 'Internal error; quote the request id to an administrator.';

const NAME = '[_A-Za-z][_0-9A-Za-z]*';

/** The part of a coercion error worth keeping, recognised by shape; the value it quotes is dropped. */
function safeDetail(message: string): string | null {
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    [new RegExp(`(${NAME}) cannot represent `), (m) => `${m[1]} cannot represent the value.`],
    [
      new RegExp(`does not exist in "(${NAME})" enum`),
      (m) => `The value does not exist in "${m[1]}" enum.`,
    ],
    [
      /Expected type "([_0-9A-Za-z![\]]+)" to be an object\.$/,
      (m) => `Expected type "${m[1]}" to be an object.`,
    ],
    [
      /Expected non-nullable type "([_0-9A-Za-z![\]]+)" not to be null\.$/,
      (m) => `Expected non-nullable type "${m[1]}" not to be null.`,
    ],
    [
      new RegExp(`Field "(${NAME})" is not defined by type "(${NAME})"\\.`),
      (m) => `Field "${m[1]}" is not defined by type "${m[2]}".`,
    ],
    [
      new RegExp(
        `Field "(${NAME}(?:\\.${NAME})?)" of required type "([_0-9A-Za-z!\\[\\]]+)" was not provided\\.`,
      ),
      (m) => `Field "${m[1]}" of required type "${m[2]}" was not provided.`,
    ],
    // The Date and DateTime scalars' own fixed messages (src/graphql/resolvers/scalars.ts).
    [/Invalid (Date|DateTime)(: expected [A-Za-z0-9 -]+)?\./, (m) => m[0]],
  ];
  for (const [re, make] of patterns) {
    const m = message.match(re);
    if (m) return make(m);
  }
  return null;
}

/**
 * graphql-js quotes the offending value in coercion errors ("Variable "$card" got invalid value
 * "2900…"; …", "String cannot represent a non string value: 2900…"). The message is rebuilt from
 * the parts that cannot hold a value: variable name, path (identifiers and indexes only), type names.
 */
export function withoutValues(message: string): string {
  const variable = message.match(new RegExp(`^Variable "\\$(${NAME})" got invalid value `));
  if (variable) {
    const name = variable[1]!;
    const at = message.match(new RegExp(` at "(${name}(?:\\.${NAME}|\\[\\d+\\])*)"; `));
    const detail = safeDetail(message);
    return `Variable "$${name}" got an invalid value${at ? ` at "${at[1]}"` : ''}${detail ? `; ${detail}` : '.'}`;
  }
  const expected = message.match(/^Expected value of type "([_0-9A-Za-z![\]]+)", found /);
  if (expected) {
    const detail = safeDetail(message.slice(expected[0].length));
    return `Expected value of type "${expected[1]}"${detail ? `; ${detail}` : '.'}`;
  }
  if (/cannot represent|does not exist in "/.test(message))
    return safeDetail(message) ?? 'Invalid value.';
  // The parser names the token it stopped at, with its text: keep the kind, drop the text.
  if (message.startsWith('Syntax Error: '))
    return message
      .replace(/\b(Name|Int|Float|String|BlockString) ".*"/s, '$1')
      .replace(/: ".*"\.$/s, '.');
  return message;
}

/**
 * Apollo's request pipeline refuses a persisted query whose hash does not match its text, or of a
 * version it does not know, with a code-less GraphQLError (HTTP 400). Its fixed text quotes nothing
 * the client sent; without a code it would be masked and logged as an internal error.
 */
const PIPELINE_REFUSALS = new Set([
  'provided sha does not match query',
  'Unsupported persisted query version',
]);

const isPipelineRefusal = (error: unknown): boolean =>
  error instanceof GraphQLError && !error.path && PIPELINE_REFUSALS.has(error.message);

function isPassThrough(error: unknown, code: unknown): boolean {
  if (isPipelineRefusal(error)) return true;
  if (error instanceof DomainError) return true;
  return error instanceof GraphQLError && typeof code === 'string' && PASS_THROUGH.has(code);
}

/** The call sites of an error's stack, without its first line (the message, which may quote values). */
function frames(stack: unknown): string[] | undefined {
  if (typeof stack !== 'string') return undefined;
  const at = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim())
    .slice(0, 20);
  return at.length ? at : undefined;
}

function describe(error: unknown): Record<string, unknown> {
  const e = error as
    | {
        constructor?: { name?: string };
        code?: unknown;
        stack?: unknown;
        cause?: { constructor?: { name?: string }; code?: unknown; stack?: unknown };
      }
    | undefined;
  const code = e?.code ?? e?.cause?.code;
  // The class names, a short driver code (e.g. PostgreSQL's 42P01) and the stack frames, so an
  // operator can find the cause: never a message, which may hold a query's parameters.
  const cause = e?.cause && typeof e.cause === 'object' ? e.cause : undefined;
  return {
    type: e?.constructor?.name ?? typeof error,
    ...(typeof code === 'string' && code.length <= 16 ? { code } : {}),
    ...(frames(e?.stack) ? { stack: frames(e?.stack) } : {}),
    ...(cause
      ? {
          cause: {
            type: cause.constructor?.name ?? typeof cause,
            ...(frames(cause.stack) ? { stack: frames(cause.stack) } : {}),
          },
        }
      : {}),
  };
}

export interface ErrorHandling {
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Logs each error that will be masked, with the request's logger (so the line has the request id). */
  plugin: ApolloServerPlugin<GraphQLContext>;
}

export function createErrorHandling(logger: Logger): ErrorHandling {
  const logged = new WeakSet<object>();
  return {
    formatError(formatted, error) {
      const original = unwrapResolverError(error);
      if (isPipelineRefusal(original))
        return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
      // The domain's typed errors get their GraphQL form here, at the edge.
      if (original instanceof DomainError)
        return {
          ...formatted,
          message: withoutValues(formatted.message),
          extensions: toGraphQLError(original).extensions,
        };
      if (isPassThrough(original, formatted.extensions?.code))
        return { ...formatted, message: withoutValues(formatted.message) };
      // Errors raised before a request context exists (no request id yet) are logged here.
      if (!(typeof original === 'object' && original !== null && logged.has(original))) {
        logger.error({ err: describe(original), path: formatted.path }, 'unexpected error masked');
      }
      return {
        message: MASKED_MESSAGE,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        // The request id is added to this error and to the response's extensions by plugins.ts.
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
    plugin: {
      async requestDidStart() {
        return {
          async didEncounterErrors({ errors, contextValue }) {
            for (const error of errors) {
              const original = unwrapResolverError(error);
              if (isPassThrough(original, error.extensions?.code)) continue;
              if (typeof original === 'object' && original !== null) logged.add(original);
              contextValue.logger.error(
                { err: describe(original), path: error.path },
                'unexpected error masked',
              );
            }
          },
        };
      },
    },
  };
}
