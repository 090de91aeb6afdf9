// The patron's data export (regulation 11): every row the library holds about the patron, table by
// table, as one JSON document. Each section selects whole rows, so a column added to a table is
// exported unless it is listed in EXCLUDED with a reason; a new table about patrons must get a
// section (test/domain/export.test.ts compares the document with the database's catalogue).
import {
  and,
  eq,
  getTableColumns,
  getTableName,
  inArray,
  isNull,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import { loans } from '../db/schema/loans.sql.js';
import {
  disclosureEvents,
  disclosureRequestPatrons,
  disclosureRequests,
} from '../db/schema/disclosure-requests.sql.js';
import { fines, payments } from '../db/schema/fines.sql.js';
import { accountPinFailures, consents, guardianGrants, patrons } from '../db/schema/patrons.sql.js';
import { auditEvents } from '../db/schema/audit.sql.js';
import { referenceConsults } from '../db/schema/reference-consults.sql.js';
import { vendorEnrolments, vendorPinFailures, vendors } from '../db/schema/vendors.sql.js';
import { notFound } from '../domain/errors.js';
import { queryRows } from '../db/query-rows.js';

export const EXPORT_FORMAT = 'mpl-patron-data-export/1';

interface Section {
  /** Key of the section in the document. */
  name: string;
  table: PgTable;
  /** Which rows of the table are about the patron. */
  rows: (patronId: string, now: Date) => SQL | undefined;
  /** The patron section is one object, the others lists. */
  single?: boolean;
  /**
   * An audit row of format 2 lists every patron one decision covered: the export keeps only the
   * patron's own pseudonyms of that list (the others are other patrons').
   */
  ownSubjectsOnly?: boolean;
}

/** Requests naming the patron that the patron may be told about (no nondisclosure order in force). */
const visibleRequests = (patronId: string, now: Date) =>
  and(
    inArray(
      disclosureRequests.id,
      sql`(select ${disclosureRequestPatrons.requestId} from ${disclosureRequestPatrons} where ${disclosureRequestPatrons.patronId} = ${patronId})`,
    ),
    or(
      isNull(disclosureRequests.nondisclosureUntil),
      lte(disclosureRequests.nondisclosureUntil, now),
    ),
  );

export const SECTIONS: readonly Section[] = [
  { name: 'patron', table: patrons, rows: (id) => eq(patrons.id, id), single: true },
  { name: 'loans', table: loans, rows: (id) => eq(loans.patronId, id) },
  { name: 'fines', table: fines, rows: (id) => eq(fines.patronId, id) },
  {
    name: 'payments',
    table: payments,
    rows: (id) =>
      inArray(
        payments.fineId,
        sql`(select ${fines.id} from ${fines} where ${fines.patronId} = ${id})`,
      ),
  },
  {
    name: 'referenceConsults',
    table: referenceConsults,
    rows: (id) => eq(referenceConsults.patronId, id),
  },
  {
    name: 'onlineServices',
    table: vendorEnrolments,
    rows: (id) => eq(vendorEnrolments.patronId, id),
  },
  {
    name: 'vendorCardLocks',
    table: vendorPinFailures,
    rows: (id) => eq(vendorPinFailures.patronId, id),
  },
  {
    name: 'pinChangeLock',
    table: accountPinFailures,
    rows: (id) => eq(accountPinFailures.patronId, id),
    single: true,
  },
  {
    name: 'vendors',
    table: vendors,
    rows: (id) =>
      or(
        inArray(
          vendors.id,
          sql`(select ${vendorEnrolments.vendorId} from ${vendorEnrolments} where ${vendorEnrolments.patronId} = ${id})`,
        ),
        inArray(
          vendors.id,
          sql`(select ${vendorPinFailures.vendorId} from ${vendorPinFailures} where ${vendorPinFailures.patronId} = ${id})`,
        ),
      ),
  },
  { name: 'consents', table: consents, rows: (id) => eq(consents.patronId, id) },
  {
    name: 'guardianGrants',
    table: guardianGrants,
    rows: (id) => or(eq(guardianGrants.childId, id), eq(guardianGrants.guardianId, id)),
  },
  { name: 'disclosureRequests', table: disclosureRequests, rows: visibleRequests },
  {
    name: 'disclosureEvents',
    table: disclosureEvents,
    rows: (id, now) =>
      inArray(
        disclosureEvents.requestId,
        sql`(select ${disclosureRequests.id} from ${disclosureRequests} where ${visibleRequests(id, now)})`,
      ),
  },
  {
    // Who read or was refused the patron's record (the access log), and what they themself read
    // as a principal; accesses under a nondisclosure order in force are left out (reg. 4 and 6).
    name: 'accessLog',
    table: auditEvents,
    ownSubjectsOnly: true,
    rows: (id, now) =>
      and(
        or(
          sql`${auditEvents.seq} in (select audit_events_about(${id}))`,
          sql`${auditEvents.principalId} in (select audit_pseudonyms_of(${id}))`,
        ),
        sql`not (${auditEvents.basis} = 'DISCLOSURE' and ${auditEvents.basisRef} in (select ${disclosureRequests.id} from ${disclosureRequests} where ${disclosureRequests.nondisclosureUntil} > ${now}))`,
      ),
  },
];

/** Columns held but deliberately not exported, by "table.column", with the reason given in the document. */
export const EXCLUDED: Readonly<Record<string, string>> = {
  'patrons.pin_hash':
    'A secret: the salted scrypt hash of your PIN. It proves who you are and says nothing about you; `hasPin` in the patron section says whether one is set.',
  'audit_subject_keys.id':
    'An audit key: a secret that links audit rows to you until retention destroys it; not information about you.',
  'audit_subject_keys.patron_id':
    'An audit key: a secret that links audit rows to you until retention destroys it; not information about you.',
  'audit_subject_keys.period_start':
    'An audit key: a secret that links audit rows to you until retention destroys it; not information about you.',
  'audit_subject_keys.period_end':
    'An audit key: a secret that links audit rows to you until retention destroys it; not information about you.',
  'audit_subject_keys.pads':
    'An audit key: a secret that links audit rows to you until retention destroys it; not information about you.',
  'audit_subject_keys.pseudonym':
    'The name an audit key gives you in the audit log until retention destroys the key; your access-log rows above carry it as their subject.',
  'payments.processor_token':
    "The payment processor's reference for the transaction, usable only with the library's processor account; the amount, date and the card's last four digits are exported.",
};

/** Columns of a link table whose content another section already carries, by "table.column". */
const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {
  'disclosure_request_patrons.request_id': 'disclosureRequests[].id',
  'disclosure_request_patrons.patron_id': 'patron.id',
};

/**
 * Tables that hold nothing about any patron, with the reason. Every other table of the database must
 * be a section of the export (the export test reads the catalogue and enforces both lists).
 */
export const NOT_ABOUT_PATRONS: Readonly<Record<string, string>> = {
  designations:
    "The Director's designations of alternate custodians: records about staff, never about a patron.",
  audit_checkpoints:
    'Signed positions of the audit log (sequence number and hash): they name nobody.',
  audit_chains:
    "The audit log's chains, one per server process: a writer id, when it started, and the position and hash of its last row; they name nobody.",
  audit_heads:
    'Signed positions of every audit chain at one moment (sequence numbers and hashes), as kept by the witnesses: they name nobody.',
  refusal_limits:
    'Counters of the refusal rate limit: how many requests were refused, under a one-way hash of the caller (a login or an address), deleted within hours; no id, name or record, and nothing that reads back to a person.',
};

const NOTES = [
  'Returned loans are listed only while you keep checkout history; an anonymised loan is no longer linked to you and is not yours to export.',
  "Disclosure requests under a court's nondisclosure order are left out while the order is in force, as the law requires.",
  'Dates and times are ISO 8601 in UTC; amounts are in cents.',
  'An access-log entry that covered several patrons at once lists only your own pseudonym among its subjects.',
];

export class DataExportService {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** The whole document for the calling patron; one query per section, in one snapshot. */
  async exportFor(actor: Principal): Promise<Record<string, unknown>> {
    const patronId = actor.patronId;
    if (!patronId) throw new Error('DataExportService called for a principal that is not a patron');
    const at = this.now();
    // Repeatable read: every section sees the same moment, however long the export takes.
    const sections = await this.db.transaction(
      async (tx) => {
        const out: Record<string, unknown> = {};
        const own = await ownPseudonyms(tx, patronId);
        for (const s of SECTIONS) {
          const rows = (await tx.select().from(s.table).where(s.rows(patronId, at))) as Record<
            string,
            unknown
          >[];
          if (s.ownSubjectsOnly)
            for (const r of rows)
              r.subjects = (r.subjects as string[] | null)?.filter((p) => own.has(p)) ?? null;
          const projected = rows.map((r) => project(s.table, r));
          if (s.table === patrons && projected[0]) projected[0].hasPin = rows[0]!.pinHash != null;
          out[s.name] = s.single ? (projected[0] ?? null) : projected;
        }
        return out;
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    if (!sections.patron) throw notFound('Patron');
    return {
      format: EXPORT_FORMAT,
      generatedAt: at.toISOString(),
      patronId,
      notes: NOTES,
      ...sections,
      dictionary: dictionary(),
      coveredElsewhere: Object.entries(COVERED_ELSEWHERE).map(([column, by]) => ({
        ...split(column),
        by,
      })),
      excluded: Object.entries(EXCLUDED).map(([column, reason]) => ({ ...split(column), reason })),
    };
  }
}

/** The patron's pseudonyms under every audit key still alive. */
async function ownPseudonyms(db: Db, patronId: string): Promise<Set<string>> {
  const rows = await queryRows<{ p: string }>(
    db,
    sql`select audit_pseudonyms_of(${patronId}) as p`,
  );
  return new Set(rows.map((r) => r.p));
}

/** A row with its excluded columns dropped and instants as ISO strings, keyed as in the dictionary. */
function project(table: PgTable, row: Record<string, unknown>): Record<string, unknown> {
  const tableName = getTableName(table);
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (`${tableName}.${column.name}` in EXCLUDED) continue;
    const value = row[key];
    out[key] = value instanceof Date ? value.toISOString() : (value ?? null);
  }
  return out;
}

interface SectionDictionary {
  table: string;
  /** Key in the items → database column. */
  columns: Record<string, string>;
  /** Keys computed from excluded columns → what they say. */
  derived?: Record<string, string>;
}

/** For each section: its table, and which database column each key of its items holds. */
function dictionary(): Record<string, SectionDictionary> {
  const out: Record<string, SectionDictionary> = {};
  for (const s of SECTIONS) {
    const table = getTableName(s.table);
    const columns: Record<string, string> = {};
    for (const [key, column] of Object.entries(getTableColumns(s.table))) {
      if (!(`${table}.${column.name}` in EXCLUDED)) columns[key] = column.name;
    }
    out[s.name] =
      s.table === patrons
        ? { table, columns, derived: { hasPin: 'whether pin_hash is set' } }
        : { table, columns };
  }
  return out;
}

function split(qualified: string): { table: string; column: string } {
  const [table, column] = qualified.split('.') as [string, string];
  return { table, column };
}
