import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { id, instant } from './columns.js';
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
    status: text('status', { enum: ['OPEN', 'FINISHED'] }).notNull().default('OPEN'),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
    anonymisedAt: instant('anonymised_at'),
  },
  (t) => [
    index('consults_patron_idx').on(t.patronId, t.startedAt),
    index('consults_librarian_idx').on(t.librarianId),
  ],
);

export type ReferenceConsultRow = typeof referenceConsults.$inferSelect;
