// The policy of DESIGN.md's "Who asks" table, evaluated for one request's principal. It reads top
// to bottom: FIELD_CLAUSES (may this principal read a field of this category on this record?) and
// REACH_CLAUSES (may it look this patron up at all?), each tried in order, the first that applies
// decides, and when none applies the answer is FORBIDDEN. Facts that need the database
// (designation, approvals, consents, grants, vendor) load once per request, and a decision on a
// patron's standing record is made once per (patron, category, flags) per request.
import type DataLoader from 'dataloader';
import type { AccessPurpose } from '../../auth/purpose.js';
import { isStaff, type Principal } from '../../auth/principal.js';
import type {
  DesignationRow,
  DisclosureRequestRow,
} from '../../db/schema/disclosure-requests.sql.js';
import type { ConsentRow, GuardianGrantRow } from '../../db/schema/patrons.sql.js';
import type { VendorRow } from '../../db/schema/vendors.sql.js';
import type { PiiCategory } from '../../domain/vocabulary.js';
import {
  FORBIDDEN,
  PURPOSE_REQUIRED,
  UNAUTHENTICATED,
  grant,
  type Approval,
  type Decision,
} from '../../domain/decision.js';
import { patronFacts, type RecordFacts } from './records.js';

export interface FieldFlags {
  staffVisible: boolean;
  vendorShared: boolean;
}

const LIST_FLAGS: FieldFlags = { staffVisible: true, vendorShared: false };

/** What AccessControl reads from the database (AccessRepository; a fixture in the matrix script). */
export interface AccessFactsSource {
  activeDesignation(staffId: string): Promise<DesignationRow | null>;
  approvalsFor(requesterId: string): Promise<Approval[]>;
  consentsFor(requesterId: string): Promise<ConsentRow[]>;
  grantsTo(guardianId: string): Promise<GuardianGrantRow[]>;
  vendor(vendorId: string): Promise<VendorRow | null>;
  enrolmentLoader(vendorId: string): DataLoader<string, boolean>;
}

interface Facts {
  designation: DesignationRow | null;
  approvals: Approval[];
  consents: ConsentRow[];
  grants: GuardianGrantRow[];
  vendor: VendorRow | null;
}

/** Everything a clause may look at. */
interface ClauseInput {
  p: Principal;
  purpose: AccessPurpose | null;
  facts: Facts;
  record: RecordFacts;
  category: PiiCategory;
  flags: FieldFlags;
  /** The Director's powers (Director or active designee): DIRECTOR / DESIGNEE, PURPOSE_REQUIRED, or FORBIDDEN. */
  custodian: Decision;
  enrolled: (patronId: string) => Promise<boolean>;
}

export interface Clause {
  /** Who the clause is about, as the README's policy matrix names it. */
  readonly name: string;
  /** The MNG-1 regulation it enforces. */
  readonly regulation: string;
  /** A decision when the clause applies, null to let the next clause decide. */
  readonly apply: (i: ClauseInput) => Decision | null | Promise<Decision | null>;
  /**
   * Reads only the principal and the record, never `facts` or `custodian`: tried before the
   * request's facts are loaded, so a decision it makes needs no lookup.
   */
  readonly factFree?: true;
}

/** Categories a guardian may ever be granted: current loans and owed fines (regulation 14). */
export const GUARDIAN_CATEGORIES: readonly PiiCategory[] = ['CIRCULATION', 'FINES'];
/** Categories circulation staff read with a purpose; birth date (staffVisible: false) excepted. */
const CIRCULATION_STAFF_CATEGORIES: readonly PiiCategory[] = ['IDENTITY', 'CIRCULATION', 'FINES'];
/** The vendor scope (token and vendor registry) that lets a vendor read a card number. */
const VENDOR_CARD_SCOPE = 'card:read';

/** Staff rights need a stated purpose: without one the answer says a purpose is required. */
const withPurpose = (purpose: AccessPurpose | null): Decision =>
  purpose ? grant('STAFF_PURPOSE') : PURPOSE_REQUIRED;

