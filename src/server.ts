// Assembles the subgraph: the protected schema, the audit log and its retention schedule, on the
// HTTP app every instance shares (createSubgraphApp); the handle stops it gracefully (leave the
// pool, drain in-flight requests, then close the database).
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { consoleEnabled, type Config } from './config.js';
import type { Logger } from './logger.js';
import type { Database } from './db/client.js';
import type { TokenVerifier } from './auth/jwt.js';
import { InvalidTokenError } from './auth/jwt.js';
import { buildSchema } from './graphql/schema.js';
import { createContext, type GraphQLContext } from './graphql/context.js';
import { unauthenticated } from './graphql/typed-errors.js';
import { Metrics } from './metrics.js';
import { apolloLogger } from './http/apollo-logger.js';
import { createErrorHandling } from './http/error-masking.js';
import { httpErrorHandler } from './http/error-responses.js';
import { identify, requestIdOf } from './http/identify.js';
import { costLimitPlugin } from './http/cost.js';
import {
  entitiesLimitPlugin,
  executionTimeoutPlugin,
  limitValidationRules,
  tokenLimitMetricsPlugin,
} from './http/limits.js';
import { operationsRoutes, type Lifecycle } from './http/operations.js';
import {
  decisionMetricsPlugin,
  noStorePlugin,
  requestIdPlugin,
  requestLogPlugin,
} from './http/plugins.js';
import { routerGate } from './http/router-secret.js';
import { concurrencyGate } from './http/concurrency-gate.js';
import { RefusalLimiter, refusalKey, refusalLimitPlugin } from './http/refusal-limit.js';
import { ANONYMOUS } from './auth/principal.js';
import { vendorSettingsFrom } from './domain/vendor-settings.js';
import { auditPlugin } from './audit/plugin.js';
import { AuditWriter } from './audit/writer.js';
import { atomicMutations } from './audit/mutation.js';
import { loadCheckpointKey } from './audit/checkpoints.js';
import { witnessesFromConfig } from './audit/witness.js';
import { assertRuntimeRole } from './db/roles.js';
import { tlsServerOptions } from './http/tls.js';
import { startRetentionSchedule } from './retention/schedule.js';
import { AuditHealth } from './audit/health.js';
import { lazyConsoleRoutes } from './http/console-route.js';
import type { DevTokenMinter } from './http/console-dev.js';
import { telemetryState } from './telemetry/state.js';
import { explorerHandler } from './http/explorer.js';

export interface ServerDeps {
  config: Config;
  logger: Logger;
  database: Database;
  verifier: TokenVerifier;
  now?: () => Date;
  /** Defaults to a new registry with process metrics. */
  metrics?: Metrics;
  /** Mints the console's demo tokens (development only: src/http/console-dev.ts). */
  devTokens?: DevTokenMinter;
}

export interface SubgraphAppOptions extends ServerDeps {
  /** The executable schema; authorization, if any, is the schema's own field middleware. */
  schema: GraphQLSchema;
  /** Added after the request-flow plugins every instance has. */
  plugins: ApolloServerPlugin<GraphQLContext>[];
  /** Throttles principals whose refusals pass the limit; absent, nothing is throttled (benchmark baselines). */
  refusalLimiter?: RefusalLimiter;
  /** The audit log's verification job (the console's log health); absent, none runs. */
  auditHealth?: AuditHealth;
}

export interface SubgraphApp {
  url: string;
  http: Server;
  metrics: Metrics;
  /** Readiness answers 503 from here on, so a replica leaves the pool before it drains. */
  stopAccepting(): void;
  /** Stops accepting, drains in-flight requests and stops Apollo Server; the database stays open. */
  stop(): Promise<void>;
}

export interface RunningServer {
  url: string;
  http: Server;
  /** The instance's metrics; the audit flush reports through `metrics.auditFlush(ms, ok)`. */
  metrics: Metrics;
  /** The audit log's writer (tests read its statement counts). */
  audit: AuditWriter;
  stop(): Promise<void>;
}

