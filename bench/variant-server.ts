// The benchmark's comparison servers: src/server.ts's createSubgraphApp, the same app the subgraph
// runs, given a schema WITHOUT the project's protection and no audit plugin:
//   baseline               buildUnprotectedSchema(): no shield
//   default-shield         under graphql-shield rules with default options (naive-shield.ts, no_cache)
//   default-shield-strict  the same rules with the documented caches (strict / contextual)
// The real server (src/main.ts → startServer) has no switch for any of them; only this file builds them.
// Run as a process: bench/run.ts compiles it to dist/bench/variant-server.js and runs `node <it> <variant>`.
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger, type Logger } from '../src/logger.js';
import { openDatabase, type Database } from '../src/db/client.js';
import type { TokenVerifier } from '../src/auth/jwt.js';
import { verifierFromConfig } from '../src/auth/verifier.js';
import { buildUnprotectedSchema } from '../src/graphql/schema.js';
import { createSubgraphApp } from '../src/server.js';
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
    plugins: [],
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