function withinScope(r: DisclosureRequestRow, at: Date | null): boolean {
  if (at === null) return true;
  return (r.scopeFrom === null || at >= r.scopeFrom) && (r.scopeTo === null || at <= r.scopeTo);
}

/**
 * Approvals naming this patron and category. A patron's disclosure history (DISCLOSURE) is never
 * released to a third party through another request: it would reveal other requests (and break
 * nondisclosure orders); only the custodian reads it.
 */
function approvalsCovering(f: Facts, patronId: string, category: PiiCategory): Approval[] {
  if (category === 'DISCLOSURE') return [];
  return f.approvals.filter(
    (a) => a.patronIds.has(patronId) && a.request.categories.includes(category),
  );
}

const vendorMayReadCards = (p: Principal, v: VendorRow | null): v is VendorRow =>
  v !== null && v.active && v.scopes.includes(VENDOR_CARD_SCOPE) && p.scopes.has(VENDOR_CARD_SCOPE);

/** May the principal read a field of `category` on `record`? Top to bottom; none applies → FORBIDDEN. */
export const FIELD_CLAUSES: readonly Clause[] = [
  {
    name: 'the patron themself',
    regulation: 'reg. 11',
    factFree: true,
    apply: ({ p, record }) =>
      record.patronId !== null && p.patronId === record.patronId ? grant('SELF') : null,
  },
  {
    name: 'Director / active designee, with a purpose',
    regulation: 'reg. 2, 3',
    apply: ({ custodian }) =>
      custodian.granted || custodian.reason === 'PURPOSE_REQUIRED' ? custodian : null,
  },
  {
    // An anonymised record (no patron) is statistics for the custodian only.
    name: 'anyone else, on an anonymised record',
    regulation: 'reg. 5',
    apply: ({ record }) => (record.patronId === null ? FORBIDDEN : null),
  },
  {
    name: 'circulation staff, with a purpose',
    regulation: 'reg. 3, 4',
    apply: ({ p, purpose, record, category, flags }) => {
      if (!p.roles.has('circulation') || !CIRCULATION_STAFF_CATEGORIES.includes(category))
        return null;
      if (category === 'IDENTITY' && !flags.staffVisible) return null;
      if (category === 'CIRCULATION' && !record.current) return null;
      return withPurpose(purpose);
    },
  },
  {
    // On a consult its librarian must be the caller; on a patron the list is narrowed (listScope).
    name: 'reference librarian (own consults), with a purpose',
    regulation: 'reg. 3, 4',
    apply: ({ p, purpose, record, category }) => {
      if (!p.roles.has('reference') || category !== 'REFERENCE') return null;
      return record.librarianId === null || record.librarianId === p.id
        ? withPurpose(purpose)
        : null;
    },
  },
  {
    name: 'requester, inside an approved unexpired disclosure',
    regulation: 'reg. 3, 4',
    apply: ({ facts, record, category }) => {
      const approval = approvalsCovering(facts, record.patronId!, category).find((a) =>
        withinScope(a.request, record.at),
      );
      return approval ? grant('DISCLOSURE', approval.request.id) : null;
    },
  },
  {
    name: 'third party the patron consented to',
    regulation: 'reg. 6',
    apply: ({ facts, record, category }) => {
      if (category === 'DISCLOSURE') return null;
      const consent = facts.consents.find(
        (c) => c.patronId === record.patronId && c.categories.includes(category),
      );
      return consent ? grant('CONSENT', consent.id) : null;
    },
  },
  {
    name: 'guardian, what the child granted (current only)',
    regulation: 'reg. 14',
    apply: ({ facts, record, category }) => {
      if (!GUARDIAN_CATEGORIES.includes(category) || !record.current) return null;
      const g = facts.grants.find(
        (x) => x.childId === record.patronId && x.categories.includes(category),
      );
      return g ? grant('GUARDIAN_GRANT', g.id) : null;
    },
  },
  {
    name: 'vendor, card number of an enrolled patron',
    regulation: 'reg. 7',
    apply: async ({ p, facts, record, flags, enrolled }) => {
      if (!flags.vendorShared || !vendorMayReadCards(p, facts.vendor)) return null;
      return (await enrolled(record.patronId!)) ? grant('VENDOR_SCOPE', facts.vendor.id) : null;
    },
  },
];

