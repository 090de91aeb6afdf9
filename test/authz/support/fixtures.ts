// The leak test's world: the demo library plus the rows every kind of principal needs (a revoked
// grant, revoked and future designations, an inactive vendor, a loan outside the police's date
// range), a unique canary in every text field of every record, and the facts of every record
// read back with plain SQL (never through src/).
import { demoCardNumber } from '../../../src/seed/demo.js';
import type { TestDatabase } from '../../support/database.js';

const DAY = 86_400_000;

/** The patrons whose records the leak test reads (every demo patron with personal records). */
export const PATRONS = [
  'pat_adalovelace',
  'pat_benokafor',
  'pat_carmendiaz',
  'pat_danidiaz',
  'pat_evegrant',
] as const;

/** Text columns that get a canary, per table; the canary names the record and the GraphQL field. */
const CANARY_COLUMNS: Record<string, Record<string, string>> = {
  patrons: {
    name: 'Patron.name',
    email: 'Patron.email',
    phone: 'Patron.phone',
    address_line1: 'Patron.addressLine1',
    address_line2: 'Patron.addressLine2',
    city: 'Patron.city',
    region: 'Patron.region',
    postal_code: 'Patron.postalCode',
  },
  loans: { branch: 'Loan.branch', item_id: 'Item.id' },
  fines: { reason: 'Fine.reason', waived_by: 'Fine.waivedBy', waiver_reason: 'Fine.waiverReason' },
  reference_consults: {
    question: 'ReferenceConsult.question',
    answer_summary: 'ReferenceConsult.answerSummary',
  },
  guardian_grants: { granted_by: 'GuardianGrant.grantedBy' },
  disclosure_requests: {
    requester_name: 'DisclosureRequest.requesterName',
    agency: 'DisclosureRequest.agency',
    instrument_reference: 'DisclosureRequest.instrumentReference',
    issuing_authority: 'DisclosureRequest.issuingAuthority',
    decided_by: 'DisclosureRequest.decidedBy',
    decision_note: 'DisclosureRequest.decisionNote',
    emergency_justification: 'DisclosureRequest.emergencyJustification',
  },
};

/** Where a canary came from: the GraphQL field, and the record (patron, loan, fine, ...) it belongs to. */
export interface CanaryOwner {
  field: string;
  recordId: string;
}

export interface RecordRow {
  type:
    | 'Patron'
    | 'Loan'
    | 'Fine'
    | 'Payment'
    | 'ReferenceConsult'
    | 'DisclosureRequest'
    | 'GuardianGrant'
    | 'Consent'
    | 'VendorEnrolment';
  id: string;
  patronId: string | null;
  at: Date | null;
  /** A loan on loan, a fine owed, a consult open. */
  current: boolean;
  librarianId: string | null;
  /** Disclosure requests only. */
  requesterId?: string;
  receivedBy?: string;
  namedPatrons?: string[];
  nondisclosureUntil?: Date | null;
  /** Guardian grants only: the child and the guardian (a grant is read from either one's record). */
  parties?: [string, string];
}

export interface World {
  seededAt: Date;
  canaries: Map<string, CanaryOwner>;
  records: Map<string, RecordRow>;
  /** The canary card number of each patron (valid 14-digit numbers, unique in the database). */
  cardNumbers: Map<string, string>;
}

