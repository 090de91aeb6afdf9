// Limits against abuse, each from the configuration. Document-shape limits (depth, aliases) are
// validation rules, so an oversized operation is refused before any resolver runs, with
// GRAPHQL_VALIDATION_FAILED and `extensions.limit` naming the setting. The token limit is
// graphql-js's own parser option (set in server.ts); cost (cost.ts), representations and execution
// time are plugins that refuse with LIMIT_EXCEEDED.
import {
  GraphQLError,
  Kind,
  type ASTNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import type { Config } from '../config.js';
import type { LimitName, Metrics } from '../metrics.js';
import type { GraphQLContext } from '../graphql/context.js';

const LIMIT_EXCEEDED = 'LIMIT_EXCEEDED';

export function limitError(message: string, setting: string, httpStatus?: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: LIMIT_EXCEEDED,
      limit: setting,
      ...(httpStatus ? { http: { status: httpStatus } } : {}),
    },
  });
}

/**
 * graphql-armor's rules throw out of validate() by default; here they report a validation error
 * instead (propagateOnRejection: false) with our own message, so Apollo types and masks it as usual.
 */
function reporting(name: LimitName, setting: string, metrics: Metrics) {
  return {
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        metrics.limitRejected(name);
        // Drop armor's "Syntax Error: " prefix: this is not a syntax error.
        const message = error.message.replace(/^Syntax Error: /, '');
        context?.reportError(new GraphQLError(message, { extensions: { limit: setting } }));
      },
    ],
  };
}

export function limitValidationRules(config: Config, metrics: Metrics): ValidationRule[] {
  return [
    // Fragments (the router's `... on Loan`) add no depth: depth is about nested data.
    maxDepthRule({
      n: config.MAX_QUERY_DEPTH,
      flattenFragments: true,
      ...reporting('depth', 'MAX_QUERY_DEPTH', metrics),
    }),
    maxAliasesRule({ n: config.MAX_ALIASES, ...reporting('aliases', 'MAX_ALIASES', metrics) }),
  ] as ValidationRule[];
}

/** Representations a `_entities` selection asks for: a list literal, or the list a variable holds. */
function representationCount(
  args: readonly { name: { value: string }; value: ASTNode }[],
  variables: Record<string, unknown>,
): number {
  const arg = args.find((a) => a.name.value === 'representations');
  if (!arg) return 0;
  const value = arg.value;
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return Array.isArray(v) ? v.length : v == null ? 0 : 1;
  }
  return 1;
}

function countEntities(
  set: SelectionSetNode,
  ctx: GraphQLRequestContext<GraphQLContext>,
  seen: Set<string>,
): number {
  let n = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD && s.name.value === '_entities')
      n += representationCount(s.arguments ?? [], ctx.request.variables ?? {});
    else if (s.kind === Kind.INLINE_FRAGMENT) n += countEntities(s.selectionSet, ctx, seen);
    else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
      seen.add(s.name.value);
      const fragment = ctx.document?.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION)
        n += countEntities(fragment.selectionSet, ctx, seen);
    }
  }
  return n;
}

/** Refuses an operation asking for more than `max` entity representations in total, before execution. */
export function entitiesLimitPlugin(
  max: number,
  metrics: Metrics,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(ctx) {
          if (!ctx.operation || ctx.operation.operation !== 'query') return;
          if (countEntities(ctx.operation.selectionSet, ctx, new Set()) > max) {
            metrics.limitRejected('entities');
            throw limitError(
              `At most ${max} entity representations may be resolved in one request.`,
              'MAX_ENTITY_REPRESENTATIONS',
              400,
            );
          }
        },
      };
    },
  };
}

/** Counts documents refused by graphql-js's own token limit (the parser reports them as syntax errors). */
export function tokenLimitMetricsPlugin(metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async parsingDidStart() {
          return async (error?: Error) => {
            if (error && /Document contains more th[ae]n? \d+ tokens/.test(error.message))
              metrics.limitRejected('tokens');
          };
        },
      };
    },
  };
}

/**
 * Execution time limit. graphql-js cannot abort a running resolver, so the deadline is checked as
 * each field starts (a synchronous clock read): once it has passed, no further field resolves, and
 * the response becomes one LIMIT_EXCEEDED error with no data (503). A single slow statement is
 * bounded by the database's own statement timeout, not by this.
 */
export function executionTimeoutPlugin(
  ms: number,
  metrics: Metrics,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let timedOut = false;
      return {
        async executionDidStart() {
          const deadline = performance.now() + ms;
          return {
            willResolveField() {
              if (timedOut || performance.now() > deadline) {
                timedOut = true;
                throw limitError(
                  'The operation exceeded the execution time limit.',
                  'EXECUTION_TIMEOUT_MS',
                );
              }
            },
          };
        },
        async willSendResponse({ response }) {
          if (!timedOut || response.body.kind !== 'single') return;
          metrics.limitRejected('timeout');
          response.http.status = 503;
          response.body.singleResult = {
            ...(response.body.singleResult.extensions
              ? { extensions: response.body.singleResult.extensions }
              : {}),
            data: null,
            errors: [
              {
                message: 'The operation exceeded the execution time limit.',
                extensions: { code: LIMIT_EXCEEDED, limit: 'EXECUTION_TIMEOUT_MS' },
              },
            ],
          };
        },
      };
    },
  };
}
