// Applies the committed drizzle/ migrations. On PostgreSQL a session advisory lock makes replicas
// that start together take turns instead of racing on the same DDL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { openDatabase, type Database } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

const MIGRATION_LOCK = 72_001_001;

/** Months of audit_events partitions kept created ahead of the current one (drizzle/0015). */
const AUDIT_PARTITIONS_AHEAD = 3;
const ENSURE_PARTITIONS = `select audit_ensure_partitions(${AUDIT_PARTITIONS_AHEAD})`;

export async function migrateDatabase(
  database: Database,
  migrationsSchema = 'drizzle',
): Promise<void> {
  const config = { migrationsFolder, migrationsSchema };
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    await database.client.query(ENSURE_PARTITIONS);
    return;
  }
  // Nothing to do needs no DDL right: the runtime role (which has none) starts on a migrated database.
  if (await upToDate(database, migrationsSchema)) {
    // The owner (not the runtime role, which may not) also creates the coming months' partitions.
    const { rows } = await database.pool.query<{ owner: boolean }>(
      `select has_function_privilege('audit_ensure_partitions(integer)', 'execute') as owner`,
    );
    if (rows[0]?.owner) await database.pool.query(ENSURE_PARTITIONS);
    return;
  }
  const lock = await database.pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    // On the connection that holds the lock: a pool of one has no second connection to lend.
    await migratePg(drizzle(lock) as unknown as NodePgDatabase, config);
    await lock.query(ENSURE_PARTITIONS);
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lock.release();
  }
}

/** Whether the last committed migration is applied (read-only: the runtime role may ask). */
async function upToDate(
  database: Extract<Database, { kind: 'postgres' }>,
  migrationsSchema: string,
): Promise<boolean> {
  const journal = JSON.parse(
    readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8'),
  ) as {
    entries: { when: number }[];
  };
  const last = Math.max(...journal.entries.map((e) => e.when));
  try {
    const { rows } = await database.pool.query<{ at: string | null }>(
      `select max(created_at)::text as at from "${migrationsSchema}".__drizzle_migrations`,
    );
    return rows[0]?.at !== null && Number(rows[0]?.at) >= last;
  } catch (err) {
    // No migrations table yet (42P01 table, 3F000 schema): a fresh database, migrate it.
    const code = (err as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return false;
    throw err;
  }
}

/**
 * Migrates as the owner: through DATABASE_MIGRATION_URL when it is set (the server and the scripts
 * then serve or work as the runtime role of DATABASE_URL), else through `database` itself.
 */
export async function migrateAsOwner(
  config: { DATABASE_MIGRATION_URL?: string | undefined },
  database: Database,
): Promise<void> {
  if (database.kind !== 'postgres' || !config.DATABASE_MIGRATION_URL) {
    await migrateDatabase(database);
    return;
  }
  const owner = await openDatabase({ url: config.DATABASE_MIGRATION_URL, poolSize: 1 });
  try {
    await migrateDatabase(owner);
  } finally {
    await owner.close();
  }
}