/** The subgraph: its schema under the audit log, listening on config.HOST:PORT. */
export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, logger, database } = deps;
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? new Metrics();
  // A superuser or the tables' owner could disable the audit triggers: production never serves as one.
  if (config.NODE_ENV === 'production' && database.kind === 'postgres')
    await assertRuntimeRole(database.pool);
  const witnesses = witnessesFromConfig(config);
  if (!witnesses.length && config.AUDIT_UNWITNESSED)
    logger.warn(
      { setting: 'AUDIT_UNWITNESSED' },
      'audit heads are not witnessed: a rollback or wipe of the database would go unseen',
    );
  const audit = new AuditWriter(
    database.db,
    loadCheckpointKey(config),
    logger,
    {
      checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
      checkpointIntervalMs: config.AUDIT_CHECKPOINT_INTERVAL_MS,
      witnesses,
      writerId: config.AUDIT_WRITER_ID,
    },
    now,
  );
  const refusalLimiter = new RefusalLimiter(
    database,
    {
      limit: config.REFUSAL_LIMIT,
      windowSeconds: config.REFUSAL_WINDOW_SECONDS,
      blockSeconds: config.REFUSAL_BLOCK_SECONDS,
    },
    logger,
    metrics,
  );
  // Verification starts only when someone asks for the log's health: nothing runs at startup.
  const health = new AuditHealth(
    database.db,
    loadCheckpointKey(config),
    witnesses,
    logger,
    config.AUDIT_VERIFY_MAX_AGE_MINUTES * 60_000,
    now,
  );
  const app = await createSubgraphApp({
    ...deps,
    now,
    metrics,
    auditHealth: health,
    schema: buildSchema([atomicMutations(audit)]),
    refusalLimiter,
    plugins: [
      decisionMetricsPlugin(metrics),
      auditPlugin(audit, logger, metrics),
      refusalLimitPlugin(refusalLimiter),
    ],
  });
  const retention = startRetentionSchedule({ config, database, logger, audit, now });
  return {
    url: app.url,
    http: app.http,
    metrics,
    audit,
    async stop() {
      app.stopAccepting();
      // Retention appends to the audit log: it finishes before Apollo's stop writes the final checkpoint.
      await retention.stop();
      await app.stop();
      await health.settle();
      refusalLimiter.close();
      await database.close();
    },
  };
}

/**
 * Apollo Server and the HTTP app around a given schema: limits, error masking, request ids,
 * operations endpoints, router secret. startServer is its one production caller; the benchmark
 * builds its unprotected comparison servers with it, so they differ from the subgraph only in the
 * schema's middleware and the plugins passed here.
 */