/** May the principal look this patron up by id at all? Same for an unknown id as for a forbidden one. */
export const REACH_CLAUSES: readonly Clause[] = [
  FIELD_CLAUSES[0]!,
  FIELD_CLAUSES[1]!,
  {
    name: 'circulation staff or reference librarian, with a purpose',
    regulation: 'reg. 3',
    apply: ({ p, purpose }) =>
      p.roles.has('circulation') || p.roles.has('reference') ? withPurpose(purpose) : null,
  },
  {
    name: 'requester, a patron an approved unexpired disclosure names',
    regulation: 'reg. 3, 4',
    apply: ({ facts, record }) => {
      const approval = facts.approvals.find((a) => a.patronIds.has(record.patronId!));
      return approval ? grant('DISCLOSURE', approval.request.id) : null;
    },
  },
  {
    name: 'third party the patron consented to',
    regulation: 'reg. 6',
    apply: ({ facts, record }) => {
      const consent = facts.consents.find((c) => c.patronId === record.patronId);
      return consent ? grant('CONSENT', consent.id) : null;
    },
  },
  {
    name: 'guardian holding a grant from the child',
    regulation: 'reg. 14',
    apply: ({ facts, record }) => {
      const g = facts.grants.find(
        (x) =>
          x.childId === record.patronId &&
          x.categories.some((c) => GUARDIAN_CATEGORIES.includes(c as PiiCategory)),
      );
      return g ? grant('GUARDIAN_GRANT', g.id) : null;
    },
  },
  {
    name: 'vendor, a patron enrolled in its service',
    regulation: 'reg. 7',
    apply: async ({ p, facts, record, enrolled }) => {
      if (!vendorMayReadCards(p, facts.vendor)) return null;
      return (await enrolled(record.patronId!)) ? grant('VENDOR_SCOPE', facts.vendor.id) : null;
    },
  },
];

interface DateRange {
  from: Date | null;
  to: Date | null;
}

/** How a list under a patron is narrowed for the basis its field was granted on. */
export interface ListScope {
  /** Loans: only current ones (circulation staff, guardians). Fines: only owed ones (guardians). */
  currentOnly: boolean;
  /** Only consults this librarian conducted. */
  librarianId: string | null;
  /** Hide disclosures under a nondisclosure order in force (the patron's own view). */
  hideNondisclosed: boolean;
  /** Only records dated inside one of these ranges (a requester's approved disclosures); null: no narrowing. */
  ranges: readonly DateRange[] | null;
}

const NO_FACTS: Facts = Object.freeze({
  designation: null,
  approvals: [],
  consents: [],
  grants: [],
  vendor: null,
});

/** `d`; once a promised decision settles, `keep` gets it, so later readers need no promise. */
function keptWhenSettled(
  d: Decision | Promise<Decision>,
  keep: (x: Decision) => void,
): Decision | Promise<Decision> {
  // A failure stays memoised as the rejected promise: every reader is refused alike.
  if (d instanceof Promise) d.then(keep, () => undefined);
  return d;
}

/** The first clause that applies decides; a clause that needs the database makes the answer a promise. */
function firstApplying(
  clauses: readonly Clause[],
  input: ClauseInput,
  from: number,
): Decision | Promise<Decision> {
  for (let i = from; i < clauses.length; i++) {
    const d = clauses[i]!.apply(input);
    if (d instanceof Promise) return d.then((r) => r ?? firstApplying(clauses, input, i + 1));
    if (d) return d;
  }
  return FORBIDDEN;
}

/** Decisions made or being made, per patron: one slot per category and flags. */
type PatronMemo = Map<string, Map<PiiCategory, (Decision | Promise<Decision>)[]>>;

const flagSlot = (f: FieldFlags) => (f.staffVisible ? 1 : 0) | (f.vendorShared ? 2 : 0);

