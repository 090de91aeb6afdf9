// SQL for loans: by id, pages per patron (one query for many patrons), checkout and check-in.
import { and, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { loans, type LoanRow } from '../db/schema/loans.sql.js';
import { byIdLoader, type ById, perPatronLoader } from './loaders.js';
import { pagesPerParent, rangesKey, withinRanges, type Ranges } from './paging.js';

export type NewLoan = typeof loans.$inferInsert;

export interface LoanPageKey {
  patronId: string;
  status: 'ON_LOAN' | 'RETURNED' | null;
  /** Only loans checked out inside these ranges (null: all). */
  ranges: Ranges;
  size: number;
  afterId: string | null;
}

const statusFilter = (status: LoanPageKey['status']): SQL | undefined =>
  status === 'ON_LOAN'
    ? isNull(loans.returnedAt)
    : status === 'RETURNED'
      ? isNotNull(loans.returnedAt)
      : undefined;

export class LoanRepository {
  readonly byId: ById<LoanRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, loans);
  }

  /** Pages of loans per patron; keys sharing (status, size, after) share one query. */
  readonly pageOfPatron = perPatronLoader<LoanPageKey, LoanRow[]>(
    (k) => `${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`,
    async ({ status, ranges, size, afterId }, patronIds) => {
      const pages = await pagesPerParent<LoanRow>(
        this.db,
        {
          table: loans,
          id: loans.id,
          parent: loans.patronId,
          order: loans.checkedOutAt,
          parentOf: (r) => r.patronId,
        },
        patronIds,
        and(statusFilter(status), withinRanges(loans.checkedOutAt, ranges)),
        size,
        afterId,
      );
      return (patronId) => pages.get(patronId) ?? [];
    },
  );

  async isOut(itemId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: loans.id })
      .from(loans)
      .where(and(eq(loans.itemId, itemId), isNull(loans.returnedAt)))
      .limit(1);
    return rows.length > 0;
  }

  async insert(row: NewLoan): Promise<LoanRow> {
    const [created] = await this.db.insert(loans).values(row).returning();
    return created!;
  }

  /** Marks a loan returned, only if it is still out; null when it was not. */
  async markReturned(id: string, at: Date, anonymise: boolean): Promise<LoanRow | null> {
    const [row] = await this.db
      .update(loans)
      .set({ returnedAt: at, ...(anonymise ? { patronId: null, anonymisedAt: at } : {}) })
      .where(and(eq(loans.id, id), isNull(loans.returnedAt)))
      .returning();
    this.byId.clear(id);
    return row ?? null;
  }
}
