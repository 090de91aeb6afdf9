// SQL for fines and their payments.
import DataLoader from 'dataloader';
import { and, eq, inArray, asc } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { fines, payments, type FineRow, type PaymentRow } from '../db/schema/fines.sql.js';
import { byIdLoader, type ById, perPatronLoader } from './loaders.js';
import { pagesPerParent, rangesKey, withinRanges, type Ranges } from './paging.js';

export type NewFine = typeof fines.$inferInsert;
export type NewPayment = typeof payments.$inferInsert;

export interface FinePageKey {
  patronId: string;
  status: FineRow['status'] | null;
  /** Only fines assessed inside these ranges (null: all). */
  ranges: Ranges;
  size: number;
  afterId: string | null;
}

export class FineRepository {
  readonly byId: ById<FineRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, fines);
  }

  readonly pageOfPatron = perPatronLoader<FinePageKey, FineRow[]>(
    (k) => `${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`,
    async ({ status, ranges, size, afterId }, patronIds) => {
      const pages = await pagesPerParent<FineRow>(
        this.db,
        {
          table: fines,
          id: fines.id,
          parent: fines.patronId,
          order: fines.assessedAt,
          parentOf: (r) => r.patronId,
        },
        patronIds,
        and(status ? eq(fines.status, status) : undefined, withinRanges(fines.assessedAt, ranges)),
        size,
        afterId,
      );
      return (patronId) => pages.get(patronId) ?? [];
    },
  );

  readonly paymentsOf = new DataLoader<string, PaymentRow[]>(async (fineIds) => {
    const rows = await this.db
      .select()
      .from(payments)
      .where(inArray(payments.fineId, [...fineIds]))
      .orderBy(asc(payments.paidAt), asc(payments.id));
    return fineIds.map((id) => rows.filter((r) => r.fineId === id));
  });

  async insert(row: NewFine): Promise<FineRow> {
    const [created] = await this.db.insert(fines).values(row).returning();
    return created!;
  }

  async insertPayment(row: NewPayment): Promise<PaymentRow> {
    const [created] = await this.db.insert(payments).values(row).returning();
    return created!;
  }

  /** Closes an owed fine; null if it was no longer owed (a concurrent payment or waiver won). */
  async close(
    id: string,
    changes: Pick<FineRow, 'status' | 'closedAt'> & Partial<FineRow>,
  ): Promise<FineRow | null> {
    const [row] = await this.db
      .update(fines)
      .set(changes)
      .where(and(eq(fines.id, id), eq(fines.status, 'OWED')))
      .returning();
    this.byId.clear(id);
    return row ?? null;
  }

  async hasOpenFineForLoan(loanId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: fines.id })
      .from(fines)
      .where(and(eq(fines.loanId, loanId), eq(fines.status, 'OWED')))
      .limit(1);
    return rows.length > 0;
  }
}
