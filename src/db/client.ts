// One database interface over two drivers: PGlite (embedded default) and node-postgres (production).
// Everything above this file sees only `Db`, drizzle's common PostgreSQL database type.
// Only the driver in use is loaded: the other one would cost start time and memory for nothing.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Logger as DrizzleLogger } from 'drizzle-orm/logger';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

export type Db = PgDatabase<PgQueryResultHKT>;

interface DatabaseBase {
  readonly db: Db;
  /** Statements sent since start; tests and the benchmark read it to count round trips. */
  readonly stats: QueryStats;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type Database =
  | (DatabaseBase & { readonly kind: 'postgres'; readonly pool: pg.Pool })
  | (DatabaseBase & { readonly kind: 'pglite'; readonly client: PGlite });

export interface DatabaseOptions {
  /** PostgreSQL connection string; absent means embedded PGlite. */
  url?: string;
  /** PGlite data folder; absent means in memory. */
  dataDir?: string;
  poolSize?: number;
  /** PostgreSQL schema to work in (tests isolate themselves this way). */
  searchPath?: string;
  /** PostgreSQL session timeouts in ms (0 or absent: the server's default). */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

export interface QueryStats {
  queries: number;
  /** When an array, the SQL text (never the parameters, which may hold personal data) is kept. */
  texts: string[] | null;
}

/** Counts statements; drizzle hands parameters separately, and they are never looked at. */
function countingLogger(stats: QueryStats): DrizzleLogger {
  return {
    logQuery: (query) => {
      stats.queries++;
      stats.texts?.push(query);
    },
  };
}

/** The server's own connection: DATABASE_URL (or the embedded database) with its session timeouts. */
export function serverDatabaseOptions(config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  DATABASE_POOL_SIZE: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: number;
}): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const stats: QueryStats = { queries: 0, texts: null };
  const logger = countingLogger(stats);
  if (options.url) {
    const [{ default: pg }, { drizzle }] = await Promise.all([
      import('pg'),
      import('drizzle-orm/node-postgres'),
    ]);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
      // Session settings sent at connect: a stuck statement or an abandoned transaction cannot
      // hold the audit chain's lock (or a row lock) for longer than this.
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
        : {}),
    });
    // An idle client's error must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const db: Db = drizzle(pool, { logger });
    return {
      db,
      kind: 'postgres',
      pool,
      stats,
      ping: async () => void (await pool.query('select 1')),
      close: () => pool.end(),
    };
  }
  const [{ PGlite }, { drizzle }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  let lock: DataDirLock | null = null;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = lockDataDir(options.dataDir);
  }
  let client: PGlite;
  try {
    client = options.dataDir
      ? await PGlite.create(pgliteFolder(options.dataDir))
      : await PGlite.create();
  } catch (err) {
    lock?.release();
    throw err;
  }
  const db: Db = drizzle(client, { logger });
  return {
    db,
    kind: 'pglite',
    client,
    stats,
    ping: async () => void (await client.query('select 1')),
    async close() {
      await client.close();
      lock?.release();
    },
  };
}

/** PGlite's own folder inside DATA_DIR (the keys and the lock file sit beside it). */
export const pgliteFolder = (dataDir: string) => join(dataDir, 'pglite');

/** `fn` in one transaction, given the transaction as a plain `Db`. */
export function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx as unknown as Db));
}

export const now = () => sql`now()`;
