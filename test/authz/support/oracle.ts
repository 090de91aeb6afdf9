// The leak test's ORACLE: who may read what, written from DESIGN.md's "Who asks" table and the
// demo data, independently of src/authz. Each principal lists its entitlements by hand (which
// patrons an approval names, which categories a child granted, ...); nothing here reads the
// designations, approvals, grants or enrolments tables, and nothing imports the policy engine.
import type { TokenSpec } from '../../support/tokens.js';
import { AS } from '../../support/tokens.js';
import type { RecordRow, World } from './fixtures.js';

export type Outcome = 'ALLOW' | 'FORBIDDEN' | 'PURPOSE_REQUIRED' | 'UNAUTHENTICATED';
export type Category =
  'IDENTITY' | 'CIRCULATION' | 'FINES' | 'ONLINE_SERVICES' | 'REFERENCE' | 'DISCLOSURE';
type Basis = 'SELF' | 'CUSTODIAN' | 'STAFF' | 'DISCLOSURE' | 'CONSENT' | 'GUARDIAN' | 'VENDOR';

export interface Who {
  label: string;
  token: TokenSpec | null;
  purpose?: string;
  patronId?: string;
  staffId?: string;
  circulation?: boolean;
  reference?: boolean;
  /** The Director, or a designee inside an unrevoked window. */
  custodian?: boolean;
  requesterId?: string;
  /** Approved, unexpired requests naming this requester: patrons, categories, date range in days from seeding. */
  approvals?: { patrons: string[]; categories: Category[]; fromDays: number; toDays: number }[];
  consents?: { patron: string; categories: Category[] }[];
  /** Grants a child gave this guardian and has not revoked. */
  grants?: { child: string; categories: Category[] }[];
  /** Patrons enrolled in this (active) vendor's service, when the token carries card:read. */
  vendorCards?: string[];
  /** An active vendor whose token and registry entry grant card:verify. */
  cardVerify?: boolean;
}

const ada = 'pat_adalovelace';
const ben = 'pat_benokafor';
const dani = 'pat_danidiaz';

/** Every kind of principal of the "Who asks" table, with and without the conditions that matter. */
export const PRINCIPALS: Who[] = [
  { label: 'patron (ada: self, and others)', token: AS.ada, patronId: ada },
  { label: 'another patron (ben)', token: AS.ben, patronId: ben },
  {
    label: 'guardian with a grant (carmen ← dani: CIRCULATION, FINES)',
    token: AS.carmen,
    patronId: 'pat_carmendiaz',
    grants: [{ child: dani, categories: ['CIRCULATION', 'FINES'] }],
  },
  {
    label: 'guardian whose grant was revoked (eve)',
    token: { sub: 'user_eve', roles: ['patron'], patronId: 'pat_evegrant' },
    patronId: 'pat_evegrant',
  },
  {
    label: 'circulation staff with purpose',
    token: AS.circulation,
    purpose: 'CIRCULATION_DESK',
    staffId: 'staff_circ',
    circulation: true,
  },
  {
    label: 'circulation staff without purpose',
    token: AS.circulation,
    staffId: 'staff_circ',
    circulation: true,
  },
  {
    label: 'reference librarian with purpose',
    token: AS.reference,
    purpose: 'REFERENCE_SERVICE',
    staffId: 'staff_ref',
    reference: true,
  },
  {
    label: 'reference librarian without purpose',
    token: AS.reference,
    staffId: 'staff_ref',
    reference: true,
  },
  {
    label: 'volunteer with purpose',
    token: AS.volunteer,
    purpose: 'CIRCULATION_DESK',
    staffId: 'staff_vol',
  },
  {
    label: 'Director with purpose',
    token: AS.director,
    purpose: 'RECORDS_AUDIT',
    staffId: 'staff_director',
    custodian: true,
  },
  {
    label: 'Director without purpose',
    token: AS.director,
    staffId: 'staff_director',
    custodian: true,
  },
  {
    label: 'active designee with purpose',
    token: AS.deputy,
    purpose: 'DISCLOSURE_REVIEW',
    staffId: 'staff_deputy',
    circulation: true,
    custodian: true,
  },
  {
    label: 'designee after the window (expired)',
    token: AS.formerDeputy,
    purpose: 'DISCLOSURE_REVIEW',
    staffId: 'staff_formerdeputy',
    circulation: true,
  },
  {
    label: 'designee whose designation was revoked',
    token: { sub: 'staff_revokeddeputy', roles: ['circulation'] },
    purpose: 'DISCLOSURE_REVIEW',
    staffId: 'staff_revokeddeputy',
    circulation: true,
  },
  {
    label: 'designee before the window opens',
    token: { sub: 'staff_futuredeputy', roles: ['reference'] },
    purpose: 'DISCLOSURE_REVIEW',
    staffId: 'staff_futuredeputy',
    reference: true,
  },
  {
    label: 'requester: approved (ada), expired (ben), denied (eve)',
    token: AS.police,
    requesterId: 'req_police',
    approvals: [
      { patrons: [ada], categories: ['IDENTITY', 'CIRCULATION'], fromDays: -365, toDays: 0 },
    ],
  },
  {
    label: 'requester with a request under review only',
    token: AS.court,
    requesterId: 'req_court',
  },
  {
    label: 'requester with patron consent (ben: FINES)',
    token: AS.lawfirm,
    requesterId: 'req_lawfirm',
    consents: [{ patron: ben, categories: ['FINES'] }],
  },
  {
    label: 'vendor (ada, ben enrolled)',
    token: AS.vendor,
    vendorCards: [ada, ben],
    cardVerify: true,
  },
  {
    label: 'inactive vendor (ada enrolled)',
    token: {
      sub: 'svc_defunct',
      roles: ['vendor'],
      vendorId: 'ven_defunct',
      scope: 'card:verify card:read',
    },
  },
  {
    label: 'vendor token without card:read',
    token: { ...AS.vendor, scope: 'card:verify' },
    cardVerify: true,
  },
  { label: 'anonymous', token: null },
];

