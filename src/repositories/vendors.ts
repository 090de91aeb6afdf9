// SQL for the vendor registry, patrons' enrolments, and the per-(vendor, card) PIN lockout.
import DataLoader from 'dataloader';
import { and, asc, desc, eq, inArray, isNull, sql, sum } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { fines } from '../db/schema/fines.sql.js';
import {
  vendorEnrolments,
  vendorPinFailures,
  vendors,
  type VendorEnrolmentRow,
  type VendorRow,
} from '../db/schema/vendors.sql.js';
import { byIdLoader, type ById } from './loaders.js';
import { countPinFailure, notLockedAt, type PinFailureState } from './pin-failures.js';

export type NewVendor = typeof vendors.$inferInsert;
export type VendorChanges = Partial<Pick<NewVendor, 'name' | 'scopes' | 'active'>>;

export class VendorRepository {
  readonly byId: ById<VendorRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, vendors);
  }

  /** Every enrolment of each patron (current and ended), newest first: one query per batch. */
  readonly enrolmentsOfPatron = new DataLoader<string, VendorEnrolmentRow[]>(async (patronIds) => {
    const rows = await this.db
      .select()
      .from(vendorEnrolments)
      .where(inArray(vendorEnrolments.patronId, [...patronIds]))
      .orderBy(desc(vendorEnrolments.enrolledAt), desc(vendorEnrolments.id));
    return patronIds.map((id) => rows.filter((r) => r.patronId === id));
  });

  list(activeOnly: boolean): Promise<VendorRow[]> {
    return this.db
      .select()
      .from(vendors)
      .where(activeOnly ? eq(vendors.active, true) : undefined)
      .orderBy(asc(vendors.name), asc(vendors.id));
  }

  async insert(row: NewVendor): Promise<VendorRow> {
    const [created] = await this.db.insert(vendors).values(row).returning();
    return created!;
  }

  async update(id: string, changes: VendorChanges): Promise<VendorRow | null> {
    const [row] = await this.db.update(vendors).set(changes).where(eq(vendors.id, id)).returning();
    this.byId.clear(id);
    return row ?? null;
  }

  async isEnrolled(vendorId: string, patronId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: vendorEnrolments.id })
      .from(vendorEnrolments)
      .where(
        and(
          eq(vendorEnrolments.vendorId, vendorId),
          eq(vendorEnrolments.patronId, patronId),
          isNull(vendorEnrolments.endedAt),
        ),
      );
    return rows.length > 0;
  }

  /** Enrols, or re-opens an ended enrolment (the unique (vendor, patron) row is reused). */
  async enrol(
    id: string,
    vendorId: string,
    patronId: string,
    at: Date,
  ): Promise<VendorEnrolmentRow> {
    const [row] = await this.db
      .insert(vendorEnrolments)
      .values({ id, vendorId, patronId, enrolledAt: at })
      .onConflictDoUpdate({
        target: [vendorEnrolments.vendorId, vendorEnrolments.patronId],
        set: {
          enrolledAt: sql`case when ${vendorEnrolments.endedAt} is null then ${vendorEnrolments.enrolledAt} else excluded.enrolled_at end`,
          endedAt: null,
        },
      })
      .returning();
    this.enrolmentsOfPatron.clear(patronId);
    return row!;
  }

  /** Ends a current enrolment; null when there was none. */
  async endEnrolment(
    vendorId: string,
    patronId: string,
    at: Date,
  ): Promise<VendorEnrolmentRow | null> {
    const [row] = await this.db
      .update(vendorEnrolments)
      .set({ endedAt: at })
      .where(
        and(
          eq(vendorEnrolments.vendorId, vendorId),
          eq(vendorEnrolments.patronId, patronId),
          isNull(vendorEnrolments.endedAt),
        ),
      )
      .returning();
    this.enrolmentsOfPatron.clear(patronId);
    return row ?? null;
  }

  async lockedUntil(vendorId: string, patronId: string): Promise<Date | null> {
    const [row] = await this.db
      .select({ lockedUntil: vendorPinFailures.lockedUntil })
      .from(vendorPinFailures)
      .where(
        and(eq(vendorPinFailures.vendorId, vendorId), eq(vendorPinFailures.patronId, patronId)),
      );
    return row?.lockedUntil ?? null;
  }

  /** Counts one wrong PIN for this vendor and card (pin-failures.ts); reaching `max` sets the lock. */
  async recordPinFailure(
    vendorId: string,
    patronId: string,
    at: Date,
    max: number,
    windowMs: number,
  ): Promise<PinFailureState> {
    const t = vendorPinFailures;
    const count = countPinFailure(t, at, max, windowMs);
    const [row] = await this.db
      .insert(t)
      .values({ vendorId, patronId, ...count.first })
      .onConflictDoUpdate({ target: [t.vendorId, t.patronId], set: count.update })
      .returning({ failures: t.failures, lockedUntil: t.lockedUntil });
    return row!;
  }

  /** After a right PIN: forget failures unless a lock set meanwhile is in force; returns that lock. */
  async clearPinFailures(vendorId: string, patronId: string, at: Date): Promise<Date | null> {
    const t = vendorPinFailures;
    await this.db
      .delete(t)
      .where(and(eq(t.vendorId, vendorId), eq(t.patronId, patronId), notLockedAt(t, at)));
    return this.lockedUntil(vendorId, patronId);
  }

  /** Total of the patron's owed fines, in cents. */
  async owedCents(patronId: string): Promise<number> {
    const [row] = await this.db
      .select({ total: sum(fines.amountCents) })
      .from(fines)
      .where(and(eq(fines.patronId, patronId), eq(fines.status, 'OWED')));
    return Number(row?.total ?? 0);
  }
}
