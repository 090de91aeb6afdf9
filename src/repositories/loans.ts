// SQL for loans: by id, pages per patron (one query for many patrons), checkout and check-in.
import DataLoader from 'dataloader';
import { and, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { isWellFormedId } from '../domain/ids.js';
import type { Db } from '../db/client.js';
import { loans, type LoanRow } from '../db/schema/circulation.sql.js';
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
  constructor(private readonly db: Db) {}

  readonly byId = new DataLoader<string, LoanRow | null>(async (ids) => {
    const rows = await this.db
      .select()
      .from(loans)
      .where(inArray(loans.id, ids.filter(isWellFormedId)));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  /** Pages of loans per patron; keys sharing (status, size, after) share one query. */
  readonly pageOfPatron = new DataLoader<LoanPageKey, LoanRow[], string>(
    async (keys) => {
      const groups = new Map<string, LoanPageKey[]>();
      for (const k of keys) {
        const g = `${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<string, LoanRow[]>();
      for (const group of groups.values()) {
        const { status, ranges, size, afterId } = group[0]!;
        const pages = await pagesPerParent<LoanRow>(
          this.db,
          {
            table: loans,
            id: loans.id,
            parent: loans.patronId,
            order: loans.checkedOutAt,
            parentOf: (r) => r.patronId,
          },
          group.map((k) => k.patronId),
          and(statusFilter(status), withinRanges(loans.checkedOutAt, ranges)),
          size,
          afterId,
        );
        for (const k of group) results.set(loanPageKey(k), pages.get(k.patronId) ?? []);
      }
      return keys.map((k) => results.get(loanPageKey(k)) ?? []);
    },
    { cacheKeyFn: loanPageKey },
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

function loanPageKey(k: LoanPageKey): string {
  return `${k.patronId}|${k.status}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;
}