/** The oracle's own reading of the classification (checked against the SDL by the test). */
export const TYPE_CATEGORY: Record<string, Category> = {
  Patron: 'IDENTITY',
  Loan: 'CIRCULATION',
  Fine: 'FINES',
  Payment: 'FINES',
  ReferenceConsult: 'REFERENCE',
  DisclosureRequest: 'DISCLOSURE',
  DisclosureEvent: 'DISCLOSURE',
  // A guardian grant is part of the patron's identity record (who may look at it), a consent is
  // part of their disclosure record, an enrolment is an online service they use (reg. 4).
  GuardianGrant: 'IDENTITY',
  Consent: 'DISCLOSURE',
  VendorEnrolment: 'ONLINE_SERVICES',
  // The audit log and what it says about disclosures belong to the disclosure record.
  AccessLogEntry: 'DISCLOSURE',
  AuditEvent: 'DISCLOSURE',
  DisclosureRelease: 'DISCLOSURE',
  // The privacy console's aggregates of the log (schema/audit-console.graphql).
  AccessTimelineDay: 'DISCLOSURE',
  AuditLogHealth: 'DISCLOSURE',
  AuditVerification: 'DISCLOSURE',
  CheckInResult: 'CIRCULATION',
};
export const FIELD_CATEGORY: Record<string, Category> = {
  'Patron.loans': 'CIRCULATION',
  'Patron.fines': 'FINES',
  'Patron.referenceConsults': 'REFERENCE',
  'Patron.disclosureRequests': 'DISCLOSURE',
  'Patron.onlineServices': 'ONLINE_SERVICES',
  'Patron.consents': 'DISCLOSURE',
  'Patron.accessLog': 'DISCLOSURE',
};
/** Types with nothing personal: vendor registry entries, card verification answers, lists and pages. */
const PUBLIC_TYPES = new Set([
  'PageInfo',
  'Item',
  'LoanConnection',
  'FineConnection',
  'ReferenceConsultConnection',
  'DisclosureRequestConnection',
  'PatronConnection',
  'AccessLogConnection',
  'AuditEventConnection',
  'DisclosureQueue',
  'Vendor',
  'CardVerification',
]);
const PUBLIC_FIELDS = new Set([
  'DisclosureEvent.sequence',
  'AuditEvent.seq',
  'CheckInResult.returnedAt',
  'CheckInResult.anonymised',
]);
/** Library operations data, not about a patron: staff only (designations, when a vendor was registered). */
/** The aggregate statistics of reg. 9: counts for staff, no field of them about a person. */
const STATISTICS_TYPES = new Set(['StatisticsTable', 'StatisticsCell', 'StatisticsTotal']);
export const isInternalField = (type: string, field: string) =>
  (type === 'Designation' && field !== 'id') ||
  `${type}.${field}` === 'Vendor.createdAt' ||
  STATISTICS_TYPES.has(type);
export const isPublicField = (type: string, field: string) =>
  !isInternalField(type, field) &&
  (PUBLIC_TYPES.has(type) || field === 'id' || PUBLIC_FIELDS.has(`${type}.${field}`));
