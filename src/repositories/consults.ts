// SQL for reference consultations.
import DataLoader from 'dataloader';
import { and, eq, inArray } from 'drizzle-orm';
import { isWellFormedId } from '../domain/ids.js';
import type { Db } from '../db/client.js';
import { referenceConsults, type ReferenceConsultRow } from '../db/schema/reference.sql.js';
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

const key = (k: ConsultPageKey) =>
  `${k.patronId}|${k.channel}|${k.librarianId}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;

export class ConsultRepository {
  constructor(private readonly db: Db) {}

  readonly byId = new DataLoader<string, ReferenceConsultRow | null>(async (ids) => {
    const rows = await this.db
      .select()
      .from(referenceConsults)
      .where(inArray(referenceConsults.id, ids.filter(isWellFormedId)));
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });

  readonly pageOfPatron = new DataLoader<ConsultPageKey, ReferenceConsultRow[], string>(
    async (keys) => {
      const groups = new Map<string, ConsultPageKey[]>();
      for (const k of keys) {
        const g = `${k.channel}|${k.librarianId}|${rangesKey(k.ranges)}|${k.size}|${k.afterId}`;
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<string, ReferenceConsultRow[]>();
      for (const group of groups.values()) {
        const { channel, librarianId, ranges, size, afterId } = group[0]!;
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
          group.map((k) => k.patronId),
          and(
            channel ? eq(t.channel, channel) : undefined,
            librarianId ? eq(t.librarianId, librarianId) : undefined,
            withinRanges(t.startedAt, ranges),
          ),
          size,
          afterId,
        );
        for (const k of group) results.set(key(k), pages.get(k.patronId) ?? []);
      }
      return keys.map((k) => results.get(key(k)) ?? []);
    },
    { cacheKeyFn: key },
  );

  async insert(row: NewConsult): Promise<ReferenceConsultRow> {
    const [created] = await this.db.insert(referenceConsults).values(row).returning();
    return created!;
  }
}
