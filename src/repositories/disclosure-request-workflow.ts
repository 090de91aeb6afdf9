// SQL for the disclosure workflow: locking a request for a transition, writing it and its event,
// the expiry sweep, the Director's queue and a requester's list. Reads by key stay in disclosure-requests.ts.
import { and, asc, desc, eq, gt, inArray, isNull, lte, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  disclosureEvents,
  disclosureRequestPatrons,
  disclosureRequests,
  type DisclosureEventRow,
  type DisclosureRequestRow,
} from '../db/schema/disclosure-requests.sql.js';

export type NewDisclosureRequest = typeof disclosureRequests.$inferInsert;
export type NewDisclosureEvent = Omit<typeof disclosureEvents.$inferInsert, 'id' | 'sequence'>;
export type DisclosureChanges = Partial<Omit<NewDisclosureRequest, 'id'>>;

/** The queue's lists are short by nature; a bound keeps a neglected queue from becoming a bulk export. */
const QUEUE_LIMIT = 200;

export class DisclosureRequestWorkflowRepository {
  constructor(private readonly db: Db) {}

  /** The request, locked until the transaction ends, so that concurrent transitions take turns. */
  async lock(id: string): Promise<DisclosureRequestRow | null> {
    const [row] = await this.db
      .select()
      .from(disclosureRequests)
      .where(eq(disclosureRequests.id, id))
      .for('update');
    return row ?? null;
  }

  async insert(
    row: NewDisclosureRequest,
    patronIds: readonly string[],
  ): Promise<DisclosureRequestRow> {
    const [inserted] = await this.db.insert(disclosureRequests).values(row).returning();
    await this.db
      .insert(disclosureRequestPatrons)
      .values(patronIds.map((patronId) => ({ requestId: row.id, patronId })));
    return inserted!;
  }

  async update(id: string, changes: DisclosureChanges): Promise<DisclosureRequestRow> {
    const [row] = await this.db
      .update(disclosureRequests)
      .set(changes)
      .where(eq(disclosureRequests.id, id))
      .returning();
    return row!;
  }

  /** Narrows the patrons of a request to `keep` (a subset of the current ones). */
  async keepPatrons(id: string, keep: readonly string[]): Promise<void> {
    await this.db
      .delete(disclosureRequestPatrons)
      .where(
        and(
          eq(disclosureRequestPatrons.requestId, id),
          notInArray(disclosureRequestPatrons.patronId, [...keep]),
        ),
      );
  }

  /** Appends the next event of the request's history (the request row is locked by the caller). */
  async appendEvent(event: NewDisclosureEvent): Promise<DisclosureEventRow> {
    const next = sql<number>`(select coalesce(max(${disclosureEvents.sequence}), 0) + 1 from ${disclosureEvents} where ${disclosureEvents.requestId} = ${event.requestId})`;
    const [row] = await this.db
      .insert(disclosureEvents)
      .values({ ...event, sequence: next })
      .returning();
    return row!;
  }

  /** Ids of approved requests whose access window closed at or before `at`. */
  async lapsedIds(at: Date): Promise<string[]> {
    const rows = await this.db
      .select({ id: disclosureRequests.id })
      .from(disclosureRequests)
      .where(
        and(eq(disclosureRequests.status, 'APPROVED'), lte(disclosureRequests.accessExpiresAt, at)),
      );
    return rows.map((r) => r.id);
  }

  pendingReview(): Promise<DisclosureRequestRow[]> {
    return this.db
      .select()
      .from(disclosureRequests)
      .where(inArray(disclosureRequests.status, ['RECEIVED', 'UNDER_REVIEW']))
      .orderBy(asc(disclosureRequests.receivedAt), asc(disclosureRequests.id))
      .limit(QUEUE_LIMIT);
  }

  nearingExpiry(from: Date, until: Date): Promise<DisclosureRequestRow[]> {
    return this.db
      .select()
      .from(disclosureRequests)
      .where(
        and(
          eq(disclosureRequests.status, 'APPROVED'),
          gt(disclosureRequests.accessExpiresAt, from),
          lte(disclosureRequests.accessExpiresAt, until),
        ),
      )
      .orderBy(asc(disclosureRequests.accessExpiresAt), asc(disclosureRequests.id))
      .limit(QUEUE_LIMIT);
  }

  unratifiedEmergencies(): Promise<DisclosureRequestRow[]> {
    return this.db
      .select()
      .from(disclosureRequests)
      .where(
        and(
          eq(disclosureRequests.instrument, 'EMERGENCY'),
          isNull(disclosureRequests.ratifiedAt),
          isNull(disclosureRequests.repudiatedAt),
        ),
      )
      .orderBy(asc(disclosureRequests.ratificationDueAt), asc(disclosureRequests.id))
      .limit(QUEUE_LIMIT);
  }

  /** A page (size + 1 rows) of a requester's requests, newest first. */
  pageOfRequester(
    requesterId: string,
    status: DisclosureRequestRow['status'] | null,
    size: number,
    afterId: string | null,
  ): Promise<DisclosureRequestRow[]> {
    const dr = disclosureRequests;
    return this.db
      .select()
      .from(dr)
      .where(
        and(
          eq(dr.requesterId, requesterId),
          status ? eq(dr.status, status) : undefined,
          afterId
            ? sql`(${dr.receivedAt}, ${dr.id}) < (select received_at, id from disclosure_requests where id = ${afterId})`
            : undefined,
        ),
      )
      .orderBy(desc(dr.receivedAt), desc(dr.id))
      .limit(size + 1);
  }
}
