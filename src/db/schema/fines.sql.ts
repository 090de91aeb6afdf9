import { check, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { AGE_BANDS, id, instant } from './columns.js';
import { patrons } from './patrons.sql.js';
import { loans } from './loans.sql.js';

export const fines = pgTable(
  'fines',
  {
    id: id(),
    patronId: text('patron_id').references(() => patrons.id, { onDelete: 'set null' }),
    loanId: text('loan_id').references(() => loans.id, { onDelete: 'set null' }),
    amountCents: integer('amount_cents').notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['OWED', 'PAID', 'WAIVED'] })
      .notNull()
      .default('OWED'),
    assessedAt: instant('assessed_at').notNull().defaultNow(),
    closedAt: instant('closed_at'),
    waivedBy: text('waived_by'),
    waiverReason: text('waiver_reason'),
    anonymisedAt: instant('anonymised_at'),
    /** Statistics dimensions (regulation 9), copied from the loan and the patron when assessed, so
     *  they survive anonymisation, which unlinks the fine from a loan that still names its patron. */
    branch: text('branch'),
    itemType: text('item_type'),
    patronAgeBand: text('patron_age_band', { enum: AGE_BANDS }),
  },
  (t) => [
    index('fines_patron_idx').on(t.patronId, t.assessedAt),
    index('fines_loan_idx').on(t.loanId),
    // Retention walks only closed fines still linked to a patron.
    index('fines_linked_closed_idx')
      .on(t.id)
      .where(sql`${t.patronId} IS NOT NULL AND ${t.status} <> 'OWED'`),
    check('fines_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

/**
 * Regulation 10: a processor token and the last four digits, never a card number. Once the fine is
 * anonymised, retention drops both (the token can be traced to the cardholder at the processor);
 * amount and date stay for the accounts.
 */
export const payments = pgTable(
  'payments',
  {
    id: id(),
    fineId: text('fine_id')
      .notNull()
      .references(() => fines.id, { onDelete: 'cascade' }),
    amountCents: integer('amount_cents').notNull(),
    processorToken: text('processor_token'),
    cardLast4: text('card_last4'),
    paidAt: instant('paid_at').notNull().defaultNow(),
    receivedBy: text('received_by').notNull(),
  },
  (t) => [
    index('payments_fine_idx').on(t.fineId),
    check('payments_last4_format', sql`${t.cardLast4} IS NULL OR ${t.cardLast4} ~ '^[0-9]{4}$'`),
  ],
);

export type FineRow = typeof fines.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
