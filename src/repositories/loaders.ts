// The two DataLoaders every repository needs: rows by id, and lists per patron where many patrons
// asked alike share one query. Both keep DataLoader's defaults (per-request cache, one batch a tick).
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { isWellFormedId } from '../domain/ids.js';

/** Rows by id, null for an id with no row. */
export type ById<Row> = DataLoader<string, Row | null>;

/**
 * Rows of `table` by id, in the order asked, null for an id with no row: one query per batch. An id
 * no id looks like (a NUL byte in an `_entities` representation) matches nothing and is never sent:
 * PostgreSQL would refuse the statement for every id of the batch.
 */
export function byIdLoader<T extends PgTable & { id: PgColumn }>(
  db: Db,
  table: T,
): ById<T['$inferSelect']> {
  return new DataLoader(async (ids) => {
    const rows: T['$inferSelect'][] = await db
      .select()
      .from(table as PgTable)
      .where(inArray(table.id, ids.filter(isWellFormedId)));
    const map = new Map(rows.map((r) => [r.id as string, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/**
 * A list per patron, asked by keys that name a patron and how to list (filters, page size,
 * cursor). Keys that differ only in their patron form a group with one query: `load` gets the
 * group's first key and every patron id of the group, and answers with each patron's list.
 * `listing` is the key without its patron; the cache key is the patron id, then the listing.
 */
export function perPatronLoader<K extends { patronId: string }, V>(
  listing: (key: K) => string,
  load: (first: K, patronIds: string[]) => Promise<(patronId: string) => V>,
): DataLoader<K, V, string> {
  const cacheKey = (k: K) => `${k.patronId}|${listing(k)}`;
  return new DataLoader<K, V, string>(
    async (keys) => {
      const groups = new Map<string, K[]>();
      for (const k of keys) {
        const g = listing(k);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<string, V>();
      for (const group of groups.values()) {
        const listOf = await load(
          group[0]!,
          group.map((k) => k.patronId),
        );
        for (const k of group) results.set(cacheKey(k), listOf(k.patronId));
      }
      return keys.map((k) => results.get(cacheKey(k))!);
    },
    { cacheKeyFn: cacheKey },
  );
}
