// Assembles the subgraph: database, schema, Apollo Server and the HTTP app; returns a handle that
// stops it gracefully (drain in-flight requests, then close the database).
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Database } from './db/client.js';
import type { TokenVerifier } from './auth/jwt.js';
import { InvalidTokenError } from './auth/jwt.js';
import { buildSchema } from './graphql/schema.js';
import { createContext, type GraphQLContext } from './graphql/context.js';
import { createErrorFormatter } from './http/errors.js';
import { unauthenticated } from './graphql/errors.js';
import { identify } from './http/identify.js';
import { noStorePlugin, requestIdPlugin } from './http/plugins.js';
import { vendorSettingsFrom } from './domain/vendor-settings.js';
import { startRetentionSchedule } from './retention/schedule.js';

export interface ServerDeps {
  config: Config;
  logger: Logger;
  database: Database;
  verifier: TokenVerifier;
  now?: () => Date;
}

export interface RunningServer {
  url: string;
  http: Server;
  stop(): Promise<void>;
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, logger, database, verifier } = deps;
  const now = deps.now ?? (() => new Date());
  const vendorSettings = vendorSettingsFrom(config);
  const app = express();
  app.disable('x-powered-by');
  const http = createServer(app);

  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildSchema(),
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    introspection: config.NODE_ENV !== 'production',
    hideSchemaDetailsFromClientErrors: config.NODE_ENV === 'production',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      ApolloServerPluginLandingPageDisabled(),
      requestIdPlugin,
      noStorePlugin,
    ],
  });
  await apollo.start();

  app.get('/health', async (_req, res) => {
    try {
      await database.ping();
      res.status(200).json({ status: 'ok', database: database.kind });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  app.use(
    '/graphql',
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const who = await identify(req.headers, verifier, false).catch((err: unknown) => {
          if (err instanceof InvalidTokenError) throw unauthenticated(401);
          throw err;
        });
        return createContext(database.db, logger, who, now, vendorSettings, config.STATISTICS_MIN_CELL);
      },
    }),
  );

  await new Promise<void>((resolve) => http.listen(config.PORT, config.HOST, resolve));
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}/graphql`;
  const retention = startRetentionSchedule({ config, database, logger, now });
  return {
    url,
    http,
    async stop() {
      await retention.stop();
      await apollo.stop();
      await database.close();
    },
  };
}
