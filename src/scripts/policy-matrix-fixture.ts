// The README's policy matrix, computed by running the policy engine itself (AccessControl and its
// clauses) over an in-memory fixture: rows are principals under a condition, columns are the
// field classes the SDL's classification defines. A cell is whatever the engine decides, so the
// matrix cannot say something the rules do not do.
import DataLoader from 'dataloader';
import type { GraphQLSchema } from 'graphql';
import { ANONYMOUS, principalFromClaims, type Claims } from '../auth/principal.js';
import type { AccessPurpose } from '../auth/purpose.js';
import type { DesignationRow, DisclosureRequestRow } from '../db/schema/disclosure-requests.sql.js';
import type { ConsentRow, GuardianGrantRow } from '../db/schema/patrons.sql.js';
import type { VendorRow } from '../db/schema/vendors.sql.js';
import { PII_CATEGORIES, type PiiCategory } from '../domain/vocabulary.js';
import { classifyFields } from '../authz/policy/classification.js';
import type { Decision } from '../domain/decision.js';
import {
  AccessControl,
  type AccessFactsSource,
  type FieldFlags,
} from '../authz/policy/access-control.js';
import { patronFacts, type RecordFacts } from '../authz/policy/records.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;
const days = (n: number) => new Date(NOW.getTime() + n * DAY);
const SUBJECT = 'pat_subject';

interface World {
  designation?: Partial<DesignationRow>;
  approval?: { categories: PiiCategory[] };
  consent?: { categories: PiiCategory[] };
  grant?: { categories: PiiCategory[] };
  vendor?: { active: boolean; enrolled: boolean };
}

function source(world: World): AccessFactsSource {
  const designation: DesignationRow | null = world.designation
    ? {
        id: 'des_x',
        directorId: 'staff_director',
        alternateId: 'staff_alt',
        validFrom: days(-1),
        validTo: days(30),
        reason: 'leave',
        createdAt: days(-1),
        revokedAt: null,
        revokedBy: null,
        ...world.designation,
      }
    : null;
  const request = (categories: PiiCategory[]): DisclosureRequestRow => ({
    ...disclosureRequest('req_x'),
    status: 'APPROVED',
    categories,
    scopeFrom: days(-365),
    scopeTo: NOW,
    accessExpiresAt: days(20),
  });
  const consent: ConsentRow[] = world.consent
    ? [
        {
          id: 'con_x',
          patronId: SUBJECT,
          requesterId: 'req_x',
          categories: world.consent.categories,
          grantedAt: days(-3),
          expiresAt: null,
          revokedAt: null,
        },
      ]
    : [];
  const grant: GuardianGrantRow[] = world.grant
    ? [
        {
          id: 'gg_x',
          childId: SUBJECT,
          guardianId: 'pat_guardian',
          categories: world.grant.categories,
          grantedBy: SUBJECT,
          grantedAt: days(-3),
          revokedAt: null,
        },
      ]
    : [];
  const vendor: VendorRow | null = world.vendor
    ? {
        id: 'ven_x',
        name: 'vendor',
        scopes: ['card:verify', 'card:read'],
        active: world.vendor.active,
        createdAt: days(-100),
      }
    : null;
  return {
    // The repository returns a designation only inside its window and unrevoked: mirror that.
    activeDesignation: async () =>
      designation &&
      !designation.revokedAt &&
      designation.validFrom <= NOW &&
      designation.validTo > NOW
        ? designation
        : null,
    approvalsFor: async () =>
      world.approval
        ? [{ request: request(world.approval.categories), patronIds: new Set([SUBJECT]) }]
        : [],
    consentsFor: async () => consent,
    grantsTo: async () => grant,
    vendor: async () => vendor,
    enrolmentLoader: () =>
      new DataLoader<string, boolean>(async (ids) =>
        ids.map(() => world.vendor?.enrolled ?? false),
      ),
  };
}

function disclosureRequest(requesterId: string): DisclosureRequestRow {
  return {
    id: 'dr_x',
    requesterId,
    requesterName: 'r',
    agency: 'a',
    instrument: 'SUBPOENA',
    instrumentReference: null,
    issuingAuthority: null,
    categories: ['IDENTITY'],
    scopeFrom: null,
    scopeTo: null,
    status: 'UNDER_REVIEW',
    receivedBy: 'staff_intake',
    receivedAt: days(-5),
    decidedBy: null,
    decisionAuthority: null,
    designationId: null,
    decidedAt: null,
    decisionNote: null,
    accessExpiresAt: null,
    nondisclosureUntil: null,
    emergencyJustification: null,
    ratifiedAt: null,
    closedAt: null,
    ratificationDueAt: null,
    repudiatedAt: null,
    emergencyReviewedBy: null,
  };
}

