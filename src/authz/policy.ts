// The policy of DESIGN.md's "Who asks" table, evaluated for one request's principal. Facts that
// need the database (designation, approvals, consents, grants, enrolments) load at most once per
// request; after that every decision is a few comparisons.
import type DataLoader from 'dataloader';
import type { AccessPurpose } from '../auth/purpose.js';
import { isStaff, type Principal } from '../auth/principal.js';
import type { DesignationRow, DisclosureRequestRow } from '../db/schema/disclosures.sql.js';
import type { ConsentRow, GuardianGrantRow } from '../db/schema/patrons.sql.js';
import type { VendorRow } from '../db/schema/vendors.sql.js';
import type { PiiCategory } from '../graphql/generated/resolvers-types.js';
import type { AccessRepository, Approval } from '../repositories/access.js';
import { FORBIDDEN, PURPOSE_REQUIRED, grant, type Decision } from './decision.js';
import type { RecordFacts } from './records.js';

export interface FieldFlags {
  staffVisible: boolean;
  vendorShared: boolean;
}

const LIST_FLAGS: FieldFlags = { staffVisible: true, vendorShared: false };

interface Facts {
  designation: DesignationRow | null;
  approvals: Approval[];
  consents: ConsentRow[];
  grants: GuardianGrantRow[];
  vendor: VendorRow | null;
}

/** How a list under a patron is narrowed for the basis it was granted on. */
export interface ListScope {
  /** Only current loans (circulation staff, guardians). */
  currentOnly: boolean;
  /** Only consults this librarian conducted. */
  librarianId: string | null;
  /** Hide disclosures under a nondisclosure order in force (the patron's own view). */
  hideNondisclosed: boolean;
}

export class AccessControl {
  private facts: Facts | null = null;
  private loading: Promise<Facts> | null = null;
  private enrolled: DataLoader<string, boolean> | null = null;

  constructor(
    readonly principal: Principal,
    readonly purpose: AccessPurpose | null,
    private readonly access: AccessRepository,
    readonly now: () => Date,
  ) {}

  /** Whether the principal holds the Director's powers now (the Director, or an active designee). */
  async custodianBasis(): Promise<Decision> {
    const p = this.principal;
    if (p.roles.has('director')) return this.purpose ? grant('DIRECTOR') : PURPOSE_REQUIRED;
    const { designation } = await this.load();
    if (designation) return this.purpose ? grant('DESIGNEE', designation.id) : PURPOSE_REQUIRED;
    return FORBIDDEN;
  }

  /** May the principal read a field of `category` on this record? */
  async decide(record: RecordFacts, category: PiiCategory, flags: FieldFlags): Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return FORBIDDEN;
    const subject = record.patronId;
    if (subject !== null && p.patronId === subject) return grant('SELF');

    const custodian = await this.custodianBasis();
    if (custodian.granted || custodian.reason === 'PURPOSE_REQUIRED') return custodian;
    if (subject === null) return FORBIDDEN; // anonymised records: the custodian's statistics only

    const staff = this.staffBasis(record, category, flags);
    if (staff) return staff;

