// The deterministic demo library: fixed, readable ids (listed in the README), dates relative to
// the moment of seeding so that windows and due dates make sense whenever it is loaded.
import type { Db } from '../db/client.js';
import { hashPin } from '../domain/pins.js';
import { luhnValid } from '../domain/validation.js';
import { ageBand } from '../domain/age-band.js';
import { hasNoPatrons, insertSeed, type SeedRows } from '../repositories/seed.js';

export const DEMO = {
  patrons: {
    ada: 'pat_adalovelace',
    ben: 'pat_benokafor',
    carmen: 'pat_carmendiaz',
    dani: 'pat_danidiaz',
    eve: 'pat_evegrant',
  },
  staff: {
    circulation: 'staff_circ',
    reference: 'staff_ref',
    volunteer: 'staff_vol',
    director: 'staff_director',
    deputy: 'staff_deputy',
  },
  vendor: 'ven_ebooks',
  requesters: { police: 'req_police', court: 'req_court', lawfirm: 'req_lawfirm' },
  /** The demo PIN of every demo patron (development data only). */
  pin: '2468',
} as const;

const DAY = 86_400_000;

/** Card number n of the demo library: 2 + 12 digits + check digit. */
export function demoCardNumber(n: number): string {
  const body = `2${String(9000_0000_0000 + n).padStart(12, '0')}`;
  for (let c = 0; c < 10; c++) if (luhnValid(body + c)) return body + c;
  throw new Error('unreachable');
}

/** Whether the database is empty enough to seed (no patron yet). */
export const isEmpty = (db: Db): Promise<boolean> => hasNoPatrons(db);

