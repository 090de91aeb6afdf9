// A fresh, migrated database per test file: in-memory PGlite by default, or a private schema on
// the PostgreSQL server of DATABASE_URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { grantRuntimeRole } from '../../src/db/roles.js';
import { seedDemo } from '../../src/seed/demo.js';

export const onPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  database: Database;
  /** The PostgreSQL database this file works in (null on PGlite). */
  name: string | null;
  /** Its connection string (null on PGlite). */
  url: string | null;
  /** Run raw SQL as the database owner (superuser on the test server), bypassing the app. */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  options: { seed?: boolean; now?: Date; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  let name: string | null = null;
  let ownUrl: string | null = null;
  let database: Database;
  if (url) {
    // A database per test file: drizzle's migrations name the public schema, so schemas cannot isolate.
    name = `t_${randomBytes(6).toString('hex')}`;
    await admin(url, `create database ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    ownUrl = u.toString();
    database = await openDatabase({ url: ownUrl, poolSize: 5 });
  } else {
    database = await openDatabase({});
  }
  if (options.migrate ?? true) await migrateDatabase(database);
  if ((options.migrate ?? true) && (options.seed ?? true)) await seedDemo(database.db, options.now);

  const raw = async (sql: string, params: unknown[] = []) => {
    if (database.kind === 'pglite')
      return (await database.client.query<Record<string, unknown>>(sql, params)).rows;
    return (await database.pool.query(sql, params)).rows as Record<string, unknown>[];
  };
  return {
    database,
    name,
    url: ownUrl,
    raw,
    async drop() {
      await database.close().catch(() => undefined);
      if (url && name) await admin(url, `drop database if exists ${name} with (force)`);
    },
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The runtime role the tests connect as (cluster-wide, shared by every test database). */
export const TEST_RUNTIME_ROLE = 'patron_records_test_app';

/**
 * The connection string of the runtime role for this test database, after granting it there exactly
 * as `npm run db:roles` does (PostgreSQL only).
 */
export async function runtimeRoleUrl(db: TestDatabase): Promise<string> {
  if (db.database.kind !== 'postgres' || !db.url)
    throw new Error('the runtime role needs PostgreSQL');
  const client = await db.database.pool.connect();
  try {
    await grantRuntimeRole(client, { name: TEST_RUNTIME_ROLE, password: null });
  } finally {
    client.release();
  }
  const u = new URL(db.url);
  u.username = TEST_RUNTIME_ROLE;
  u.password = '';
  return u.toString();
}
