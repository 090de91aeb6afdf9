// The audit log (append-only, hash-chained; written only by the SQL function audit_append_requests
// of the custom migrations), its signed checkpoints, and the per-patron pseudonym keys that
// retention destroys. No column of audit_events holds a raw patron id: subjects are HMAC pseudonyms.
import {
  bigint,
  boolean,
  customType,
  index,
  pgTable,
  smallint,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { id, instant } from './columns.js';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const auditEvents = pgTable(
  'audit_events',
  {
    /** Position in the chain: 1, 2, 3, ... with no gap (assigned under an advisory lock). */
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    /** Epoch milliseconds (an integer canonicalises exactly; a timestamp's text form does not). */
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
    requestId: text('request_id').notNull(),
    operationName: text('operation_name'),
    /** sha256 of the operation with its literal values blanked (a literal may be a card number). */
    documentHash: text('document_hash'),
    /** user | anonymous | system. */
    principalKind: text('principal_kind').notNull(),
    /** Staff, requester or vendor id; for a patron principal, their pseudonym. */
    principalId: text('principal_id'),
    principalRoles: text('principal_roles').array().notNull(),
    purpose: text('purpose'),
    /**
     * Row layout, which fixes the canonical text the hash covers (src/audit/canonical.ts).
     * 1: one subject per row (`subject`); 2: one row per decision group of a request, listing
     * every patron it was about (`subjects`), so a 100-patron page is a handful of rows.
     */
    format: smallint('format').notNull().default(1),
    /** Format 1: HMAC(key of the subject patron for this period, patron id), hex; null for anonymised records. */
    subject: text('subject'),
    /** Format 2: the pseudonyms (as `subject`) of every patron of the group, sorted; empty for anonymised records. */
    subjects: text('subjects').array(),
    typeName: text('type_name').notNull(),
    fields: text('fields').array().notNull(),
    category: text('category'),
    outcome: text('outcome', { enum: ['GRANTED', 'DENIED', 'FAILED'] }).notNull(),
    basis: text('basis'),
    basisRef: text('basis_ref'),
    rule: text('rule').notNull(),
    viaRouter: boolean('via_router').notNull(),
    /** sha256(previous row_hash || canonical text of this row), hex. */
    rowHash: text('row_hash').notNull(),
  },
  (t) => [
    index('audit_events_subject_idx').on(t.subject, t.seq),
    index('audit_events_subjects_idx').using('gin', t.subjects),
    index('audit_events_principal_idx').on(t.principalId, t.seq),
    index('audit_events_basis_ref_idx').on(t.basisRef),
    index('audit_events_at_idx').on(t.atMs),
  ],
);

/** Signed (seq, row_hash) pairs: the signing key lives outside the database. */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  rowHash: text('row_hash').notNull(),
  signedAtMs: bigint('signed_at_ms', { mode: 'number' }).notNull(),
  /** First 16 hex digits of sha256(key): which key signed (rotation). */
  keyId: text('key_id').notNull(),
  /** HMAC-SHA256(key, "seq:row_hash"), hex. */
  signature: text('signature').notNull(),
});

/**
 * One HMAC key per patron and calendar month (UTC). Mutable on purpose: retention deletes old keys
 * (crypto-shredding), after which the audit rows of that period stay verifiable but name nobody.
 * `pads` is the key's HMAC-SHA256 inner pad followed by its outer pad (64 + 64 bytes), so that
 * plain sha256() computes the HMAC in SQL without the pgcrypto extension.
 */
export const auditSubjectKeys = pgTable(
  'audit_subject_keys',
  {
    id: id(),
    patronId: text('patron_id').notNull(),
    periodStart: instant('period_start').notNull(),
    periodEnd: instant('period_end').notNull(),
    pads: bytea('pads').notNull(),
    /**
     * HMAC(key, patron_id), hex: the pseudonym the key gives the patron, computed once when the key
     * is made instead of on every append and every read. It links rows to the patron exactly as
     * the key does, and goes with the key when retention destroys it.
     */
    pseudonym: text('pseudonym').notNull(),
  },
  (t) => [
    uniqueIndex('audit_subject_keys_patron_period').on(t.patronId, t.periodStart),
    index('audit_subject_keys_end_idx').on(t.periodEnd),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
