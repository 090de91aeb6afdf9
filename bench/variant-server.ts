// The benchmark's comparison servers, assembled here from the same schema, resolvers, context,
// express and Apollo setup as src/server.ts, but WITHOUT the project's protection:
//   baseline        buildUnprotectedSchema(): no shield, no audit plugin
//   default-shield  the same schema under a naive graphql-shield rule tree (naive-shield.ts), no audit
// The real server (src/main.ts) has no switch for either; only this file builds them.
// Run as a process: `node --import tsx bench/variant-server.ts <variant>` (same env as npm start).
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { applyMiddleware } from 'graphql-middleware';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, type Logger } from '../src/logger.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { InvalidTokenError, type TokenVerifier } from '../src/auth/jwt.js';
import { verifierFromConfig } from '../src/auth/verifier.js';
import { buildUnprotectedSchema } from '../src/graphql/schema.js';
import { createContext, type GraphQLContext } from '../src/graphql/context.js';
import { unauthenticated } from '../src/graphql/errors.js';
import { Metrics } from '../src/metrics.js';
import { apolloLogger } from '../src/http/apollo-logger.js';
import { createErrorHandling } from '../src/http/errors.js';
import { httpErrorHandler } from '../src/http/http-errors.js';
import { identify } from '../src/http/identify.js';
import { costLimitPlugin } from '../src/http/cost.js';
import { entitiesLimitPlugin, executionTimeoutPlugin, limitValidationRules, tokenLimitMetricsPlugin } from '../src/http/limits.js';
import { operationsRoutes } from '../src/http/operations.js';
import { noStorePlugin, requestIdPlugin, requestLogPlugin } from '../src/http/plugins.js';
import { routerGate } from '../src/http/router-secret.js';
import { vendorSettingsFrom } from '../src/domain/vendor-settings.js';
import { applyNaiveShieldRules } from './naive-shield.js';

export type Variant = 'baseline' | 'default-shield';

export interface VariantServer {
  url: string;
  stop(): Promise<void>;
}

export async function startVariantServer(variant: Variant, config: Config, logger: Logger, database: Database, verifier: TokenVerifier): Promise<VariantServer> {
  const unprotected = buildUnprotectedSchema();
  const schema = variant === 'baseline' ? unprotected : applyMiddleware(unprotected, applyNaiveShieldRules(unprotected));
  const vendorSettings = vendorSettingsFrom(config);
  const metrics = new Metrics();
  const errors = createErrorHandling(logger);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const http = createServer(app);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    logger: apolloLogger(logger),
    formatError: errors.formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    parseOptions: { maxLexicalTokens: config.MAX_QUERY_TOKENS },
    validationRules: limitValidationRules(config, metrics),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      errors.plugin,
      costLimitPlugin(config.MAX_QUERY_COST, metrics),
      entitiesLimitPlugin(config.MAX_ENTITY_REPRESENTATIONS, metrics),
      tokenLimitMetricsPlugin(metrics),
      executionTimeoutPlugin(config.EXECUTION_TIMEOUT_MS, metrics),
      requestIdPlugin,
      noStorePlugin,
      requestLogPlugin,
    ],
  });
  await apollo.start();
  app.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  app.use(operationsRoutes(database, metrics, { accepting: true }));
  app.use(
    '/graphql',
    routerGate(config.ROUTER_SECRET, metrics),
    express.json({ limit: config.MAX_BODY_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const who = await identify(req.headers, verifier, res.locals.viaRouter === true).catch((err: unknown) => {
          if (err instanceof InvalidTokenError) throw unauthenticated(401);
          throw err;
        });
        return createContext(database.db, logger, who, () => new Date(), vendorSettings);
      },
    }),
  );
  app.use(httpErrorHandler(logger, metrics, config.MAX_BODY_BYTES));
  await new Promise<void>((resolve) => http.listen(config.PORT, config.HOST, resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${config.HOST}:${port}/graphql`,
    async stop() {
      await apollo.stop();
      await database.close();
    },
  };
}

const isMain = process.argv[1]?.endsWith('variant-server.ts');
if (isMain) {
  const variant = process.argv[2] as Variant;
  if (variant !== 'baseline' && variant !== 'default-shield') throw new Error('usage: variant-server.ts baseline|default-shield');
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  const server = await startVariantServer(variant, config, logger, database, await verifierFromConfig(config));
  logger.warn({ url: server.url, variant }, 'bench variant ready');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void server.stop().then(() => process.exit(0)));
}
