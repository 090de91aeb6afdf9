// Reading disclosure requests. The workflow (intake, review, decisions) is workflow.ts;
// every read first lets lapsed approvals expire (once per GraphQL request).
import type {
  DisclosureEventRow,
  DisclosureRequestRow,
} from '../../db/schema/disclosure-requests.sql.js';
import type { PatronRow } from '../../db/schema/patrons.sql.js';
import {
  visibleNamedPatrons,
  type AccessControl,
  type ListScope,
} from '../../authz/policy/access-control.js';
import type { Repositories } from '../../repositories/repositories.js';
import {
  decodeCursor,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
} from '../../repositories/paging.js';

export class DisclosureRequestReads {
  constructor(
    private readonly repos: Repositories,
    private readonly now: () => Date,
    private readonly expireLapsed: () => Promise<void>,
  ) {}

  /** The patrons a request names, as the caller may see them: a named patron sees only themself. */
  async namedPatrons(r: DisclosureRequestRow, authz: AccessControl): Promise<PatronRow[]> {
    const decision = await authz.decideDisclosure(
      r,
      await this.repos.disclosureRequests.patronIdsOf.load(r.id),
    );
    return visibleNamedPatrons(decision, authz.principal, await this.patrons(r));
  }

  async request(id: string): Promise<DisclosureRequestRow | null> {
    await this.expireLapsed();
    return this.repos.disclosureRequests.byId.load(id);
  }

  async ofPatron(
    patronId: string,
    status: DisclosureRequestRow['status'] | null,
    args: PageArgs,
    scope: ListScope,
  ): Promise<Page<DisclosureRequestRow>> {
    await this.expireLapsed();
    const size = pageSize(args.first);
    const key = {
      patronId,
      status,
      hideNondisclosedAt: scope.hideNondisclosed ? this.now() : null,
      size,
      afterId: decodeCursor(args.after),
    };
    return toPage(await this.repos.disclosureRequests.pageOfPatron.load(key), size);
  }

  async ofRequester(
    requesterId: string,
    status: DisclosureRequestRow['status'] | null,
    args: PageArgs,
  ): Promise<Page<DisclosureRequestRow>> {
    await this.expireLapsed();
    const size = pageSize(args.first);
    return toPage(
      await this.repos.disclosureRequestWorkflow.pageOfRequester(
        requesterId,
        status,
        size,
        decodeCursor(args.after),
      ),
      size,
    );
  }

  async patrons(request: DisclosureRequestRow): Promise<PatronRow[]> {
    const ids = await this.repos.disclosureRequests.patronIdsOf.load(request.id);
    const rows = await this.repos.patrons.byId.loadMany(ids);
    return rows.filter((r): r is PatronRow => r !== null && !(r instanceof Error));
  }

  events(request: DisclosureRequestRow): Promise<DisclosureEventRow[]> {
    return this.repos.disclosureRequests.eventsOf.load(request.id);
  }
}
