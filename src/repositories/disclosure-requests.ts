// SQL for disclosure requests, the patrons they name, and their event history.
import DataLoader from 'dataloader';
import { and, asc, eq, inArray, lte, sql, getTableColumns } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  disclosureEvents,
  disclosureRequestPatrons,
  disclosureRequests,
  type DisclosureEventRow,
  type DisclosureRequestRow,
} from '../db/schema/disclosure-requests.sql.js';
import { byIdLoader, type ById, perPatronLoader } from './loaders.js';

export interface DisclosurePageKey {
  patronId: string;
  status: DisclosureRequestRow['status'] | null;
  /** When set, hide requests under a nondisclosure order still in force at this instant. */
  hideNondisclosedAt: Date | null;
  size: number;
  afterId: string | null;
}

export class DisclosureRequestRepository {
  readonly byId: ById<DisclosureRequestRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, disclosureRequests);
  }

  /** The patron ids each request names. */
  readonly patronIdsOf = new DataLoader<string, string[]>(async (requestIds) => {
    const rows = await this.db
      .select()
      .from(disclosureRequestPatrons)
      .where(inArray(disclosureRequestPatrons.requestId, [...requestIds]));
    return requestIds.map((id) => rows.filter((r) => r.requestId === id).map((r) => r.patronId));
  });

  readonly eventsOf = new DataLoader<string, DisclosureEventRow[]>(async (requestIds) => {
    const rows = await this.db
      .select()
      .from(disclosureEvents)
      .where(inArray(disclosureEvents.requestId, [...requestIds]))
      .orderBy(asc(disclosureEvents.requestId), asc(disclosureEvents.sequence));
    return requestIds.map((id) => rows.filter((r) => r.requestId === id));
  });

  /** Pages of requests naming each patron, newest first, one query per (status, size, after). */
  readonly pageOfPatron = perPatronLoader<DisclosurePageKey, DisclosureRequestRow[]>(
    (k) => `${k.status}|${k.hideNondisclosedAt?.getTime() ?? ''}|${k.size}|${k.afterId}`,
    async ({ status, hideNondisclosedAt, size, afterId }, patronIds) => {
      const dr = disclosureRequests;
      const link = disclosureRequestPatrons;
      const rank =
        sql<number>`row_number() over (partition by ${link.patronId} order by ${dr.receivedAt} desc, ${dr.id} desc)`.as(
          'rank',
        );
      const ranked = this.db
        .select({
          ...getTableColumns(dr),
          subjectId: sql<string>`${link.patronId}`.as('subject_id'),
          rank,
        })
        .from(dr)
        .innerJoin(link, eq(link.requestId, dr.id))
        .where(
          and(
            inArray(link.patronId, patronIds),
            status ? eq(dr.status, status) : undefined,
            hideNondisclosedAt
              ? sql`(${dr.nondisclosureUntil} is null or ${dr.nondisclosureUntil} <= ${hideNondisclosedAt})`
              : undefined,
            afterId
              ? sql`(${dr.receivedAt}, ${dr.id}) < (select received_at, id from disclosure_requests where id = ${afterId})`
              : undefined,
          ),
        )
        .as('ranked');
      const rows = await this.db
        .select()
        .from(ranked)
        .where(lte(ranked.rank, size + 1))
        .orderBy(ranked.rank);
      return (patronId) =>
        rows
          .filter((r) => r.subjectId === patronId)
          .map(({ subjectId: _s, rank: _r, ...row }) => row as DisclosureRequestRow);
    },
  );

  async byRequester(requesterId: string): Promise<DisclosureRequestRow[]> {
    return this.db
      .select()
      .from(disclosureRequests)
      .where(eq(disclosureRequests.requesterId, requesterId));
  }
}
