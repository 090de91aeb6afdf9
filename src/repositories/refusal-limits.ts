// The refusal rate limit's counters on PostgreSQL (table refusal_limits, migration 0013), shared by
// every replica: rate-limiter-flexible's drizzle store counts in the table, and expired counters
// are deleted here. src/http/refusal-limit.ts decides what counts.
import { lt } from 'drizzle-orm';
import { RateLimiterDrizzle } from 'rate-limiter-flexible';
import type { Db } from '../db/client.js';
import { refusalLimits } from '../db/schema/limits.sql.js';

/** How refusals are counted: points per key within `duration` seconds, then a block. */
export interface RefusalCounting {
  keyPrefix: string;
  points: number;
  duration: number;
  blockDuration: number;
}

/** The table's store. The table is the migration's: the library never creates one at runtime. */
export function refusalLimitStore(db: Db, counting: RefusalCounting): RateLimiterDrizzle {
  return new RateLimiterDrizzle({
    ...counting,
    storeClient: db,
    schema: refusalLimits,
    clearExpiredByTimeout: false,
  });
}

/** Deletes the counters that expired before `before`. */
export async function deleteExpiredRefusals(db: Db, before: Date): Promise<void> {
  await db.delete(refusalLimits).where(lt(refusalLimits.expire, before));
}
