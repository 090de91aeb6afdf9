// Apollo Server plugins of the request flow: request id on every response (and on every masked
// error), responses never stored by a shared cache, and access decisions counted for metrics.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';
import type { Metrics } from '../metrics.js';

export const requestIdPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind === 'single') {
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, requestId: contextValue.requestId };
          // A masked error must say which request to look up in the log.
          result.errors = result.errors?.map((e) =>
            e.extensions?.code === 'INTERNAL_SERVER_ERROR'
              ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } }
              : e,
          );
        }
        response.http.headers.set('x-request-id', contextValue.requestId);
      },
    };
  },
};

/**
 * Personal data must not be kept by shared caches (DESIGN invariant 6): whatever cache hints a
 * field carries, the answer is no-store. The server sets no cookies (reg. 13).
 */
export const noStorePlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
        response.http.headers.delete('set-cookie');
      },
    };
  },
};

/** Counts the request's access decisions once execution is over: one pass over the aggregated audit rows. */
export function decisionMetricsPlugin(metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ contextValue }) {
          return {
            async executionDidEnd() {
              metrics.accessDecisions(contextValue.audit.entries());
            },
          };
        },
      };
    },
  };
}

/**
 * One access-log line per GraphQL request: request id (from the child logger), whether it came
 * through the router, the operation type, status, error codes and duration. Never the query text,
 * the operation name (client-chosen) or variables.
 */
export const requestLogPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart({ contextValue }) {
    const started = performance.now();
    return {
      async willSendResponse({ response, operation }) {
        const errors =
          response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
        contextValue.logger.info(
          {
            viaRouter: contextValue.viaRouter,
            operation: operation?.operation ?? null,
            status: response.http.status ?? 200,
            errorCodes: errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')),
            ms: Math.round(performance.now() - started),
          },
          'graphql request',
        );
      },
    };
  },
};
