// The audit log (append-only, hash-chained per writer; written only by the SQL function
// audit_append_rows of the custom migrations), its chains and signed heads, and the per-patron
// pseudonym keys that retention destroys. No column of audit_events holds a raw patron id: subjects
// are HMAC pseudonyms. audit_events is partitioned by month (drizzle/0015; drizzle-kit cannot say
// PARTITION BY, so the table is declared here plainly and the migration is edited by hand).
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { id, instant } from './columns.js';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const auditEvents = pgTable(
  'audit_events',
  {
    /**
     * Position in the whole log, for ordering and paging: increasing, unique, not gap-free (a
     * sequence). Rows up to format 2 form the one chain of earlier releases, where seq is gap-free.
     */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** The writer's chain (audit_chains.id); 0 is the chain of earlier releases. */
    chain: integer('chain').notNull().default(0),
    /** Position in its chain: 1, 2, 3, ... with no gap (assigned under the chain's row lock). */
    chainSeq: bigint('chain_seq', { mode: 'number' }).notNull(),
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
    /** Format 2 and 3: the pseudonyms (as `subject`) of every patron of the group, sorted; empty for anonymised records. */
    subjects: text('subjects').array(),
    /**
     * Format 3: when a request's group has the same patrons as an earlier group of the same request,
     * `subjects` is null and this is the chain position of the row that lists them (written and
     * indexed once per request, not once per group).
     */
    subjectsFrom: bigint('subjects_from', { mode: 'number' }),
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
    primaryKey({ name: 'audit_events_pkey', columns: [t.seq, t.atMs] }),
    index('audit_events_chain_idx').on(t.chain, t.chainSeq),
    index('audit_events_subjects_from_idx')
      .on(t.chain, t.subjectsFrom)
      .where(sql`${t.subjectsFrom} is not null`),
    index('audit_events_subject_idx').on(t.subject, t.seq),
    index('audit_events_subjects_idx').using('gin', t.subjects),
    index('audit_events_principal_idx').on(t.principalId, t.seq),
    index('audit_events_basis_ref_idx').on(t.basisRef),
    index('audit_events_at_idx').on(t.atMs),
  ],
);

/**
 * One hash chain per writer (a server process, a retention run): each has its own sequence and head,
 * and its row is its lock, so no lock is shared by the fleet. The head is moved only by
 * audit_append_rows, forward only (trigger); id 0 is the chain of earlier releases.
 */
export const auditChains = pgTable('audit_chains', {
  id: integer('id').primaryKey(),
  /** The writer's id (AUDIT_WRITER_ID, or random per process); `audit_events` for chain 0. */
  name: text('name').notNull().unique(),
  createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
  headSeq: bigint('head_seq', { mode: 'number' }).notNull().default(0),
  headHash: text('head_hash').notNull(),
});

/**
 * Signed heads: each commits to the heads of every chain at one moment (a checkpoint), or records
 * what a retention drop removed (a drop). `head` is the JSON the witnesses hold, signature included.
 */
export const auditHeads = pgTable('audit_heads', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  kind: text('kind', { enum: ['checkpoint', 'drop'] }).notNull(),
  signedAtMs: bigint('signed_at_ms', { mode: 'number' }).notNull(),
  keyId: text('key_id').notNull(),
  head: text('head').notNull(),
});

/** Earlier releases' signed (seq, row_hash) pairs of chain 0: kept and verified, no longer written. */
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
