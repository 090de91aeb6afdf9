import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, instant } from './columns.js';
import { patrons } from './patrons.sql.js';

/** A vendor of a service the library subscribes to (regulation 7). Director-managed. */
export const vendors = pgTable('vendors', {
  id: id(),
  name: text('name').notNull(),
  scopes: text('scopes').array().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: instant('created_at').notNull().defaultNow(),
});

/** A patron's enrolment in a vendor's service: the online services the patron uses. */
export const vendorEnrolments = pgTable(
  'vendor_enrolments',
  {
    id: id(),
    vendorId: text('vendor_id')
      .notNull()
      .references(() => vendors.id, { onDelete: 'cascade' }),
    patronId: text('patron_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
    enrolledAt: instant('enrolled_at').notNull().defaultNow(),
    endedAt: instant('ended_at'),
  },
  (t) => [
    uniqueIndex('vendor_enrolments_unique').on(t.vendorId, t.patronId),
    index('vendor_enrolments_patron_idx').on(t.patronId),
  ],
);

/** Failed PIN attempts per (vendor, card): repeated failures lock the card for that vendor. */
export const vendorPinFailures = pgTable(
  'vendor_pin_failures',
  {
    vendorId: text('vendor_id')
      .notNull()
      .references(() => vendors.id, { onDelete: 'cascade' }),
    patronId: text('patron_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
    failures: integer('failures').notNull().default(0),
    lockedUntil: instant('locked_until'),
    lastFailureAt: instant('last_failure_at'),
  },
  (t) => [primaryKey({ columns: [t.vendorId, t.patronId] })],
);

export type VendorRow = typeof vendors.$inferSelect;
export type VendorEnrolmentRow = typeof vendorEnrolments.$inferSelect;
