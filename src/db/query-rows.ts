// Rows of a raw statement, whichever driver ran it (node-postgres and PGlite both answer `{ rows }`).
import type { SQL } from 'drizzle-orm';
import type { Db } from './client.js';

export async function queryRows<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}
