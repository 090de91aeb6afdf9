// Rows the API returns with one fact attached, that a bare row does not carry: whose record it is.
import type { PaymentRow } from '../db/schema/fines.sql.js';
import type { GuardianGrantRow } from '../db/schema/patrons.sql.js';

/** A payment carries its fine's patron, attached by the resolver that lists it. */
export type PaymentNode = PaymentRow & { patronId: string | null };

/**
 * A grant concerns two patrons. It is read from one party's list (the child's grants given, the
 * guardian's grants received), and that party is the subject its fields are decided and audited for.
 */
export type GuardianGrantNode = GuardianGrantRow & { subjectId: string };