/**
 * A patron's standing record (identity, the lists under it): its decisions depend only on the
 * patron, so the field rule of `Patron.loans` and the list's narrowing share one.
 */
const isStanding = (r: RecordFacts): r is RecordFacts & { patronId: string } =>
  r.patronId !== null && r.at === null && r.current && r.librarianId === null;

export class AccessControl {
  /** Clause lists evaluated in this request (each a walk of FIELD_CLAUSES or REACH_CLAUSES). */
  evaluations = 0;
  private facts: Facts | null = null;
  private loading: Promise<Facts> | null = null;
  private enrolment: DataLoader<string, boolean> | null = null;
  private readonly standing: PatronMemo = new Map();
  private readonly reached = new Map<string, Decision | Promise<Decision>>();

  constructor(
    readonly principal: Principal,
    readonly purpose: AccessPurpose | null,
    private readonly access: AccessFactsSource,
    readonly now: () => Date,
  ) {}

  /**
   * Starts loading the request's facts now, for a caller about to wait on something else first
   * (the entity gate, on the rows of the representations): the two lookups overlap.
   */
  prefetch(): void {
    // Whoever decides later awaits the same load and sees its failure; here it is only started.
    if (this.principal.kind === 'user' && !this.facts) this.load().catch(() => undefined);
  }

