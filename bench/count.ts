// SQL statements and round trips per request. The server processes cannot be read from outside,
// so each variant also runs in this process on the same database, and a few requests of each
// scenario are counted: statements as drizzle issues them (database.stats.queries), round trips
// as node-postgres sends them (every Client#query, BEGIN/COMMIT included; PostgreSQL only — PGlite
// runs in-process and has no round trips), and the audit writer's own appends and checkpoints.
// The checkpoint timer is off while counting: a checkpoint every AUDIT_CHECKPOINT_INTERVAL_MS per
// process, whatever the load, is not a cost of the request, and landing in the window or not made
// the same request count 3.0 or 3.4 statements. Checkpoints the rows call for (AUDIT_CHECKPOINT_EVERY)
// are still counted.
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { verifierFromConfig } from '../src/auth/verifier.js';
import { startServer } from '../src/server.js';
import { startVariantServer, type Variant } from './variant-server.js';
import type { Scenario } from './scenarios.js';

export interface Counts {
  statements: number;
  roundTrips: number | null;
  auditWrites: number | null;
}

let roundTrips = 0;
const originalQuery = pg.Client.prototype.query;
// Counting only: every call goes through unchanged.
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  roundTrips++;
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const REQUESTS = 5;

export async function countPerRequest(
  variant: Variant | 'protected',
  env: Record<string, string>,
  scenarios: Scenario[],
): Promise<Map<string, Counts>> {
  const config = loadConfig({
    REFUSAL_LIMIT: '1000000000',
    ...env,
    AUDIT_CHECKPOINT_INTERVAL_MS: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('warn');
  const database: Database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  const verifier = await verifierFromConfig(config);
  const protectedServer =
    variant === 'protected' ? await startServer({ config, logger, database, verifier }) : null;
  const running =
    protectedServer ??
    (await startVariantServer(variant as Variant, config, logger, database, verifier));
  const audit = protectedServer?.audit ?? null;
  const out = new Map<string, Counts>();
  try {
    for (const s of scenarios) {
      const send = async () => {
        const res = await fetch(running.url, { method: 'POST', headers: s.headers, body: s.body });
        await res.arrayBuffer();
      };
      await send(); // warm: first-use lookups (designation, keys) are not what a request costs
      await audit?.checkpointNow();
      const before = {
        q: database.stats.queries,
        rt: roundTrips,
        a: audit ? audit.stats.appends + audit.stats.checkpoints : 0,
      };
      for (let i = 0; i < REQUESTS; i++) await send();
      // A checkpoint a request triggers is written just after it (queued): let it land, then count.
      await new Promise((r) => setTimeout(r, 300));
      out.set(s.id, {
        statements: (database.stats.queries - before.q) / REQUESTS,
        roundTrips: database.kind === 'postgres' ? (roundTrips - before.rt) / REQUESTS : null,
        auditWrites: audit
          ? (audit.stats.appends + audit.stats.checkpoints - before.a) / REQUESTS
          : null,
      });
    }
  } finally {
    await running.stop();
  }
  return out;
}
