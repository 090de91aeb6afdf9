// Record facts of the self-service types (guardian grants, consents, vendor enrolments), merged
// into `recordFacts` so their @pii fields go through the same policy as every other record.
import type { ConsentRow, GuardianGrantRow } from '../db/schema/patrons.sql.js';
import type { VendorEnrolmentRow } from '../db/schema/vendors.sql.js';
import type { RecordFacts } from './records.js';

/**
 * A grant concerns two patrons. It is read from one party's list (the child's grants given, the
 * guardian's grants received), and that party is the subject its fields are decided and audited for.
 */
export type GuardianGrantNode = GuardianGrantRow & { subjectId: string };

const facts = (patronId: string, at: Date | null): RecordFacts => ({
  patronId,
  at,
  current: true,
  librarianId: null,
});

export const accountRecordFacts: Record<string, (parent: never) => RecordFacts> = {
  GuardianGrant: (g: GuardianGrantNode) => facts(g.subjectId, g.grantedAt),
  Consent: (c: ConsentRow) => facts(c.patronId, c.grantedAt),
  VendorEnrolment: (e: VendorEnrolmentRow) => facts(e.patronId, e.enrolledAt),
};
