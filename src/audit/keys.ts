// The per-patron, per-month pseudonym keys of the audit log. Destroying a key (crypto-shredding)
// leaves every audit row unchanged, so the chain still verifies, but nobody can tell any more
// which patron those rows were about. The server's role cannot delete keys itself: it calls the
// owner's audit_shred_subject_keys (SECURITY DEFINER, migration 0013), which does only this.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';

export interface ShredOptions {
  /** Destroy keys of every month that ended at or before this instant. */
  before?: Date;
  /** Destroy only (or, with `before`, only those of) these patrons' keys. */
  patronIds?: readonly string[];
}

/** Returns how many keys were destroyed. Refuses to run without a criterion. */
export async function shredSubjectKeys(db: Db, options: ShredOptions): Promise<number> {
  if (!options.before && !options.patronIds)
    throw new Error('shredSubjectKeys needs `before` or `patronIds`');
  if (options.patronIds && !options.patronIds.length) return 0;
  const before = options.before ? options.before.toISOString() : null;
  // As JSON: drizzle would spread a JavaScript array into separate parameters.
  const patronIds = options.patronIds ? JSON.stringify(options.patronIds) : null;
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select audit_shred_subject_keys(${before}::timestamptz,
      (select array_agg(p) from jsonb_array_elements_text(${patronIds}::jsonb) p)) as n`,
  );
  return Number(row!.n);
}
