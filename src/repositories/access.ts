// The facts the policy reads: designations, disclosure approvals, consents, guardian grants and
// vendor enrolments. Each is loaded at most once per request (DataLoader or memoised promise).
import DataLoader from 'dataloader';
import { and, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  consents,
  guardianGrants,
  type ConsentRow,
  type GuardianGrantRow,
} from '../db/schema/patrons.sql.js';
import {
  designations,
  disclosureRequestPatrons,
  disclosureRequests,
  type DesignationRow,
  type DisclosureRequestRow,
} from '../db/schema/disclosure-requests.sql.js';
import { vendorEnrolments, vendors, type VendorRow } from '../db/schema/vendors.sql.js';
import type { Approval } from '../domain/decision.js';

export class AccessRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** The designation that makes staffId the Director's alternate right now, if any. */
  async activeDesignation(staffId: string): Promise<DesignationRow | null> {
    const at = this.now();
    const [row] = await this.db
      .select()
      .from(designations)
      .where(
        and(
          eq(designations.alternateId, staffId),
          isNull(designations.revokedAt),
          lte(designations.validFrom, at),
          gt(designations.validTo, at),
        ),
      )
      .limit(1);
    return row ?? null;
  }

  /** Approved requests naming this requester whose access window is open now. */
  async approvalsFor(requesterId: string): Promise<Approval[]> {
    const at = this.now();
    const rows = await this.db
      .select({ request: disclosureRequests, patronId: disclosureRequestPatrons.patronId })
      .from(disclosureRequests)
      .innerJoin(
        disclosureRequestPatrons,
        eq(disclosureRequestPatrons.requestId, disclosureRequests.id),
      )
      .where(
        and(
          eq(disclosureRequests.requesterId, requesterId),
          eq(disclosureRequests.status, 'APPROVED'),
          gt(disclosureRequests.accessExpiresAt, at),
        ),
      );
    const byId = new Map<string, { request: DisclosureRequestRow; patronIds: Set<string> }>();
    for (const { request, patronId } of rows) {
      const entry = byId.get(request.id) ?? { request, patronIds: new Set<string>() };
      entry.patronIds.add(patronId);
      byId.set(request.id, entry);
    }
    return [...byId.values()];
  }

  /** Active consents given to this requester. */
  async consentsFor(requesterId: string): Promise<ConsentRow[]> {
    const at = this.now();
    return this.db
      .select()
      .from(consents)
      .where(
        and(
          eq(consents.requesterId, requesterId),
          isNull(consents.revokedAt),
          or(isNull(consents.expiresAt), gt(consents.expiresAt, at)),
        ),
      );
  }

  /** Active grants from children to this guardian. */
  async grantsTo(guardianId: string): Promise<GuardianGrantRow[]> {
    return this.db
      .select()
      .from(guardianGrants)
      .where(and(eq(guardianGrants.guardianId, guardianId), isNull(guardianGrants.revokedAt)));
  }

  async vendor(vendorId: string): Promise<VendorRow | null> {
    const [row] = await this.db.select().from(vendors).where(eq(vendors.id, vendorId));
    return row ?? null;
  }

  /** Per request: is patron X enrolled (now) in the calling vendor's service? Batched. */
  enrolmentLoader(vendorId: string): DataLoader<string, boolean> {
    return new DataLoader<string, boolean>(async (patronIds) => {
      const rows = await this.db
        .select({ patronId: vendorEnrolments.patronId })
        .from(vendorEnrolments)
        .where(
          and(
            eq(vendorEnrolments.vendorId, vendorId),
            inArray(vendorEnrolments.patronId, [...patronIds]),
            isNull(vendorEnrolments.endedAt),
          ),
        );
      const enrolled = new Set(rows.map((r) => r.patronId));
      return patronIds.map((id) => enrolled.has(id));
    });
  }
}