export async function buildWorld(db: TestDatabase, seededAt: Date): Promise<World> {
  const at = (days: number) => new Date(seededAt.getTime() + days * DAY);
  await db.raw(
    `insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at, returned_at)
     values ('loan_adaancient', 'pat_adalovelace', 'item_ancient', 'book', 'MAIN', $1, $2, $3)`,
    [at(-400), at(-379), at(-380)],
  );
  await db.raw(
    `insert into fines (id, patron_id, amount_cents, reason, status, assessed_at, closed_at)
     values ('fine_carmenowed', 'pat_carmendiaz', 75, 'x', 'OWED', $1, null), ('fine_danipaid', 'pat_danidiaz', 30, 'x', 'PAID', $2, $3)`,
    [at(-4), at(-25), at(-24)],
  );
  await db.raw(
    `insert into payments (id, fine_id, amount_cents, processor_token, card_last4, paid_at, received_by)
     values ('pay_danipaid', 'fine_danipaid', 30, 'tok_demo_dani_0001', '1881', $1, 'staff_circ')`,
    [at(-24)],
  );
  await db.raw(
    `insert into guardian_grants (id, child_id, guardian_id, categories, granted_by, granted_at, revoked_at)
     values ('gg_danitoeve', 'pat_danidiaz', 'pat_evegrant', '{CIRCULATION,FINES,IDENTITY}', 'pat_danidiaz', $1, $2)`,
    [at(-30), at(-1)],
  );
  await db.raw(
    `insert into designations (id, director_id, alternate_id, valid_from, valid_to, reason, revoked_at, revoked_by)
     values ('des_revoked', 'staff_director', 'staff_revokeddeputy', $1, $2, 'x', $3, 'staff_director'),
            ('des_future', 'staff_director', 'staff_futuredeputy', $4, $5, 'x', null, null)`,
    [at(-2), at(20), at(-1), at(5), at(40)],
  );
  await db.raw(
    `insert into vendors (id, name, scopes, active) values ('ven_defunct', 'Defunct audio', '{card:verify,card:read}', false)`,
  );
  await db.raw(
    `insert into vendor_enrolments (id, vendor_id, patron_id, enrolled_at) values ('enr_adadefunct', 'ven_defunct', 'pat_adalovelace', $1)`,
    [at(-10)],
  );

  // A request naming two patrons: each of them may read it, and sees only themself among its patrons.
  await db.raw(
    `insert into disclosure_request_patrons (request_id, patron_id) values ('dr_withdrawn', 'pat_carmendiaz')`,
  );
  // A consent to a third party no principal of the test is: its requester id can be a canary.
  await db.raw(
    `insert into consents (id, patron_id, requester_id, categories, granted_at) values ('con_adacanary', 'pat_adalovelace', 'CANARY-con_adacanary-Consent.requesterId', '{IDENTITY}', $1)`,
    [at(-6)],
  );
  const canaries = new Map<string, CanaryOwner>([
    [
      'CANARY-con_adacanary-Consent.requesterId',
      { field: 'Consent.requesterId', recordId: 'con_adacanary' },
    ],
  ]);
  for (const [table, columns] of Object.entries(CANARY_COLUMNS)) {
    const ids = (await db.raw(`select id from ${table}`)).map((r) => String(r.id));
    for (const id of ids) {
      if (table === 'patrons' && !(PATRONS as readonly string[]).includes(id)) continue;
      const sets = Object.entries(columns).map(([column, field], i) => {
        canaries.set(`CANARY-${id}-${field}`, { field, recordId: id });
        return [column, `CANARY-${id}-${field}`, i] as const;
      });
      await db.raw(
        `update ${table} set ${sets.map(([c, , i]) => `${c} = $${i + 2}`).join(', ')} where id = $1`,
        [id, ...sets.map(([, v]) => v)],
      );
    }
  }
  // disclosure_events is append-only (a trigger refuses UPDATE): the canaries go in with it switched
  // off for the seeding only, as the superuser the tests run as.
  await db.raw(`alter table disclosure_events disable trigger disclosure_events_no_update_delete`);
  const events = await db.raw(`select id, request_id from disclosure_events`);
  for (const e of events) {
    const owner = String(e.request_id);
    for (const [column, field] of [
      ['note', 'DisclosureEvent.note'],
      ['actor_id', 'DisclosureEvent.actorId'],
      ['designation_id', 'DisclosureEvent.designationId'],
    ] as const) {
      const value = `CANARY-${owner}-${field}-${e.id}#`;
      canaries.set(value, { field, recordId: owner });
      await db.raw(`update disclosure_events set ${column} = $2 where id = $1`, [e.id, value]);
    }
  }
  await db.raw(`alter table disclosure_events enable trigger disclosure_events_no_update_delete`);
  const cardNumbers = new Map<string, string>();
  for (const [i, id] of PATRONS.entries()) {
    const card = demoCardNumber(7000 + i);
    cardNumbers.set(id, card);
    canaries.set(card, { field: 'Patron.cardNumber', recordId: id });
    await db.raw(`update patrons set card_number = $2 where id = $1`, [id, card]);
  }
  return { seededAt, canaries, records: await readRecords(db), cardNumbers };
}

