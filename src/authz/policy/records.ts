// What the policy needs to know about the object a protected field belongs to: whose record it is,
// when it happened (for a disclosure's date range), and whether it is current.
import type { LoanRow } from '../../db/schema/loans.sql.js';
import type { FineRow } from '../../db/schema/fines.sql.js';
import type { ConsentRow, PatronRow } from '../../db/schema/patrons.sql.js';
import type { ReferenceConsultRow } from '../../db/schema/reference-consults.sql.js';
import type { VendorEnrolmentRow } from '../../db/schema/vendors.sql.js';
import type { GuardianGrantNode, PaymentNode } from '../../domain/nodes.js';
import type { AccessLogEntryNode } from '../../audit/read-model.js';

export interface RecordFacts {
  /** The patron the record is about; null for an anonymised record. */
  patronId: string | null;
  /** When the recorded event happened; null for standing data (identity, a patron's lists). */
  at: Date | null;
  /**
   * Still current: a loan not yet returned, a fine still owed, a consult still open. Circulation
   * staff see only current loans; a guardian only current loans and owed fines.
   */
  current: boolean;
  /** The librarian who conducted a consult; null on a patron (its list is narrowed instead). */
  librarianId: string | null;
}

const facts = (
  patronId: string | null,
  at: Date | null,
  current = true,
  librarianId: string | null = null,
): RecordFacts => ({
  patronId,
  at,
  current,
  librarianId,
});

/** The facts of a patron's standing record, and of the lists under it (before narrowing). */
export const patronFacts = (patronId: string): RecordFacts => facts(patronId, null);

/** Record facts per GraphQL type whose fields carry @pii (DisclosureRequest has its own rule). */
export const recordFacts = {
  Patron: (p: PatronRow) => patronFacts(p.id),
  Loan: (l: LoanRow) => facts(l.patronId, l.checkedOutAt, l.returnedAt === null),
  Fine: (f: FineRow) => facts(f.patronId, f.assessedAt, f.status === 'OWED'),
  Payment: (p: PaymentNode) => facts(p.patronId, p.paidAt, false),
  // The loan just checked in: judged as the loan it is (returned), by the same rules.
  CheckInResult: (r: { loan: LoanRow }) => facts(r.loan.patronId, r.loan.checkedOutAt, false),
  ReferenceConsult: (c: ReferenceConsultRow) =>
    facts(c.patronId, c.startedAt, c.status === 'OPEN', c.librarianId),
  // Audit events name patrons only by pseudonym: no subject, so the custodian alone reads them.
  AuditEvent: () => facts(null, null),
  // The console's aggregates of the log: the custodian alone, like the events they count.
  AccessTimelineDay: () => facts(null, null),
  AuditLogHealth: () => facts(null, null),
  AuditVerification: () => facts(null, null),
  AccessLogEntry: (e: AccessLogEntryNode) => facts(e.patronId, null),
  // The self-service types: their @pii fields go through the same policy as every other record.
  GuardianGrant: (g: GuardianGrantNode) => facts(g.subjectId, g.grantedAt),
  Consent: (c: ConsentRow) => facts(c.patronId, c.grantedAt),
  VendorEnrolment: (e: VendorEnrolmentRow) => facts(e.patronId, e.enrolledAt),
} satisfies Record<string, (parent: never) => RecordFacts>;

export type FactsType = keyof typeof recordFacts;

export const isFactsType = (name: string): name is FactsType => Object.hasOwn(recordFacts, name);
