// SQL for fines and their payments.
import DataLoader from 'dataloader';
import { and, eq, inArray, asc } from 'drizzle-orm';
import { isWellFormedId } from '../domain/ids.js';
import type { Db } from '../db/client.js';
import { fines, payments, type FineRow, type PaymentRow } from '../db/schema/fines.sql.js';
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

const key = (k: FinePageKey) =>
  `${k.patronId}|${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;

export class FineRepository {
  constructor(private readonly db: Db) {}

  readonly byId = new DataLoader<string, FineRow | null>(async (ids) => {
    const rows = await this.db
      .select()
      .from(fines)
      .where(inArray(fines.id, ids.filter(isWellFormedId)));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  readonly pageOfPatron = new DataLoader<FinePageKey, FineRow[], string>(
    async (keys) => {
      const groups = new Map<string, FinePageKey[]>();
      for (const k of keys) {
        const g = `${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<string, FineRow[]>();
      for (const group of groups.values()) {
        const { status, ranges, size, afterId } = group[0]!;
        const pages = await pagesPerParent<FineRow>(
          this.db,
          {
            table: fines,
            id: fines.id,
            parent: fines.patronId,
            order: fines.assessedAt,
            parentOf: (r) => r.patronId,
          },
          group.map((k) => k.patronId),
          and(
            status ? eq(fines.status, status) : undefined,
            withinRanges(fines.assessedAt, ranges),
          ),
          size,
          afterId,
        );
        for (const k of group) results.set(key(k), pages.get(k.patronId) ?? []);
      }
      return keys.map((k) => results.get(key(k)) ?? []);
    },
    { cacheKeyFn: key },
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