export async function seedDemo(db: Db, now = new Date()): Promise<void> {
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const day = (days: number) => at(days).toISOString().slice(0, 10);
  const P = DEMO.patrons;
  const S = DEMO.staff;
  const pinHash = await hashPin(DEMO.pin);

  const base = { cardExpiresOn: day(700), pinHash, status: 'ACTIVE' as const };
  const patronRows: SeedRows['patrons'] = [
    {
      ...base,
      id: P.ada,
      cardNumber: demoCardNumber(1),
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      phone: '+1 785 555 0101',
      addressLine1: '12 Poyntz Ave',
      city: 'Manhattan',
      region: 'KS',
      postalCode: '66502',
      birthDate: '1985-12-10',
      keepCheckoutHistory: true,
      notifyByEmail: true,
    },
    {
      ...base,
      id: P.ben,
      cardNumber: demoCardNumber(2),
      name: 'Ben Okafor',
      email: 'ben@example.org',
      phone: '+1 785 555 0102',
      addressLine1: '400 Vattier St',
      city: 'Manhattan',
      region: 'KS',
      postalCode: '66502',
      birthDate: '1972-04-03',
    },
    {
      ...base,
      id: P.carmen,
      cardNumber: demoCardNumber(3),
      name: 'Carmen Diaz',
      email: 'carmen@example.org',
      phone: '+1 785 555 0103',
      addressLine1: '9 Bluemont Ave',
      city: 'Manhattan',
      region: 'KS',
      postalCode: '66502',
      birthDate: '1980-07-21',
    },
    {
      ...base,
      id: P.dani,
      cardNumber: demoCardNumber(4),
      name: 'Dani Diaz',
      addressLine1: '9 Bluemont Ave',
      city: 'Manhattan',
      region: 'KS',
      postalCode: '66502',
      birthDate: day(-365 * 11),
    },
    {
      ...base,
      id: P.eve,
      cardNumber: demoCardNumber(5),
      name: 'Eve Grant',
      email: 'eve@example.org',
      birthDate: '1999-02-14',
      status: 'SUSPENDED',
    },
    ...Array.from({ length: 20 }, (_, i) => ({
      ...base,
      id: `pat_demo${'abcdefghijklmnopqrstuvwxyz'[i]}patron`,
      cardNumber: demoCardNumber(100 + i),
      name: `Demo Patron ${String(i + 1).padStart(2, '0')}`,
      email: `demo${i + 1}@example.org`,
      birthDate: `19${60 + i}-01-15`,
    })),
  ];

  // Age bands as checkout, assessment and consult recording set them (statistics, regulation 9).
  const born = new Map(patronRows.map((p) => [p.id, p.birthDate]));
  const withBand = <const T extends { patronId?: string | null }>(
    row: T,
    when: Date,
    patronId = row.patronId,
  ) => ({
    ...row,
    patronAgeBand: patronId ? ageBand(born.get(patronId)!, when) : null,
  });

  const request = (
    id: string,
    status: SeedRows['disclosureRequests'][number]['status'],
    extra: Partial<SeedRows['disclosureRequests'][number]> = {},
  ) => ({
    id,
    requesterId: DEMO.requesters.police,
    requesterName: 'Det. Sam Ortiz',
    agency: 'Riley County Police',
    instrument: 'SUBPOENA' as const,
    instrumentReference: `RC-${id.slice(3).toUpperCase()}`,
    issuingAuthority: 'Riley County District Court',
    categories: ['IDENTITY', 'CIRCULATION'],
    scopeFrom: at(-365),
    scopeTo: now,
    status,
    receivedBy: S.circulation,
    receivedAt: at(-7),
    ...extra,
  });
  const decided = {
    decidedBy: S.director,
    decisionAuthority: 'DIRECTOR' as const,
    decidedAt: at(-5),
  };

  const actionTo = {
    RECEIVED: 'RECEIVE',
    UNDER_REVIEW: 'BEGIN_REVIEW',
    APPROVED: 'APPROVE',
    DENIED: 'DENY',
    FULFILLED: 'FULFILL',
    EXPIRED: 'EXPIRE',
    WITHDRAWN: 'WITHDRAW',
  } as const;
  const ev = (
    requestId: string,
    sequence: number,
    fromStatus: string | null,
    toStatus: keyof typeof actionTo,
    actorId: string,
    days: number,
    authority: 'DIRECTOR' | null = null,
  ) => ({
    requestId,
    sequence,
    fromStatus,
    toStatus,
    action: actionTo[toStatus],
    actorId,
    actorRole: authority ? 'director' : 'circulation',
    authority,
    at: at(days),
  });

  await insertSeed(db, {
    patrons: patronRows,
    loans: [
      withBand(
        {
          id: 'loan_adacurrent',
          patronId: P.ada,
          itemId: 'item_analyticalengine',
          itemType: 'book',
          branch: 'MAIN',
          checkedOutAt: at(-5),
          dueAt: at(16),
        },
        at(-5),
      ),
      withBand(
        {
          id: 'loan_adareturned',
          patronId: P.ada,
          itemId: 'item_notesonbabbage',
          itemType: 'book',
          branch: 'MAIN',
          checkedOutAt: at(-60),
          dueAt: at(-39),
          returnedAt: at(-41),
        },
        at(-60),
      ),
      withBand(
        {
          id: 'loan_bencurrent',
          patronId: P.ben,
          itemId: 'item_thingsfallapart',
          itemType: 'book',
          branch: 'EAST',
          checkedOutAt: at(-3),
          dueAt: at(18),
        },
        at(-3),
      ),
      withBand(
        {
          id: 'loan_benoverdue',
          patronId: P.ben,
          itemId: 'item_jazzrecords',
          itemType: 'cd',
          branch: 'EAST',
          checkedOutAt: at(-40),
          dueAt: at(-19),
        },
        at(-40),
      ),
      // Ben keeps no history: his returned loan is already anonymised.
      withBand(
        {
          id: 'loan_anonymised',
          patronId: null,
          itemId: 'item_citymap',
          itemType: 'map',
          branch: 'EAST',
          checkedOutAt: at(-90),
          dueAt: at(-69),
          returnedAt: at(-70),
          anonymisedAt: at(-70),
        },
        at(-90),
        P.ben,
      ),
      withBand(
        {
          id: 'loan_danicurrent',
          patronId: P.dani,
          itemId: 'item_dragonstories',
          itemType: 'book',
          branch: 'MAIN',
          checkedOutAt: at(-2),
          dueAt: at(19),
        },
        at(-2),
      ),
      withBand(
        {
          id: 'loan_danireturned',
          patronId: P.dani,
          itemId: 'item_picturebook',
          itemType: 'book',
          branch: 'MAIN',
          checkedOutAt: at(-30),
          dueAt: at(-9),
          returnedAt: at(-10),
        },
        at(-30),
      ),
    ],
    fines: [
      withBand(
        {
          id: 'fine_benowed',
          patronId: P.ben,
          loanId: 'loan_benoverdue',
          branch: 'EAST',
          itemType: 'cd',
          amountCents: 450,
          reason: 'Overdue item',
          assessedAt: at(-10),
        },
        at(-10),
      ),
      withBand(
        {
          id: 'fine_adapaid',
          patronId: P.ada,
          loanId: 'loan_adareturned',
          branch: 'MAIN',
          itemType: 'book',
          amountCents: 100,
          reason: 'Overdue item',
          status: 'PAID',
          assessedAt: at(-41),
          closedAt: at(-40),
        },
        at(-41),
      ),
      withBand(
        {
          id: 'fine_evewaived',
          patronId: P.eve,
          amountCents: 2500,
          reason: 'Damaged item',
          status: 'WAIVED',
          assessedAt: at(-20),
          closedAt: at(-15),
          waivedBy: S.circulation,
          waiverReason: 'Damage predated checkout',
        },
        at(-20),
      ),
      withBand(
        {
          id: 'fine_daniowed',
          patronId: P.dani,
          amountCents: 50,
          reason: 'Overdue item',
          assessedAt: at(-9),
        },
        at(-9),
      ),
    ],
    payments: [
      {
        id: 'pay_adapaid',
        fineId: 'fine_adapaid',
        amountCents: 100,
        processorToken: 'tok_demo_ada_0001',
        cardLast4: '4242',
        paidAt: at(-40),
        receivedBy: S.circulation,
      },
    ],
    referenceConsults: [
      withBand(
        {
          id: 'rc_adainperson',
          patronId: P.ada,
          librarianId: S.reference,
          channel: 'IN_PERSON',
          question: 'Where are the papers on the difference engine?',
          answerSummary: 'Special collections, box 4.',
          status: 'FINISHED',
          startedAt: at(-12),
          finishedAt: at(-12),
        },
        at(-12),
      ),
      withBand(
        {
          id: 'rc_benphone',
          patronId: P.ben,
          librarianId: S.reference,
          channel: 'PHONE',
          question: 'Do you hold county tax records from 1990?',
          answerSummary: 'Referred to the county archive.',
          status: 'FINISHED',
          startedAt: at(-8),
          finishedAt: at(-8),
        },
        at(-8),
      ),
      withBand(
        {
          id: 'rc_adaemail',
          patronId: P.ada,
          librarianId: 'staff_refother',
          channel: 'EMAIL',
          question: 'Can I get an interlibrary loan of a rare manuscript?',
          status: 'OPEN',
          startedAt: at(-1),
        },
        at(-1),
      ),
      withBand(
        {
          id: 'rc_anonchat',
          patronId: null,
          librarianId: S.reference,
          channel: 'CHAT',
          question: 'What are the opening hours on holidays?',
          answerSummary: 'Closed on federal holidays.',
          status: 'FINISHED',
          startedAt: at(-3),
          finishedAt: at(-3),
        },
        at(-3),
      ),
    ],
    designations: [
      {
        id: 'des_deputyactive',
        directorId: S.director,
        alternateId: S.deputy,
        validFrom: at(-1),
        validTo: at(30),
        reason: 'Director on leave',
      },
      {
        id: 'des_expired',
        directorId: S.director,
        alternateId: 'staff_formerdeputy',
        validFrom: at(-60),
        validTo: at(-30),
        reason: 'Conference',
      },
    ],
    disclosureRequests: [
      request('dr_received', 'RECEIVED'),
      request('dr_underreview', 'UNDER_REVIEW', {
        instrument: 'COURT_ORDER',
        requesterId: DEMO.requesters.court,
        requesterName: 'Clerk J. Park',
        agency: 'District Court',
      }),
      request('dr_approved', 'APPROVED', {
        ...decided,
        accessExpiresAt: at(25),
        decisionNote: 'Scope limited to identity and loans of the last year.',
      }),
      request('dr_denied', 'DENIED', {
        ...decided,
        decisionNote: 'Subpoena does not name a patron.',
      }),
      request('dr_fulfilled', 'FULFILLED', {
        ...decided,
        accessExpiresAt: at(-1),
        closedAt: at(-1),
        nondisclosureUntil: at(60),
      }),
      request('dr_expired', 'EXPIRED', { ...decided, accessExpiresAt: at(-2), closedAt: at(-2) }),
      request('dr_withdrawn', 'WITHDRAWN', {
        requesterId: DEMO.requesters.lawfirm,
        requesterName: 'R. Chen',
        agency: 'Chen & Ames LLP',
        closedAt: at(-4),
      }),
    ],
    disclosureRequestPatrons: [
      { requestId: 'dr_received', patronId: P.ben },
      { requestId: 'dr_underreview', patronId: P.ben },
      { requestId: 'dr_approved', patronId: P.ada },
      { requestId: 'dr_denied', patronId: P.eve },
      { requestId: 'dr_fulfilled', patronId: P.ada },
      { requestId: 'dr_expired', patronId: P.ben },
      { requestId: 'dr_withdrawn', patronId: P.eve },
    ],
    disclosureEvents: [
      ev('dr_received', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_underreview', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_underreview', 2, 'RECEIVED', 'UNDER_REVIEW', S.director, -6, 'DIRECTOR'),
      ev('dr_approved', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_approved', 2, 'RECEIVED', 'UNDER_REVIEW', S.director, -6, 'DIRECTOR'),
      ev('dr_approved', 3, 'UNDER_REVIEW', 'APPROVED', S.director, -5, 'DIRECTOR'),
      ev('dr_denied', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_denied', 2, 'RECEIVED', 'DENIED', S.director, -5, 'DIRECTOR'),
      ev('dr_fulfilled', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_fulfilled', 2, 'RECEIVED', 'APPROVED', S.director, -5, 'DIRECTOR'),
      ev('dr_fulfilled', 3, 'APPROVED', 'FULFILLED', S.director, -1, 'DIRECTOR'),
      ev('dr_expired', 1, null, 'RECEIVED', S.circulation, -7),
      ev('dr_expired', 2, 'RECEIVED', 'APPROVED', S.director, -5, 'DIRECTOR'),
      ev('dr_expired', 3, 'APPROVED', 'EXPIRED', S.director, -2, 'DIRECTOR'),
      ev('dr_withdrawn', 1, null, 'RECEIVED', S.circulation, -7),
      {
        ...ev('dr_withdrawn', 2, 'RECEIVED', 'WITHDRAWN', DEMO.requesters.lawfirm, -4),
        actorRole: 'requester',
      },
    ],
    vendors: [{ id: DEMO.vendor, name: 'Demo E-books', scopes: ['card:verify', 'card:read'] }],
    vendorEnrolments: [
      { id: 'enr_adaebooks', vendorId: DEMO.vendor, patronId: P.ada, enrolledAt: at(-100) },
      { id: 'enr_benebooks', vendorId: DEMO.vendor, patronId: P.ben, enrolledAt: at(-50) },
    ],
    guardianGrants: [
      {
        id: 'gg_danitocarmen',
        childId: P.dani,
        guardianId: P.carmen,
        categories: ['CIRCULATION', 'FINES'],
        grantedBy: P.dani,
        grantedAt: at(-20),
      },
    ],
    consents: [
      {
        id: 'con_bentolawfirm',
        patronId: P.ben,
        requesterId: DEMO.requesters.lawfirm,
        categories: ['FINES'],
        grantedAt: at(-3),
        expiresAt: at(60),
      },
    ],
  });
}