interface Row {
  who: string;
  claims: Claims | null;
  purpose?: AccessPurpose;
  world?: World;
  /** Dated records (loans, fines, consults) this many days from now. */
  recordDays?: number;
}

const staff = (
  sub: string,
  role: 'circulation' | 'reference' | 'volunteer' | 'director',
): Claims => ({ sub, roles: [role] });
const ALL: PiiCategory[] = [...PII_CATEGORIES];

const MATRIX_ROWS: Row[] = [
  { who: 'patron: their own record', claims: { sub: 'u1', roles: ['patron'], patron_id: SUBJECT } },
  {
    who: 'patron: another patron’s record',
    claims: { sub: 'u2', roles: ['patron'], patron_id: 'pat_other' },
  },
  {
    who: 'guardian: the child granted IDENTITY, CIRCULATION, FINES (unrevoked)',
    claims: { sub: 'u3', roles: ['patron'], patron_id: 'pat_guardian' },
    world: { grant: { categories: ['IDENTITY', 'CIRCULATION', 'FINES'] } },
  },
  {
    who: 'guardian: no grant, or a revoked one',
    claims: { sub: 'u3', roles: ['patron'], patron_id: 'pat_guardian' },
  },
  {
    who: 'circulation staff, purpose stated',
    claims: staff('staff_circ', 'circulation'),
    purpose: 'CIRCULATION_DESK',
  },
  { who: 'circulation staff, no purpose', claims: staff('staff_circ', 'circulation') },
  {
    who: 'reference librarian, purpose stated',
    claims: staff('staff_ref', 'reference'),
    purpose: 'REFERENCE_SERVICE',
  },
  { who: 'reference librarian, no purpose', claims: staff('staff_ref', 'reference') },
  {
    who: 'volunteer, purpose stated',
    claims: staff('staff_vol', 'volunteer'),
    purpose: 'CIRCULATION_DESK',
  },
  {
    who: 'Director, purpose stated',
    claims: staff('staff_director', 'director'),
    purpose: 'RECORDS_AUDIT',
  },
  { who: 'Director, no purpose', claims: staff('staff_director', 'director') },
  {
    who: 'designee inside an unrevoked window, purpose stated',
    claims: staff('staff_alt', 'circulation'),
    purpose: 'DISCLOSURE_REVIEW',
    world: { designation: {} },
  },
  {
    who: 'designee after the window (circulation role)',
    claims: staff('staff_alt', 'circulation'),
    purpose: 'DISCLOSURE_REVIEW',
    world: { designation: { validFrom: days(-40), validTo: days(-10) } },
  },
  {
    who: 'designee, designation revoked (circulation role)',
    claims: staff('staff_alt', 'circulation'),
    purpose: 'DISCLOSURE_REVIEW',
    world: { designation: { revokedAt: days(-1) } },
  },
  {
    who: 'requester: approved unexpired request naming the patron and every category, record inside its range',
    claims: { sub: 's1', roles: ['requester'], requester_id: 'req_x' },
    world: { approval: { categories: ALL } },
  },
  {
    who: 'requester: same request, record dated outside its range',
    claims: { sub: 's1', roles: ['requester'], requester_id: 'req_x' },
    world: { approval: { categories: ALL } },
    recordDays: -400,
  },
  {
    who: 'requester: request expired, denied, pending, or naming another patron',
    claims: { sub: 's1', roles: ['requester'], requester_id: 'req_x' },
  },
  {
    who: 'third party the patron consented to (FINES)',
    claims: { sub: 's2', roles: ['requester'], requester_id: 'req_y' },
    world: { consent: { categories: ['FINES'] } },
  },
  {
    who: 'vendor (active, card:read): patron enrolled in its service',
    claims: { sub: 'v1', roles: ['vendor'], vendor_id: 'ven_x', scope: 'card:verify card:read' },
    world: { vendor: { active: true, enrolled: true } },
  },
  {
    who: 'vendor: patron not enrolled, or vendor inactive',
    claims: { sub: 'v1', roles: ['vendor'], vendor_id: 'ven_x', scope: 'card:verify card:read' },
    world: { vendor: { active: true, enrolled: false } },
  },
  { who: 'anonymous (no token)', claims: null },
];