  /** The Director's powers now: the Director, or an active designee; always with a purpose. */
  async custodianBasis(): Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return p.kind === 'anonymous' ? UNAUTHENTICATED : FORBIDDEN;
    return this.custodianOf(await this.load());
  }

  /**
   * May the principal read a field of `category` on this record? Answered synchronously once the
   * request's facts are loaded and no clause needs the database (most decisions of a request), so
   * a page of records is decided without a promise per record.
   */
  decide(
    record: RecordFacts,
    category: PiiCategory,
    flags: FieldFlags,
  ): Decision | Promise<Decision> {
    if (!isStanding(record)) return this.run(FIELD_CLAUSES, record, category, flags);
    let byCategory = this.standing.get(record.patronId);
    if (!byCategory) this.standing.set(record.patronId, (byCategory = new Map()));
    let slots = byCategory.get(category);
    if (!slots) byCategory.set(category, (slots = []));
    const slot = flagSlot(flags);
    return (slots[slot] ??= keptWhenSettled(
      this.run(FIELD_CLAUSES, record, category, flags),
      (x) => (slots[slot] = x),
    ));
  }

  /** Whether the principal has some basis towards this patron (for lookups by id). Once per patron. */
  reach(patronId: string): Decision | Promise<Decision> {
    let d = this.reached.get(patronId);
    if (d === undefined) {
      d = keptWhenSettled(
        this.run(REACH_CLAUSES, patronFacts(patronId), 'IDENTITY', LIST_FLAGS),
        (x) => this.reached.set(patronId, x),
      );
      this.reached.set(patronId, d);
    }
    return d;
  }

  /**
   * A root lookup of a record by id (loan, fine, consult): allowed when the principal may read
   * `category` on it. An unknown id gets the same answer as a record the caller may not read,
   * except for the custodian, who may know of every record.
   */
  async lookup(record: RecordFacts | null, category: PiiCategory): Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return p.kind === 'anonymous' ? UNAUTHENTICATED : FORBIDDEN;
    if (record && record.patronId !== null && record.patronId === p.patronId) return grant('SELF');
    const custodian = await this.custodianBasis();
    if (custodian.granted || custodian.reason === 'PURPOSE_REQUIRED') return custodian;
    // Staff who may read some records of this category hear "purpose required" before anything
    // that depends on the record, so the answer does not reveal whether it exists.
    const staffMay =
      (p.roles.has('circulation') && CIRCULATION_STAFF_CATEGORIES.includes(category)) ||
      (p.roles.has('reference') && category === 'REFERENCE');
    if (staffMay && !this.purpose) return PURPOSE_REQUIRED;
    if (!record) return FORBIDDEN;
    const d = await this.decide(record, category, LIST_FLAGS);
    return d.granted ? d : FORBIDDEN;
  }

  /** Disclosure requests: the custodian, the requester named on it, the staff who took it in, the patrons it names. */
  async decideDisclosure(
    request: DisclosureRequestRow,
    patronIds: readonly string[],
  ): Promise<Decision> {
    const p = this.principal;
    const custodian = await this.custodianBasis();
    if (p.kind !== 'user' || custodian.granted || custodian.reason === 'PURPOSE_REQUIRED')
      return custodian;
    if (p.requesterId && request.requesterId === p.requesterId)
      return grant('DISCLOSURE', request.id);
    if (p.id && request.receivedBy === p.id && isStaff(p)) return withPurpose(this.purpose);
    if (p.patronId && patronIds.includes(p.patronId) && !nondisclosureInForce(request, this.now()))
      return grant('SELF');
    return FORBIDDEN;
  }

  /** A root lookup of a disclosure request by id: unknown ids answer like forbidden ones. */
  async lookupDisclosure(
    request: DisclosureRequestRow | null,
    patronIds: readonly string[],
  ): Promise<Decision> {
    if (request) {
      const d = await this.decideDisclosure(request, patronIds);
      return d.granted || d.reason !== 'FORBIDDEN' ? d : FORBIDDEN;
    }
    const custodian = await this.custodianBasis();
    return custodian.granted || custodian.reason !== 'FORBIDDEN' ? custodian : FORBIDDEN;
  }

  /** Staff actions (mutations, searches): the role with a purpose, or the custodian. */
  async staffAction(role: 'circulation' | 'reference'): Promise<Decision> {
    const custodian = await this.custodianBasis();
    if (custodian.granted || custodian.reason !== 'FORBIDDEN') return custodian;
    return this.principal.roles.has(role) ? withPurpose(this.purpose) : FORBIDDEN;
  }

  /** The narrowing of a patron's `category` list for the basis its field rule granted. */
  async listScopeFor(patronId: string, category: PiiCategory): Promise<ListScope> {
    const d = await this.decide(patronFacts(patronId), category, LIST_FLAGS);
    const basis = d.granted ? d.basis : null;
    const ranges =
      basis === 'DISCLOSURE'
        ? approvalsCovering(await this.load(), patronId, category).map((a) => ({
            from: a.request.scopeFrom,
            to: a.request.scopeTo,
          }))
        : null;
    return {
      currentOnly:
        (category === 'CIRCULATION' && (basis === 'STAFF_PURPOSE' || basis === 'GUARDIAN_GRANT')) ||
        (category === 'FINES' && basis === 'GUARDIAN_GRANT'),
      librarianId: category === 'REFERENCE' && basis === 'STAFF_PURPOSE' ? this.principal.id : null,
      hideNondisclosed: category === 'DISCLOSURE' && basis === 'SELF',
      ranges,
    };
  }

  private run(
    clauses: readonly Clause[],
    record: RecordFacts,
    category: PiiCategory,
    flags: FieldFlags,
  ): Decision | Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return p.kind === 'anonymous' ? UNAUTHENTICATED : FORBIDDEN;
    this.evaluations++;
    if (!this.facts && !this.needsLookups()) this.facts = NO_FACTS;
    const facts = this.facts;
    if (facts) return firstApplying(clauses, this.input(facts, record, category, flags), 0);
    // Facts are loaded only once a clause that reads them is reached: a patron's own record is
    // decided by the first clause alone, without the lookup of the grants they hold as a guardian.
    // What a fact-free clause reads is known; `facts` and `custodian` are not yet, and it never reads them.
    const before: ClauseInput = {
      ...this.input(NO_FACTS, record, category, flags),
      custodian: FORBIDDEN,
    };
    let i = 0;
    for (; clauses[i]?.factFree; i++) {
      const d = clauses[i]!.apply(before);
      if (d instanceof Promise) break;
      if (d) return d;
    }
    return this.load().then((f) =>
      firstApplying(clauses, this.input(f, record, category, flags), i),
    );
  }

  private input(
    facts: Facts,
    record: RecordFacts,
    category: PiiCategory,
    flags: FieldFlags,
  ): ClauseInput {
    return {
      p: this.principal,
      purpose: this.purpose,
      facts,
      record,
      category,
      flags,
      custodian: this.custodianOf(facts),
      enrolled: this.enrolled,
    };
  }

  private custodianOf(f: Facts): Decision {
    if (this.principal.roles.has('director'))
      return this.purpose ? grant('DIRECTOR') : PURPOSE_REQUIRED;
    if (f.designation) return this.purpose ? grant('DESIGNEE', f.designation.id) : PURPOSE_REQUIRED;
    return FORBIDDEN;
  }

  /** enrolledWithVendor, bound once (a clause input is made per decision). */
  private readonly enrolled = (patronId: string) => this.enrolledWithVendor(patronId);

  private enrolledWithVendor(patronId: string): Promise<boolean> {
    const vendorId = this.principal.vendorId;
    if (!vendorId) return Promise.resolve(false);
    this.enrolment ??= this.access.enrolmentLoader(vendorId);
    return this.enrolment.load(patronId);
  }

  private load(): Promise<Facts> {
    if (this.facts) return Promise.resolve(this.facts);
    // A principal with nothing to look up (the Director, plain staff without a designation
    // candidate, ...) has its facts at once: its decisions never wait.
    if (!this.needsLookups()) return Promise.resolve((this.facts = NO_FACTS));
    this.loading ??= this.fetchFacts().then((f) => (this.facts = f));
    return this.loading;
  }

  private needsLookups(): boolean {
    const p = this.principal;
    return (
      this.designationCandidate() ||
      p.requesterId !== null ||
      p.patronId !== null ||
      p.vendorId !== null
    );
  }

  /** Only employees are designated (reg. 2); a volunteer's token never carries the Director's powers. */
  private designationCandidate(): boolean {
    const p = this.principal;
    return (
      p.id !== null &&
      (p.roles.has('circulation') || p.roles.has('reference')) &&
      !p.roles.has('director')
    );
  }

  private async fetchFacts(): Promise<Facts> {
    const p = this.principal;
    const [designation, approvals, consents, grants, vendor] = await Promise.all([
      this.designationCandidate() ? this.access.activeDesignation(p.id!) : null,
      p.requesterId ? this.access.approvalsFor(p.requesterId) : [],
      p.requesterId ? this.access.consentsFor(p.requesterId) : [],
      p.patronId ? this.access.grantsTo(p.patronId) : [],
      p.vendorId ? this.access.vendor(p.vendorId) : null,
    ]);
    return { designation, approvals, consents, grants, vendor };
  }
}

