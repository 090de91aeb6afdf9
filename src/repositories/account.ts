// SQL for a patron's own account: guardian grants, consents, erasing checkout history, and the
// lock on PIN changes after wrong current PINs.
import DataLoader from 'dataloader';
import { and, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { loans } from '../db/schema/loans.sql.js';
import { fines } from '../db/schema/fines.sql.js';
import {
  accountPinFailures,
  guardianGrants,
  type GuardianGrantRow,
} from '../db/schema/patrons.sql.js';
import { byIdLoader, type ById } from './loaders.js';
import { countPinFailure, notLockedAt, type PinFailureState } from './pin-failures.js';

export type NewGuardianGrant = typeof guardianGrants.$inferInsert;

/** Returned loans of the patron that are history: no fine on them is still owed. */
const historyOf = (patronId: string) =>
  and(
    eq(loans.patronId, patronId),
    isNotNull(loans.returnedAt),
    sql`not exists (select 1 from ${fines} where ${fines.loanId} = ${loans.id} and ${fines.status} = 'OWED')`,
  );

export class AccountRepository {
  constructor(private readonly db: Db) {
    this.grantById = byIdLoader(db, guardianGrants);
  }

  /** Until when the patron's PIN changes are locked (null: never locked, or no failure on record). */
  async pinLockedUntil(patronId: string): Promise<Date | null> {
    const t = accountPinFailures;
    const [row] = await this.db
      .select({ lockedUntil: t.lockedUntil })
      .from(t)
      .where(eq(t.patronId, patronId));
    return row?.lockedUntil ?? null;
  }

  /** Counts one wrong current PIN (pin-failures.ts); reaching `max` locks PIN changes. */
  async recordPinFailure(
    patronId: string,
    at: Date,
    max: number,
    windowMs: number,
  ): Promise<PinFailureState> {
    const t = accountPinFailures;
    const count = countPinFailure(t, at, max, windowMs);
    const [row] = await this.db
      .insert(t)
      .values({ patronId, ...count.first })
      .onConflictDoUpdate({ target: t.patronId, set: count.update })
      .returning({ failures: t.failures, lockedUntil: t.lockedUntil });
    return row!;
  }

  /** After a right PIN: forget failures unless a lock set meanwhile is in force; returns that lock. */
  async clearPinFailures(patronId: string, at: Date): Promise<Date | null> {
    const t = accountPinFailures;
    await this.db.delete(t).where(and(eq(t.patronId, patronId), notLockedAt(t, at)));
    return this.pinLockedUntil(patronId);
  }

  /** Grants each child gave (active and revoked), newest first. */
  readonly grantsOfChild = new DataLoader<string, GuardianGrantRow[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(guardianGrants)
      .where(inArray(guardianGrants.childId, [...ids]))
      .orderBy(desc(guardianGrants.grantedAt), desc(guardianGrants.id));
    return ids.map((id) => rows.filter((r) => r.childId === id));
  });

  /** Grants each guardian received (active and revoked), newest first. */
  readonly grantsToGuardian = new DataLoader<string, GuardianGrantRow[]>(async (ids) => {
    const rows = await this.db
      .select()
      .from(guardianGrants)
      .where(inArray(guardianGrants.guardianId, [...ids]))
      .orderBy(desc(guardianGrants.grantedAt), desc(guardianGrants.id));
    return ids.map((id) => rows.filter((r) => r.guardianId === id));
  });

  readonly grantById: ById<GuardianGrantRow>;

  async insertGrant(row: NewGuardianGrant): Promise<GuardianGrantRow> {
    const [created] = await this.db.insert(guardianGrants).values(row).returning();
    return created!;
  }

  /** Revokes the active grants from child to guardian; returns how many. */
  async revokeActiveGrants(childId: string, guardianId: string, at: Date): Promise<number> {
    const rows = await this.db
      .update(guardianGrants)
      .set({ revokedAt: at })
      .where(
        and(
          eq(guardianGrants.childId, childId),
          eq(guardianGrants.guardianId, guardianId),
          isNull(guardianGrants.revokedAt),
        ),
      )
      .returning({ id: guardianGrants.id });
    return rows.length;
  }

  /** Revokes one grant if still active; null when it already was revoked. */
  async revokeGrant(id: string, at: Date): Promise<GuardianGrantRow | null> {
    const [row] = await this.db
      .update(guardianGrants)
      .set({ revokedAt: at })
      .where(and(eq(guardianGrants.id, id), isNull(guardianGrants.revokedAt)))
      .returning();
    this.grantById.clear(id);
    return row ?? null;
  }

  /** How many returned loans switching history off would anonymise. */
  async countHistory(patronId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(loans)
      .where(historyOf(patronId));
    return Number(row?.n ?? 0);
  }

  /**
   * Anonymises the patron's returned loans, and unlinks them from the patron's closed fines so no
   * path from the patron to the items remains. Run inside the caller's transaction.
   */
  async eraseHistory(patronId: string, at: Date): Promise<number> {
    const erased = await this.db
      .update(loans)
      .set({ patronId: null, anonymisedAt: at })
      .where(historyOf(patronId))
      .returning({ id: loans.id });
    const ids = erased.map((r) => r.id);
    if (ids.length) {
      await this.db
        .update(fines)
        .set({ loanId: null })
        .where(
          and(eq(fines.patronId, patronId), inArray(fines.loanId, ids), ne(fines.status, 'OWED')),
        );
    }
    return ids.length;
  }
}
