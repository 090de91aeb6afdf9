// SQL for reference consultations.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  referenceConsults,
  type ReferenceConsultRow,
} from '../db/schema/reference-consults.sql.js';
import { byIdLoader, type ById, perPatronLoader } from './loaders.js';
import { pagesPerParent, rangesKey, withinRanges, type Ranges } from './paging.js';

export type NewConsult = typeof referenceConsults.$inferInsert;

export interface ConsultPageKey {
  patronId: string;
  channel: ReferenceConsultRow['channel'] | null;
  /** Only consults this librarian conducted (a reference librarian's own view). */
  librarianId: string | null;
  /** Only consults started inside these ranges (null: all). */
  ranges: Ranges;
  size: number;
  afterId: string | null;
}

export class ReferenceConsultRepository {
  readonly byId: ById<ReferenceConsultRow>;

  constructor(private readonly db: Db) {
    this.byId = byIdLoader(db, referenceConsults);
  }

  readonly pageOfPatron = perPatronLoader<ConsultPageKey, ReferenceConsultRow[]>(
    (k) => `${k.channel}|${k.librarianId}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`,
    async ({ channel, librarianId, ranges, size, afterId }, patronIds) => {
      const t = referenceConsults;
      const pages = await pagesPerParent<ReferenceConsultRow>(
        this.db,
        {
          table: t,
          id: t.id,
          parent: t.patronId,
          order: t.startedAt,
          parentOf: (r) => r.patronId,
        },
        patronIds,
        and(
          channel ? eq(t.channel, channel) : undefined,
          librarianId ? eq(t.librarianId, librarianId) : undefined,
          withinRanges(t.startedAt, ranges),
        ),
        size,
        afterId,
      );
      return (patronId) => pages.get(patronId) ?? [];
    },
  );

  async insert(row: NewConsult): Promise<ReferenceConsultRow> {
    const [created] = await this.db.insert(referenceConsults).values(row).returning();
    return created!;
  }
}
