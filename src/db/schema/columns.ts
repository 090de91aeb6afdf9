// Column helpers shared by every table, so ids and timestamps look the same everywhere.
import { text, timestamp } from 'drizzle-orm/pg-core';

/** Opaque text id; generated in the service layer (see src/domain/ids.ts). */
export const id = () => text('id').primaryKey();

/** A timestamptz read and written as a JS Date. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Patron age bands kept on loans, fines and consults for statistics (regulation 9). */
export const AGE_BANDS = ['CHILD', 'TEEN', 'ADULT', 'SENIOR'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];