interface Column {
  title: string;
  decide: (ac: AccessControl, recordDays: number) => Decision | Promise<Decision>;
}

/** Columns: one per field class of the SDL, split by the conditions the rules look at. */
function columns(schema: GraphQLSchema): Column[] {
  const classes = [...classifyFields(schema).entries()];
  const fieldsOf = (
    pred: (
      type: string,
      c: { category: PiiCategory; staffVisible: boolean; vendorShared: boolean },
    ) => boolean,
  ) =>
    classes
      .filter(([key, c]) => c.kind === 'pii' && pred(key.split('.')[0]!, c))
      .map(([key]) => key);
  const dated = (
    patronId: string,
    d: number,
    current: boolean,
    librarianId: string | null = null,
  ): RecordFacts => ({ patronId, at: days(d), current, librarianId });
  const col = (
    title: string,
    category: PiiCategory,
    flags: FieldFlags,
    record: (d: number) => RecordFacts,
  ): Column => ({
    title,
    decide: (ac, d) => ac.decide(record(d), category, flags),
  });
  const plain: FieldFlags = { staffVisible: true, vendorShared: false };
  const identity = fieldsOf(
    (_t, c) => c.category === 'IDENTITY' && c.staffVisible && !c.vendorShared,
  ).length;
  return [
    col(`IDENTITY (${identity} fields)`, 'IDENTITY', plain, () => patronFacts(SUBJECT)),
    ...fieldsOf((_t, c) => !c.staffVisible).map((f) =>
      col(`IDENTITY: ${f}`, 'IDENTITY', { staffVisible: false, vendorShared: false }, () =>
        patronFacts(SUBJECT),
      ),
    ),
    ...fieldsOf((_t, c) => c.vendorShared).map((f) =>
      col(`IDENTITY: ${f}`, 'IDENTITY', { staffVisible: true, vendorShared: true }, () =>
        patronFacts(SUBJECT),
      ),
    ),
    col('CIRCULATION: current loan', 'CIRCULATION', plain, (d) => dated(SUBJECT, d, true)),
    col('CIRCULATION: returned loan', 'CIRCULATION', plain, (d) => dated(SUBJECT, d, false)),
    col('FINES: owed', 'FINES', plain, (d) => dated(SUBJECT, d, true)),
    col('FINES: paid / waived, payments', 'FINES', plain, (d) => dated(SUBJECT, d, false)),
    col('REFERENCE: a consult the caller conducted', 'REFERENCE', plain, (d) =>
      dated(SUBJECT, d, false, 'staff_ref'),
    ),
    col('REFERENCE: another librarian’s consult', 'REFERENCE', plain, (d) =>
      dated(SUBJECT, d, false, 'staff_other'),
    ),
    col('DISCLOSURE: the patron’s list of requests', 'DISCLOSURE', plain, () =>
      patronFacts(SUBJECT),
    ),
    {
      title:
        'DISCLOSURE: a request about the patron, filed by requester req_x, taken in by other staff',
      decide: (ac) => ac.decideDisclosure(disclosureRequest('req_x'), [SUBJECT]),
    },
  ];
}

const cell = (d: Decision) =>
  d.granted
    ? d.basis
    : d.reason === 'PURPOSE_REQUIRED'
      ? 'purpose required'
      : d.reason === 'UNAUTHENTICATED'
        ? 'sign in'
        : '—';

/** The matrix as a markdown table (the README's section between the policy-matrix markers). */
export async function policyMatrix(schema: GraphQLSchema): Promise<string> {
  const cols = columns(schema);
  const lines = [
    `| principal, condition | ${cols.map((c) => c.title).join(' | ')} |`,
    `| --- | ${cols.map(() => '---').join(' | ')} |`,
  ];
  for (const row of MATRIX_ROWS) {
    const principal = row.claims ? principalFromClaims(row.claims) : ANONYMOUS;
    const cells: string[] = [];
    for (const c of cols) {
      const ac = new AccessControl(
        principal,
        row.purpose ?? null,
        source(row.world ?? {}),
        () => NOW,
      );
      cells.push(cell(await c.decide(ac, row.recordDays ?? -10)));
    }
    lines.push(`| ${row.who} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
