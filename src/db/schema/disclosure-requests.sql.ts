import {
  bigserial,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, instant } from './columns.js';
import { patrons } from './patrons.sql.js';

/** DIRECTOR and DESIGNATION decide; EMERGENCY is staff acting at once under regulation 1, to be ratified. */
export const DECISION_AUTHORITIES = ['DIRECTOR', 'DESIGNATION', 'EMERGENCY'] as const;

export const DISCLOSURE_ACTIONS = [
  'RECEIVE',
  'RELEASE_EMERGENCY',
  'BEGIN_REVIEW',
  'APPROVE',
  'DENY',
  'FULFILL',
  'EXPIRE',
  'WITHDRAW',
  'RATIFY',
  'REPUDIATE',
] as const;

/** The Director's designation of an alternate custodian for a window (regulation 2). */
export const designations = pgTable(
  'designations',
  {
    id: id(),
    directorId: text('director_id').notNull(),
    alternateId: text('alternate_id').notNull(),
    validFrom: instant('valid_from').notNull(),
    validTo: instant('valid_to').notNull(),
    reason: text('reason').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
    revokedAt: instant('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('designations_alternate_idx').on(t.alternateId)],
);

export const disclosureRequests = pgTable(
  'disclosure_requests',
  {
    id: id(),
    requesterId: text('requester_id').notNull(),
    requesterName: text('requester_name').notNull(),
    agency: text('agency').notNull(),
    instrument: text('instrument', {
      enum: [
        'SUBPOENA',
        'COURT_ORDER',
        'SEARCH_WARRANT',
        'NATIONAL_SECURITY_LETTER',
        'PATRON_CONSENT',
        'EMERGENCY',
      ],
    }).notNull(),
    instrumentReference: text('instrument_reference'),
    issuingAuthority: text('issuing_authority'),
    categories: text('categories').array().notNull(),
    scopeFrom: instant('scope_from'),
    scopeTo: instant('scope_to'),
    status: text('status', {
      enum: ['RECEIVED', 'UNDER_REVIEW', 'APPROVED', 'DENIED', 'FULFILLED', 'EXPIRED', 'WITHDRAWN'],
    }).notNull(),
    receivedBy: text('received_by').notNull(),
    receivedAt: instant('received_at').notNull().defaultNow(),
    decidedBy: text('decided_by'),
    decisionAuthority: text('decision_authority', { enum: DECISION_AUTHORITIES }),
    designationId: text('designation_id').references(() => designations.id),
    decidedAt: instant('decided_at'),
    decisionNote: text('decision_note'),
    accessExpiresAt: instant('access_expires_at'),
    nondisclosureUntil: instant('nondisclosure_until'),
    emergencyJustification: text('emergency_justification'),
    /** Emergency disclosures (regulation 1): when the Director's ratification or repudiation is due. */
    ratificationDueAt: instant('ratification_due_at'),
    ratifiedAt: instant('ratified_at'),
    repudiatedAt: instant('repudiated_at'),
    /** Who ratified or repudiated an emergency disclosure (the event names the authority used). */
    emergencyReviewedBy: text('emergency_reviewed_by'),
    closedAt: instant('closed_at'),
  },
  (t) => [
    index('disclosure_requests_status_idx').on(t.status),
    index('disclosure_requests_requester_idx').on(t.requesterId),
    // The Director's queue and the expiry sweep look for approved requests by their access window.
    index('disclosure_requests_expiry_idx').on(t.status, t.accessExpiresAt),
  ],
);

/** The patrons a request's scope names. */
export const disclosureRequestPatrons = pgTable(
  'disclosure_request_patrons',
  {
    requestId: text('request_id')
      .notNull()
      .references(() => disclosureRequests.id, { onDelete: 'cascade' }),
    patronId: text('patron_id')
      .notNull()
      .references(() => patrons.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.patronId] }),
    index('disclosure_request_patrons_patron_idx').on(t.patronId),
  ],
);

/** Append-only history of a request: every transition, with actor and authority. */
export const disclosureEvents = pgTable(
  'disclosure_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id')
      .notNull()
      .references(() => disclosureRequests.id, { onDelete: 'cascade' }),
    sequence: integer('sequence').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    actorId: text('actor_id').notNull(),
    actorRole: text('actor_role').notNull(),
    /** What happened: a transition of the state machine (src/domain/disclosure-requests/transitions.ts). */
    action: text('action', { enum: DISCLOSURE_ACTIONS }).notNull(),
    authority: text('authority', { enum: DECISION_AUTHORITIES }),
    designationId: text('designation_id'),
    note: text('note'),
    at: instant('at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('disclosure_events_seq').on(t.requestId, t.sequence)],
);

export type DesignationRow = typeof designations.$inferSelect;
export type DisclosureRequestRow = typeof disclosureRequests.$inferSelect;
export type DisclosureEventRow = typeof disclosureEvents.$inferSelect;
export type DisclosureStatusValue = DisclosureRequestRow['status'];
export type DisclosureAction = (typeof DISCLOSURE_ACTIONS)[number];
export type DecisionAuthorityValue = (typeof DECISION_AUTHORITIES)[number];
