import { boolean, date, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { id, instant } from './columns.js';

export const patrons = pgTable(
  'patrons',
  {
    id: id(),
    cardNumber: text('card_number').notNull().unique(),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    addressLine1: text('address_line1'),
    addressLine2: text('address_line2'),
    city: text('city'),
    region: text('region'),
    postalCode: text('postal_code'),
    birthDate: date('birth_date', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['ACTIVE', 'SUSPENDED', 'EXPIRED'] })
      .notNull()
      .default('ACTIVE'),
    cardExpiresOn: date('card_expires_on', { mode: 'string' }).notNull(),
    notifyByEmail: boolean('notify_by_email').notNull().default(false),
    notifyBySms: boolean('notify_by_sms').notNull().default(false),
    // Regulation 11: history is opt-in; off by default like Evergreen.
    keepCheckoutHistory: boolean('keep_checkout_history').notNull().default(false),
    /** scrypt hash of the PIN with its own salt; null until the patron sets one. */
    pinHash: text('pin_hash'),
    registeredAt: instant('registered_at').notNull().defaultNow(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [index('patrons_name_idx').on(t.name, t.id), index('patrons_email_idx').on(t.email)],
);

/**
 * A child's grant to a guardian (regulation 14): nothing of a child's record is visible to a
 * guardian unless a grant names the categories; revoking keeps the row for the record.
 */
export const guardianGrants = pgTable(
  'guardian_grants',
  {
    id: id(),
    childId: text('child_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
    guardianId: text('guardian_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
    categories: text('categories').array().notNull(),
    grantedBy: text('granted_by').notNull(),
    grantedAt: instant('granted_at').notNull().defaultNow(),
    revokedAt: instant('revoked_at'),
  },
  (t) => [index('guardian_grants_child_idx').on(t.childId, t.guardianId)],
);

/** A patron's consent to disclose chosen categories to a named third party (regulation 6). */
export const consents = pgTable(
  'consents',
  {
    id: id(),
    patronId: text('patron_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
    requesterId: text('requester_id').notNull(),
    categories: text('categories').array().notNull(),
    grantedAt: instant('granted_at').notNull().defaultNow(),
    expiresAt: instant('expires_at'),
    revokedAt: instant('revoked_at'),
  },
  (t) => [index('consents_patron_idx').on(t.patronId, t.requesterId)],
);

/**
 * Wrong current PINs given to the patron's own PIN change (regulation 11): repeated failures lock
 * PIN changes for a while, so a stolen session cannot try every PIN (each try is also a 16 MiB scrypt).
 */
export const accountPinFailures = pgTable('account_pin_failures', {
  patronId: text('patron_id')
    .primaryKey()
    .references(() => patrons.id, { onDelete: 'cascade' }),
  failures: integer('failures').notNull().default(0),
  lockedUntil: instant('locked_until'),
  lastFailureAt: instant('last_failure_at'),
});

export type PatronRow = typeof patrons.$inferSelect;
export type GuardianGrantRow = typeof guardianGrants.$inferSelect;
export type ConsentRow = typeof consents.$inferSelect;