export async function createSubgraphApp(options: SubgraphAppOptions): Promise<SubgraphApp> {
  const { config, logger, database, verifier, schema, plugins, refusalLimiter } = options;
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? new Metrics();
  const vendorSettings = vendorSettingsFrom(config);
  const disclosureSettings = {
    emergencyAccessHours: config.EMERGENCY_ACCESS_HOURS,
    emergencyRatificationHours: config.EMERGENCY_RATIFICATION_HOURS,
    expiryWarningDays: config.DISCLOSURE_EXPIRY_WARNING_DAYS,
    maxAccessDays: config.DISCLOSURE_MAX_ACCESS_DAYS,
  };
  const lifecycle: Lifecycle = { accepting: false };
  // Loaded only when tracing is on (src/telemetry): off, nothing of OpenTelemetry is imported.
  const tracing = telemetryState.on
    ? await (await import('./telemetry/instrument.js')).loadTracing()
    : undefined;
  tracing?.traceDatabase(database);
  const errors = createErrorHandling(logger);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const tls = tlsServerOptions(config);
  const http: Server = tls ? createTlsServer(tls, app) : createServer(app);

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    logger: apolloLogger(logger),
    formatError: errors.formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.NODE_ENV !== 'production',
    // Hides "Did you mean ...?" field suggestions: they reveal the schema to a prober.
    hideSchemaDetailsFromClientErrors: config.NODE_ENV === 'production',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT (drain, final audit checkpoint, close the database, exit); two
    // handlers raced, and Apollo re-sends the signal after its own stop.
    stopOnTerminationSignals: false,
    parseOptions: { maxLexicalTokens: config.MAX_QUERY_TOKENS },
    validationRules: limitValidationRules(config, metrics),
    plugins: [
      ...(tracing ? [tracing.graphqlTracing()] : []),
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      ApolloServerPluginLandingPageDisabled(),
      // Inline traces (ftv1) would hand error messages and timings to whoever sends the header.
      ApolloServerPluginInlineTraceDisabled(),
      errors.plugin,
      costLimitPlugin(config.MAX_QUERY_COST, metrics),
      entitiesLimitPlugin(config.MAX_ENTITY_REPRESENTATIONS, metrics),
      tokenLimitMetricsPlugin(metrics),
      executionTimeoutPlugin(config.EXECUTION_TIMEOUT_MS, metrics),
      requestIdPlugin,
      noStorePlugin,
      requestLogPlugin,
      ...plugins,
    ],
  });
  await apollo.start();

  if (tracing) app.use(tracing.httpTracing());
  // Every answer, including 401/413 and the operations endpoints, is no-store and cookie-free.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const path = req.path; // read now: a mounted router rewrites req.url while it runs
    res.setHeader('cache-control', 'no-store');
    res.on('finish', () =>
      metrics.httpRequest(
        path,
        req.method,
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    next();
  });
  app.use(operationsRoutes(database, metrics, lifecycle));
  // GraphiQL for a browser outside production; it serves a page, never data.
  const explorer = explorerHandler(config.NODE_ENV);
  if (explorer) app.get('/graphql', explorer);
  // The one Apollo middleware, kept for the console's own entry to it.
  let graphql: RequestHandler;
  app.use(
    '/graphql',
    // The router secret is checked before express.json reads a byte of the body.
    routerGate(config.ROUTER_SECRET, metrics),
    express.json({ limit: config.MAX_BODY_BYTES }),
    // Bounded work under a burst (src/http/concurrency-gate.ts): memory stays what this many hold.
    concurrencyGate(config.MAX_CONCURRENT_REQUESTS),
    (graphql = expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = requestIdOf(req.headers);
        const viaRouter = res.locals.viaRouter === true;
        const who = await identify(req.headers, verifier, viaRouter, requestId).catch(
          async (err: unknown) => {
            if (!(err instanceof InvalidTokenError)) throw err;
            // The reason class only: never the token, nor jose's message (it may quote claims).
            logger.warn({ requestId, reason: err.reason }, 'token rejected');
            metrics.tokenRejected(err.reason);
            // A bad token is a refusal of a caller known only by its address.
            const key = refusalLimiter && refusalKey(ANONYMOUS, req, viaRouter);
            const wait =
              key && (refusalLimiter.blockedFor(key) ?? (await refusalLimiter.refused(key)));
            if (key && wait) throw refusalLimiter.throttle(requestId, 'anonymous', key, wait);
            throw unauthenticated(401, requestId);
          },
        );
        // A principal past its refusal limit is answered before anything runs (no round trip).
        const key = refusalLimiter && refusalKey(who.principal, req, viaRouter);
        const wait = key && refusalLimiter.blockedFor(key);
        if (key && wait) throw refusalLimiter.throttle(requestId, who.principal.kind, key, wait);
        const ctx = createContext(
          database.db,
          logger,
          who,
          now,
          vendorSettings,
          disclosureSettings,
          config.STATISTICS_MIN_CELL,
          options.auditHealth,
        );
        return key ? { ...ctx, refusalKey: key } : ctx;
      },
    })),
  );
  // The privacy console and its own entry to the same Apollo Server (docs/console.md); loaded on
  // its first request, absent when disabled.
  if (consoleEnabled(config))
    app.use('/console', lazyConsoleRoutes({ config, graphql, devTokens: options.devTokens }));
  app.use(httpErrorHandler(logger, metrics, config.MAX_BODY_BYTES));

  await new Promise<void>((resolve) => http.listen(config.PORT, config.HOST, resolve));
  lifecycle.accepting = true;
  const { port } = http.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://${config.HOST}:${port}/graphql`,
    http,
    metrics,
    stopAccepting() {
      lifecycle.accepting = false;
    },
    async stop() {
      lifecycle.accepting = false;
      await apollo.stop();
    },
  };
}
