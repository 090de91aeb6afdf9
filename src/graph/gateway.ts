// A real @apollo/gateway over a composed supergraph, forwarding the caller's headers and the
// router secret (headers.ts). `npm run graph` serves it; the federation tests run it beside Hive
// Gateway.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { IncomingHttpHeaders } from 'node:http';
import { subgraphHeaders } from './headers.js';
import type { RunningSubgraph } from './catalogue.js';

interface GatewayContext {
  headers: IncomingHttpHeaders;
}

export async function startApolloGateway(options: {
  supergraphSdl: string;
  routerSecret?: string;
  port: number;
  host?: string;
}): Promise<RunningSubgraph> {
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url,
        willSendRequest({ request, context }) {
          const incoming = (h: string) => {
            const v = context.headers?.[h];
            return typeof v === 'string' ? v : undefined;
          };
          for (const [k, v] of Object.entries(
            subgraphHeaders(name, incoming, options.routerSecret),
          ))
            request.http?.headers.set(k, v);
        },
      }),
  });
  // The script that starts it owns SIGTERM/SIGINT (src/graph/main.ts).
  const server = new ApolloServer<GatewayContext>({ gateway, stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port, host: options.host ?? '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  return { url, stop: () => server.stop() };
}
