// Apollo Server plugins of the request flow: request id on every response, and responses that
// carry protected data are never stored by a shared cache.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../graphql/context.js';

export const requestIdPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind === 'single') {
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, requestId: contextValue.requestId };
        }
        response.http.headers.set('x-request-id', contextValue.requestId);
      },
    };
  },
};

/** Personal data must not be kept by shared caches (DESIGN invariant 6); the server sets no cookies (reg. 13). */
export const noStorePlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};