/**
 * What a requester does not read of its own request: the library's internal review trail (notes
 * and actors of each step) and the staff behind it. Its paperwork (status, scope, decision and
 * its note, access window) stays readable; the patrons' records come only through an approval.
 */
const WITHHELD_FROM_REQUESTER = new Set([
  'DisclosureEvent.actorId',
  'DisclosureEvent.designationId',
  'DisclosureEvent.note',
  'DisclosureRequest.receivedBy',
  'DisclosureRequest.decidedBy',
  'DisclosureRequest.decisionDesignationId',
  'DisclosureRequest.emergencyReviewedBy',
]);

/** A field of a disclosure request, for the decision on the request as a whole. */
export function disclosureFieldDecision(
  request: Decision,
  typeName: string,
  fieldName: string,
): Decision {
  if (
    request.granted &&
    request.basis === 'DISCLOSURE' &&
    WITHHELD_FROM_REQUESTER.has(`${typeName}.${fieldName}`)
  )
    return FORBIDDEN;
  return request;
}

/** The patrons a request names, as this decision lets its holder see them: a named patron sees only themself. */
export function visibleNamedPatrons<T extends { id: string }>(
  request: Decision,
  principal: Principal,
  patrons: T[],
): T[] {
  return request.granted && request.basis === 'SELF'
    ? patrons.filter((p) => p.id === principal.patronId)
    : patrons;
}

function nondisclosureInForce(r: DisclosureRequestRow, at: Date): boolean {
  return r.nondisclosureUntil !== null && r.nondisclosureUntil > at;
}
