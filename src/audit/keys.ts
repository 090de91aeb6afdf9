// The per-patron, per-month pseudonym keys of the audit log. Destroying a key (crypto-shredding)
// leaves every audit row unchanged, so the chain still verifies, but nobody can tell any more
// which patron those rows were about.
import { and, inArray, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditSubjectKeys } from '../db/schema/audit.sql.js';

export interface ShredOptions {
  /** Destroy keys of every month that ended at or before this instant. */
  before?: Date;
  /** Destroy only (or, with `before`, only those of) these patrons' keys. */
  patronIds?: readonly string[];
}

/** Returns how many keys were destroyed. Refuses to run without a criterion. */
export async function shredSubjectKeys(db: Db, options: ShredOptions): Promise<number> {
  const where: SQL[] = [];
  if (options.before) where.push(lte(auditSubjectKeys.periodEnd, options.before));
  if (options.patronIds) where.push(inArray(auditSubjectKeys.patronId, [...options.patronIds]));
  if (!where.length) throw new Error('shredSubjectKeys needs `before` or `patronIds`');
  if (options.patronIds && !options.patronIds.length) return 0;
  const gone = await db
    .delete(auditSubjectKeys)
    .where(and(...where))
    .returning({ id: auditSubjectKeys.id });
  return gone.length;
}
