// Migrations on PostgreSQL run under a session advisory lock, on the connection that holds it: a
// server configured with DATABASE_POOL_SIZE=1 must still migrate a fresh database, not wait forever
// for a second connection.
import { afterAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.js';

let db: TestDatabase | undefined;
let single: Database | undefined;

afterAll(async () => {
  await single?.close();
  await db?.drop();
});

test.skipIf(!onPostgres)(
  'a pool of one connection migrates a fresh PostgreSQL database',
  async () => {
    db = await createTestDatabase({ migrate: false });
    single = await openDatabase({ url: db.url!, poolSize: 1 });
    const stalled = new Promise<string>((resolve) => setTimeout(() => resolve('stalled'), 20_000));
    const outcome = await Promise.race([migrateDatabase(single).then(() => 'migrated'), stalled]);
    expect(outcome).toBe('migrated');
    const [row] = await db.raw(`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(row!.n).toBeGreaterThan(10);
    expect(await db.raw(`select to_regclass('public.patrons') is not null as present`)).toEqual([
      { present: true },
    ]);
  },
  40_000,
);