async function readRecords(db: TestDatabase): Promise<Map<string, RecordRow>> {
  const out = new Map<string, RecordRow>();
  const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  for (const r of await db.raw(`select id from patrons`)) {
    const id = String(r.id);
    out.set(id, { type: 'Patron', id, patronId: id, at: null, current: true, librarianId: null });
  }
  for (const r of await db.raw(`select id, patron_id, checked_out_at, returned_at from loans`)) {
    out.set(String(r.id), {
      type: 'Loan',
      id: String(r.id),
      patronId: (r.patron_id as string) ?? null,
      at: d(r.checked_out_at),
      current: r.returned_at === null,
      librarianId: null,
    });
  }
  for (const r of await db.raw(`select id, patron_id, assessed_at, status from fines`)) {
    out.set(String(r.id), {
      type: 'Fine',
      id: String(r.id),
      patronId: (r.patron_id as string) ?? null,
      at: d(r.assessed_at),
      current: r.status === 'OWED',
      librarianId: null,
    });
  }
  for (const r of await db.raw(
    `select p.id, f.patron_id, p.paid_at from payments p join fines f on f.id = p.fine_id`,
  )) {
    out.set(String(r.id), {
      type: 'Payment',
      id: String(r.id),
      patronId: (r.patron_id as string) ?? null,
      at: d(r.paid_at),
      current: false,
      librarianId: null,
    });
  }
  for (const r of await db.raw(
    `select id, patron_id, librarian_id, started_at, status from reference_consults`,
  )) {
    out.set(String(r.id), {
      type: 'ReferenceConsult',
      id: String(r.id),
      patronId: (r.patron_id as string) ?? null,
      at: d(r.started_at),
      current: r.status === 'OPEN',
      librarianId: String(r.librarian_id),
    });
  }
  for (const r of await db.raw(
    `select id, child_id, guardian_id, granted_at from guardian_grants`,
  )) {
    // Whose record a grant is depends on which list it was read from: the checker sets patronId.
    const parties: [string, string] = [String(r.child_id), String(r.guardian_id)];
    out.set(String(r.id), {
      type: 'GuardianGrant',
      id: String(r.id),
      patronId: null,
      at: d(r.granted_at),
      current: true,
      librarianId: null,
      parties,
    });
  }
  for (const r of await db.raw(`select id, patron_id, granted_at from consents`)) {
    out.set(String(r.id), {
      type: 'Consent',
      id: String(r.id),
      patronId: String(r.patron_id),
      at: d(r.granted_at),
      current: true,
      librarianId: null,
    });
  }
  for (const r of await db.raw(`select id, patron_id, enrolled_at from vendor_enrolments`)) {
    out.set(String(r.id), {
      type: 'VendorEnrolment',
      id: String(r.id),
      patronId: String(r.patron_id),
      at: d(r.enrolled_at),
      current: true,
      librarianId: null,
    });
  }
  const named = await db.raw(`select request_id, patron_id from disclosure_request_patrons`);
  for (const r of await db.raw(
    `select id, requester_id, received_by, received_at, nondisclosure_until from disclosure_requests`,
  )) {
    const id = String(r.id);
    out.set(id, {
      type: 'DisclosureRequest',
      id,
      patronId: null,
      at: d(r.received_at),
      current: true,
      librarianId: null,
      requesterId: String(r.requester_id),
      receivedBy: String(r.received_by),
      namedPatrons: named.filter((n) => n.request_id === id).map((n) => String(n.patron_id)),
      nondisclosureUntil: d(r.nondisclosure_until),
    });
  }
  return out;
}