export const categoryOf = (type: string, field: string): Category | null =>
  isPublicField(type, field) || isInternalField(type, field)
    ? null
    : (FIELD_CATEGORY[`${type}.${field}`] ?? TYPE_CATEGORY[type] ?? null);

const DAY = 86_400_000;
const staffOutcome = (who: Who): Outcome => (who.purpose ? 'ALLOW' : 'PURPOSE_REQUIRED');

export interface Verdict {
  outcome: Outcome;
  basis: Basis | null;
}
const allow = (basis: Basis): Verdict => ({ outcome: 'ALLOW', basis });
const deny = (outcome: Exclude<Outcome, 'ALLOW'>): Verdict => ({ outcome, basis: null });

/** A field of `category` on a patron-linked record (Patron, Loan, Fine, Payment, ReferenceConsult). */
export function fieldVerdict(
  w: World,
  who: Who,
  rec: RecordRow,
  category: Category,
  field: string,
): Verdict {
  if (!who.token) return deny('UNAUTHENTICATED');
  if (rec.patronId !== null && rec.patronId === who.patronId) return allow('SELF');
  if (who.custodian) return who.purpose ? allow('CUSTODIAN') : deny('PURPOSE_REQUIRED');
  if (rec.patronId === null) return deny('FORBIDDEN');
  const patron = rec.patronId;
  if (who.circulation) {
    const ok =
      (category === 'IDENTITY' && field !== 'birthDate') ||
      (category === 'CIRCULATION' && rec.current) ||
      category === 'FINES';
    if (ok) return who.purpose ? allow('STAFF') : deny('PURPOSE_REQUIRED');
  }
  if (
    who.reference &&
    category === 'REFERENCE' &&
    (rec.type === 'Patron' || rec.librarianId === who.staffId)
  ) {
    return who.purpose ? allow('STAFF') : deny('PURPOSE_REQUIRED');
  }
  if (category !== 'DISCLOSURE') {
    const inRange = (a: NonNullable<Who['approvals']>[number]) =>
      rec.at === null ||
      (rec.at.getTime() >= w.seededAt.getTime() + a.fromDays * DAY &&
        rec.at.getTime() <= w.seededAt.getTime() + a.toDays * DAY);
    if (
      who.approvals?.some(
        (a) => a.patrons.includes(patron) && a.categories.includes(category) && inRange(a),
      )
    )
      return allow('DISCLOSURE');
    if (who.consents?.some((c) => c.patron === patron && c.categories.includes(category)))
      return allow('CONSENT');
  }
  if (
    (category === 'CIRCULATION' || category === 'FINES') &&
    rec.current &&
    who.grants?.some((g) => g.child === patron && g.categories.includes(category))
  ) {
    return allow('GUARDIAN');
  }
  if (field === 'cardNumber' && who.vendorCards?.includes(patron)) return allow('VENDOR');
  return deny('FORBIDDEN');
}

/**
 * What a requester does not read of its own request: the library's internal review trail and the
 * staff behind it (DESIGN: a requester sees the scope of an approved request, nothing else).
 */
const INTERNAL_TO_LIBRARY = new Set([
  'DisclosureEvent.actorId',
  'DisclosureEvent.designationId',
  'DisclosureEvent.note',
  'DisclosureRequest.receivedBy',
  'DisclosureRequest.decidedBy',
  'DisclosureRequest.decisionDesignationId',
  'DisclosureRequest.emergencyReviewedBy',
]);

/** Any field of a disclosure request (or its events and releases); `field` as Type.field. */
export function disclosureVerdict(w: World, who: Who, req: RecordRow, field = ''): Verdict {
  if (!who.token) return deny('UNAUTHENTICATED');
  if (who.custodian) return who.purpose ? allow('CUSTODIAN') : deny('PURPOSE_REQUIRED');
  if (who.requesterId && req.requesterId === who.requesterId)
    return INTERNAL_TO_LIBRARY.has(field) ? deny('FORBIDDEN') : allow('DISCLOSURE');
  if (who.staffId && req.receivedBy === who.staffId)
    return who.purpose ? allow('STAFF') : deny('PURPOSE_REQUIRED');
  const gagged = req.nondisclosureUntil !== null && req.nondisclosureUntil!.getTime() > Date.now();
  if (who.patronId && req.namedPatrons!.includes(who.patronId) && !gagged) return allow('SELF');
  return deny('FORBIDDEN');
}

