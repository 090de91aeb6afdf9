import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { AGE_BANDS, id, instant } from './columns.js';
import { patrons } from './patrons.sql.js';

/** A checkout. patron_id becomes null when the loan is anonymised (retention). */
export const loans = pgTable(
  'loans',
  {
    id: id(),
    patronId: text('patron_id').references(() => patrons.id, { onDelete: 'set null' }),
    itemId: text('item_id').notNull(),
    itemType: text('item_type').notNull(),
    branch: text('branch').notNull(),
    checkedOutAt: instant('checked_out_at').notNull().defaultNow(),
    dueAt: instant('due_at').notNull(),
    returnedAt: instant('returned_at'),
    anonymisedAt: instant('anonymised_at'),
    /** The borrower's age band at checkout (src/domain/age-band.ts): survives anonymisation for statistics. */
    patronAgeBand: text('patron_age_band', { enum: AGE_BANDS }),
  },
  (t) => [
    index('loans_patron_idx').on(t.patronId, t.checkedOutAt),
    index('loans_returned_idx').on(t.returnedAt),
    // Retention walks only the returned loans still linked to a patron, in id order.
    index('loans_linked_returned_idx')
      .on(t.id)
      .where(sql`${t.patronId} IS NOT NULL AND ${t.returnedAt} IS NOT NULL`),
  ],
);

export type LoanRow = typeof loans.$inferSelect;
