import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { AGE_BANDS, id, instant } from './columns.js';
import { patrons } from './patrons.sql.js';

export const referenceConsults = pgTable(
  'reference_consults',
  {
    id: id(),
    patronId: text('patron_id').references(() => patrons.id, { onDelete: 'set null' }),
    librarianId: text('librarian_id').notNull(),
    channel: text('channel', { enum: ['IN_PERSON', 'PHONE', 'EMAIL', 'CHAT'] }).notNull(),
    question: text('question').notNull(),
    answerSummary: text('answer_summary'),
    status: text('status', { enum: ['OPEN', 'FINISHED'] })
      .notNull()
      .default('OPEN'),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
    anonymisedAt: instant('anonymised_at'),
    /** The patron's age band when recorded (null for anonymous consults): survives anonymisation. */
    patronAgeBand: text('patron_age_band', { enum: AGE_BANDS }),
  },
  (t) => [
    index('consults_patron_idx').on(t.patronId, t.startedAt),
    index('consults_librarian_idx').on(t.librarianId),
    index('consults_finished_unredacted_idx')
      .on(t.id)
      .where(sql`${t.status} = 'FINISHED' AND ${t.anonymisedAt} IS NULL`),
  ],
);

export type ReferenceConsultRow = typeof referenceConsults.$inferSelect;
