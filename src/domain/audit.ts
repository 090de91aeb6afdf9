// Reading the audit log: the custodian's event search, a patron's access log, and the release
// record of a disclosure request.
import type { AccessControl } from '../authz/policy/access-control.js';
import type { AuditEventRow } from '../db/schema/audit.sql.js';
import type { DisclosureRequestRow } from '../db/schema/disclosure-requests.sql.js';
import type { Repositories } from '../repositories/repositories.js';
import { pageSize, type Page, type PageArgs } from '../repositories/paging.js';
import {
  decodeSeqCursor,
  type AccessLogEntryNode,
  type AuditEventFilter,
} from '../audit/read-model.js';
import type { DisclosureReleaseNode } from '../audit/releases.js';
import { badInput } from './errors.js';
import { recordAccess, type AuditTrail } from '../audit/trail.js';

export class AuditService {
  constructor(private readonly repos: Repositories) {}

  /** Reading the log is itself audited: who searched it, about which patron, on what basis. */
  async events(
    filter: AuditEventFilter | null | undefined,
    args: PageArgs,
    authz: AccessControl,
    trail: AuditTrail,
  ): Promise<Page<AuditEventRow>> {
    recordAccess(
      trail,
      filter?.patronId ?? null,
      'Query',
      'auditEvents',
      'DISCLOSURE',
      'custodian',
      await authz.custodianBasis(),
    );
    if (filter?.from && filter.to && new Date(filter.from) >= new Date(filter.to))
      throw badInput('from must be before to.', 'filter.from');
    return this.repos.audit.events(filter, pageSize(args.first), decodeSeqCursor(args.after));
  }

  accessLog(patronId: string, args: PageArgs): Promise<Page<AccessLogEntryNode>> {
    return this.repos.audit.accessLog.load({
      patronId,
      size: pageSize(args.first),
      afterSeq: decodeSeqCursor(args.after),
    });
  }

  /** The release record; a patron named on the request sees only what was released about them. */
  async releases(
    request: DisclosureRequestRow,
    authz: AccessControl,
  ): Promise<DisclosureReleaseNode[]> {
    const all = await this.repos.releases.of(request.id);
    const decision = await authz.decideDisclosure(
      request,
      await this.repos.disclosureRequests.patronIdsOf.load(request.id),
    );
    if (decision.granted && decision.basis === 'SELF')
      return all.filter((r) => r.patronId === authz.principal.patronId);
    return all;
  }
}