/** An @internal field: any staff member (volunteers included), never a patron, vendor or third party. */
export function internalVerdict(who: Who): Verdict {
  if (!who.token) return deny('UNAUTHENTICATED');
  return who.staffId ? allow('STAFF') : deny('FORBIDDEN');
}

/** Root fields of the custodian (`auditEvents`, `auditAccessTimeline`, `auditLogHealth`, `designations`, `disclosureQueue`): the Director or an active designee, with a purpose. */
export function custodianOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.custodian ? staffOutcome(who) : 'FORBIDDEN';
}

/** `requesterDisclosureRequests(requesterId:)`: the custodian, or that requester itself. */
export function requesterListOutcome(who: Who, requesterId: string): Outcome {
  if (who.token && who.requesterId === requesterId) return 'ALLOW';
  return custodianOutcome(who);
}

/** `statistics`: any staff member (volunteers too: counts only), nobody else. */
export function staffMemberOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.staffId ? 'ALLOW' : 'FORBIDDEN';
}

/** `me`: any patron; `vendors`: staff or a patron (the registry is not personal). */
export function meOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.patronId ? 'ALLOW' : 'FORBIDDEN';
}
export function vendorsOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.patronId || who.staffId ? 'ALLOW' : 'FORBIDDEN';
}

/** `verifyCard`: a vendor whose token and registry entry both grant card:verify, while active. */
export function verifyCardOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.cardVerify ? 'ALLOW' : 'FORBIDDEN';
}

/** `patron(id:)`: some basis towards the patron; the same answer for an unknown id. */
export function reachOutcome(who: Who, patronId: string): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  if (who.patronId === patronId) return 'ALLOW';
  if (who.custodian || who.circulation || who.reference) return staffOutcome(who);
  if (who.approvals?.some((a) => a.patrons.includes(patronId))) return 'ALLOW';
  if (who.consents?.some((c) => c.patron === patronId)) return 'ALLOW';
  if (who.grants?.some((g) => g.child === patronId)) return 'ALLOW';
  if (who.vendorCards?.includes(patronId)) return 'ALLOW';
  return 'FORBIDDEN';
}

/** `patrons`, `patronByCardNumber`: circulation staff or the custodian, with a purpose. */
export function deskOutcome(who: Who): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  return who.custodian || who.circulation ? staffOutcome(who) : 'FORBIDDEN';
}

/** `loan(id:)`, `fine(id:)`, `referenceConsult(id:)`: the record must be readable; unknown ids answer like forbidden ones. */
export function lookupOutcome(
  w: World,
  who: Who,
  category: Category,
  rec: RecordRow | undefined,
): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  if (rec && rec.patronId !== null && rec.patronId === who.patronId) return 'ALLOW';
  if (who.custodian) return staffOutcome(who);
  const staffMay =
    (who.circulation && category !== 'REFERENCE') || (who.reference && category === 'REFERENCE');
  if (staffMay && !who.purpose) return 'PURPOSE_REQUIRED';
  if (!rec) return 'FORBIDDEN';
  return fieldVerdict(w, who, rec, category, '').outcome === 'ALLOW' ? 'ALLOW' : 'FORBIDDEN';
}

export function disclosureLookupOutcome(w: World, who: Who, req: RecordRow | undefined): Outcome {
  if (!who.token) return 'UNAUTHENTICATED';
  if (who.custodian) return staffOutcome(who);
  if (!req) return 'FORBIDDEN';
  return disclosureVerdict(w, who, req).outcome;
}

/** Which records of a patron's list (granted on `basis`) the principal sees. */
export function listKeeps(
  w: World,
  who: Who,
  listField: string,
  basis: Basis | null,
  node: RecordRow,
): boolean {
  switch (listField) {
    case 'Patron.loans':
      if (basis === 'STAFF' || basis === 'GUARDIAN') return node.current;
      break;
    case 'Patron.fines':
      if (basis === 'GUARDIAN') return node.current;
      break;
    case 'Patron.referenceConsults':
      if (basis === 'STAFF') return node.librarianId === who.staffId;
      break;
    case 'Patron.disclosureRequests':
      if (basis === 'SELF')
        return !(node.nondisclosureUntil && node.nondisclosureUntil.getTime() > Date.now());
      return true;
  }
  if (basis === 'DISCLOSURE') {
    const range = who.approvals!.find((a) => a.patrons.includes(node.patronId!))!;
    const t = node.at!.getTime();
    return (
      t >= w.seededAt.getTime() + range.fromDays * DAY &&
      t <= w.seededAt.getTime() + range.toDays * DAY
    );
  }
  return true;
}
