// The benchmark's comparison servers: src/server.ts's createSubgraphApp, the same app the subgraph
// runs, given a schema WITHOUT the project's protection and no audit plugin:
//   baseline               buildUnprotectedSchema(): no shield, and no authorization call at all
//                          (the resolvers' list narrowing answers "everything" without deciding)
//   default-shield         under graphql-shield rules with default options (naive-shield.ts, no_cache)
//   default-shield-strict  the same rules with the documented caches (strict / contextual)
// The real server (src/main.ts → startServer) has no switch for any of them; only this file builds them.
// Run as a process: bench/run.ts compiles it to dist/bench/variant-server.js and runs `node <it> <variant>`.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, type Logger } from '../src/logger.js';
import { openDatabase, type Database } from '../src/db/client.js';
import type { TokenVerifier } from '../src/auth/jwt.js';
import { verifierFromConfig } from '../src/auth/verifier.js';
import { buildUnprotectedSchema } from '../src/graphql/schema.js';
import { createSubgraphApp } from '../src/server.js';
import type { AccessControl, ListScope } from '../src/authz/policy/access-control.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { naiveShield } from './naive-shield.js';

export const VARIANTS = ['baseline', 'default-shield', 'default-shield-strict'] as const;
export type Variant = (typeof VARIANTS)[number];

function variantSchema(variant: Variant): GraphQLSchema {
  const unprotected = buildUnprotectedSchema();
  if (variant === 'baseline') return unprotected;
  return applyMiddleware(
    unprotected,
    naiveShield(unprotected, variant === 'default-shield' ? 'no_cache' : 'strict'),
  );
}

const EVERYTHING: ListScope = {
  currentOnly: false,
  librarianId: null,
  hideNondisclosed: false,
  ranges: null,
};

/**
 * The baseline's access control: the resolvers ask it how to narrow a patron's lists
 * (listScopeFor), and it answers "not at all" without a lookup or a decision. Anything else asked
 * of it is a resolver deciding, which an unprotected baseline must not do: it throws, and the bench
 * refuses the run. (The scenarios' lists are filtered to what every principal may see, so the
 * answers match the protected server's.)
 */
const NO_AUTHORIZATION = new Proxy({} as AccessControl, {
  get(_, name) {
    if (name === 'listScopeFor') return () => EVERYTHING;
    if (name === 'then') return undefined; // not a thenable
    throw new Error(`baseline: authorization called (${String(name)})`);
  },
});

/** Swaps the request's access control for NO_AUTHORIZATION before anything resolves. */
const withoutAuthorization: ApolloServerPlugin<GraphQLContext> = {
  requestDidStart({ contextValue }) {
    contextValue.authz = NO_AUTHORIZATION;
    return Promise.resolve();
  },
};

export interface VariantServer {
  url: string;
  stop(): Promise<void>;
}

export async function startVariantServer(
  variant: Variant,
  config: Config,
  logger: Logger,
  database: Database,
  verifier: TokenVerifier,
): Promise<VariantServer> {
  const app = await createSubgraphApp({
    config,
    logger,
    database,
    verifier,
    schema: variantSchema(variant),
    plugins: variant === 'baseline' ? [withoutAuthorization] : [],
  });
  return {
    url: app.url,
    async stop() {
      await app.stop();
      await database.close();
    },
  };
}

// Run directly (tsx) or as the bundle bench/run.ts compiles (dist/bench/variant-server.js).
const isMain = /variant-server\.(ts|js)$/.test(process.argv[1] ?? '');
if (isMain) {
  const variant = process.argv[2] as Variant;
  if (!VARIANTS.includes(variant))
    throw new Error(`usage: variant-server.ts ${VARIANTS.join('|')}`);
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  const server = await startVariantServer(
    variant,
    config,
    logger,
    database,
    await verifierFromConfig(config),
  );
  logger.warn({ url: server.url, variant }, 'bench variant ready');
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => void server.stop().then(() => process.exit(0)));
}