    const f = await this.load();
    if (p.requesterId) {
      const approval = f.approvals.find((a) => coversDisclosure(a, subject, category, record.at));
      if (approval) return grant('DISCLOSURE', approval.request.id);
      const consent = f.consents.find((c) => c.patronId === subject && c.categories.includes(category));
      if (consent) return grant('CONSENT', consent.id);
    }
    if (p.patronId) {
      const g = f.grants.find((x) => x.childId === subject && x.categories.includes(category));
      if (g && (category !== 'CIRCULATION' || record.current)) return grant('GUARDIAN_GRANT', g.id);
    }
    if (p.vendorId && flags.vendorShared && f.vendor?.active && f.vendor.scopes.includes('card:read') && p.scopes.has('card:read')) {
      if (await this.enrolledWithVendor(subject)) return grant('VENDOR_SCOPE', f.vendor.id);
    }
    return FORBIDDEN;
  }

  /** Whether the principal has any basis towards this patron at all (for lookups by id). */
  async reach(patronId: string): Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return FORBIDDEN;
    if (p.patronId === patronId) return grant('SELF');
    const custodian = await this.custodianBasis();
    if (custodian.granted || custodian.reason === 'PURPOSE_REQUIRED') return custodian;
    if (p.roles.has('circulation') || p.roles.has('reference')) return this.purpose ? grant('STAFF_PURPOSE') : PURPOSE_REQUIRED;
    const f = await this.load();
    const approval = f.approvals.find((a) => a.patronIds.has(patronId));
    if (approval) return grant('DISCLOSURE', approval.request.id);
    const consent = f.consents.find((c) => c.patronId === patronId);
    if (consent) return grant('CONSENT', consent.id);
    const g = f.grants.find((x) => x.childId === patronId);
    if (g) return grant('GUARDIAN_GRANT', g.id);
    return FORBIDDEN;
  }

  /** Disclosure requests: the custodian, the requester named on it, the staff who took it in, the patrons it names. */
  async decideDisclosure(request: DisclosureRequestRow, patronIds: readonly string[]): Promise<Decision> {
    const p = this.principal;
    if (p.kind !== 'user') return FORBIDDEN;
    const custodian = await this.custodianBasis();
    if (custodian.granted || custodian.reason === 'PURPOSE_REQUIRED') return custodian;
    if (p.requesterId && request.requesterId === p.requesterId) return grant('DISCLOSURE', request.id);
    if (p.id && request.receivedBy === p.id && isStaff(p)) return this.purpose ? grant('STAFF_PURPOSE') : PURPOSE_REQUIRED;
    if (p.patronId && patronIds.includes(p.patronId) && !nondisclosureInForce(request, this.now())) return grant('SELF');
    return FORBIDDEN;
  }

  /** The narrowing of a patron's `category` list, for the basis its field rule granted (memoised). */
  async listScopeFor(patronId: string, category: PiiCategory): Promise<ListScope> {
    const record: RecordFacts = { patronId, at: null, current: true, librarianId: null };
    return this.listScope(await this.decide(record, category, LIST_FLAGS));
  }

  /** The narrowing of a patron's list for the basis `decision` granted. */
  listScope(decision: Decision): ListScope {
    const basis = decision.granted ? decision.basis : null;
    return {
      currentOnly: basis === 'STAFF_PURPOSE' || basis === 'GUARDIAN_GRANT',
      librarianId: basis === 'STAFF_PURPOSE' && !this.principal.roles.has('circulation') ? this.principal.id : null,
      hideNondisclosed: basis === 'SELF',
    };
  }

  private staffBasis(record: RecordFacts, category: PiiCategory, flags: FieldFlags): Decision | null {
    const p = this.principal;
    let allowed = false;
    if (p.roles.has('circulation')) {
      allowed =
        (category === 'IDENTITY' && flags.staffVisible) || (category === 'CIRCULATION' && record.current) || category === 'FINES';
    }
    // A reference librarian sees the consults they conducted: on a consult, its librarian must
    // match; on the patron's list, the list is narrowed to theirs (listScope).
    if (!allowed && p.roles.has('reference') && category === 'REFERENCE') {
      allowed = record.librarianId === null || record.librarianId === p.id;
    }
    if (!allowed) return null;
    return this.purpose ? grant('STAFF_PURPOSE') : PURPOSE_REQUIRED;
  }

  private enrolledWithVendor(patronId: string): Promise<boolean> {
    this.enrolled ??= this.access.enrolmentLoader(this.principal.vendorId!);
    return this.enrolled.load(patronId);
  }

  private load(): Promise<Facts> {
    if (this.facts) return Promise.resolve(this.facts);
    this.loading ??= this.fetchFacts().then((f) => (this.facts = f));
    return this.loading;
  }

  private async fetchFacts(): Promise<Facts> {
    const p = this.principal;
    const none = Promise.resolve([]);
    const [designation, approvals, consents, grants, vendor] = await Promise.all([
      p.id && isStaff(p) && !p.roles.has('director') ? this.access.activeDesignation(p.id) : Promise.resolve(null),
      p.requesterId ? this.access.approvalsFor(p.requesterId) : none,
      p.requesterId ? this.access.consentsFor(p.requesterId) : none,
      p.patronId ? this.access.grantsTo(p.patronId) : none,
      p.vendorId ? this.access.vendor(p.vendorId) : Promise.resolve(null),
    ]);
    return { designation, approvals: approvals as Approval[], consents: consents as ConsentRow[], grants: grants as GuardianGrantRow[], vendor };
  }
}

export function nondisclosureInForce(r: DisclosureRequestRow, at: Date): boolean {
  return r.nondisclosureUntil !== null && r.nondisclosureUntil > at;
}

function coversDisclosure(a: Approval, patronId: string, category: PiiCategory, at: Date | null): boolean {
  const r = a.request;
  if (!a.patronIds.has(patronId) || !r.categories.includes(category)) return false;
  if (at === null) return true;
  return (r.scopeFrom === null || at >= r.scopeFrom) && (r.scopeTo === null || at <= r.scopeTo);
}
