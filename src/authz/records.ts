// What the policy needs to know about the object a protected field belongs to: whose record it is,
// when it happened (for a disclosure's date range), and whether it is current.
import type { LoanRow } from '../db/schema/circulation.sql.js';
import type { FineRow, PaymentRow } from '../db/schema/fines.sql.js';
import type { PatronRow } from '../db/schema/patrons.sql.js';
import type { ReferenceConsultRow } from '../db/schema/reference.sql.js';
import { accountRecordFacts } from './records-account.js';

export interface RecordFacts {
  /** The patron the record is about; null for an anonymised record. */
  patronId: string | null;
  /** When the recorded event happened; null for standing data (identity). */
  at: Date | null;
  /** A loan not yet returned (circulation staff and guardians see only current loans). */
  current: boolean;
  /** The librarian who conducted a consult. */
  librarianId: string | null;
}

/** A payment carries its fine's patron, attached by the resolver that lists it. */
export type PaymentNode = PaymentRow & { patronId: string | null };

const facts = (patronId: string | null, at: Date | null, current = true, librarianId: string | null = null): RecordFacts => ({
  patronId,
  at,
  current,
  librarianId,
});

/** Record facts per GraphQL type whose fields carry @pii (DisclosureRequest has its own rule). */
export const recordFacts: Record<string, (parent: never) => RecordFacts> = {
  Patron: (p: PatronRow) => facts(p.id, null),
  Loan: (l: LoanRow) => facts(l.patronId, l.checkedOutAt, l.returnedAt === null),
  Fine: (f: FineRow) => facts(f.patronId, f.assessedAt),
  Payment: (p: PaymentNode) => facts(p.patronId, p.paidAt),
  // The loan just checked in: judged as the loan it is (returned), by the same rules.
  CheckInResult: (r: { loan: LoanRow }) => facts(r.loan.patronId, r.loan.checkedOutAt, false),
  ReferenceConsult: (c: ReferenceConsultRow) => facts(c.patronId, c.startedAt, c.status === 'OPEN', c.librarianId),
  ...accountRecordFacts,
};
