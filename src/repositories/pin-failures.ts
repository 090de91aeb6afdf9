// Counting wrong PINs toward a lock, for the vendor lockout (per vendor and card, regulation 7)
// and the patron's own PIN change (per patron, regulation 11): one atomic upsert a wrong PIN, so
// concurrent attempts all count.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

export interface PinFailureState {
  failures: number;
  lockedUntil: Date | null;
}

interface FailureColumns {
  failures: PgColumn;
  lockedUntil: PgColumn;
  lastFailureAt: PgColumn;
}

/**
 * The row of a first wrong PIN at `at`, and the update of a row already there: failures older than
 * the window, or from before an expired lock, start the count afresh; reaching `max` sets the lock
 * for one window.
 */
export function countPinFailure(t: FailureColumns, at: Date, max: number, windowMs: number) {
  const since = new Date(at.getTime() - windowMs);
  const until = new Date(at.getTime() + windowMs);
  const stale = sql`(${t.lastFailureAt} is null or ${t.lastFailureAt} <= ${since} or (${t.lockedUntil} is not null and ${t.lockedUntil} <= ${at}))`;
  const next = sql`(case when ${stale} then 1 else ${t.failures} + 1 end)`;
  return {
    first: { failures: 1, lastFailureAt: at, lockedUntil: max <= 1 ? until : null },
    update: {
      failures: next,
      lockedUntil: sql`case when ${next} >= ${max} then ${until}::timestamptz when ${stale} then null else ${t.lockedUntil} end`,
      lastFailureAt: at,
    },
  };
}

/** Rows a right PIN may forget: none under a lock still in force (a lock set meanwhile stands). */
export const notLockedAt = (t: FailureColumns, at: Date): SQL =>
  sql`(${t.lockedUntil} is null or ${t.lockedUntil} <= ${at})`;
