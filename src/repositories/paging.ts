// Cursor pagination shared by every list. A cursor is the last row's opaque id (base64url), never
// a sortable value such as a name, so no personal data travels in cursors, URLs or logs.
import { and, gte, lte, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { getTableColumns } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { badInput } from '../domain/errors.js';

const MAX_PAGE_SIZE = 100;

/** Date ranges a list is narrowed to (a requester's approved disclosures); null means no narrowing. */
export type Ranges = readonly { from: Date | null; to: Date | null }[] | null;

/** Cache-key form of ranges. */
export const rangesKey = (ranges: Ranges): string =>
  ranges === null
    ? '*'
    : ranges.map((r) => `${r.from?.getTime() ?? ''}~${r.to?.getTime() ?? ''}`).join(',');

/** `column` inside one of the ranges; no range at all matches nothing. */
export function withinRanges(column: AnyPgColumn, ranges: Ranges): SQL | undefined {
  if (ranges === null) return undefined;
  if (ranges.length === 0) return sql`false`;
  return or(
    ...ranges.map(
      (r) =>
        and(r.from ? gte(column, r.from) : undefined, r.to ? lte(column, r.to) : undefined) ??
        sql`true`,
    ),
  );
}

export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw badInput(`first must be between 1 and ${max}.`, 'first');
  return n;
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor == null) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,4}_[a-z2-7]{4,32}$/.test(id))
    throw badInput('after is not a valid cursor.', 'after');
  return id;
}

/** Turns first+1 fetched rows into a page. */
export function toPage<T extends { id: string }>(rows: T[], size: number): Page<T> {
  const nodes = rows.slice(0, size);
  const last = nodes.at(-1);
  return {
    nodes,
    pageInfo: { hasNextPage: rows.length > size, endCursor: last ? encodeCursor(last.id) : null },
  };
}

interface ChildTable<Row> {
  table: PgTable;
  parentOf: (row: Row) => string | null;
  id: AnyPgColumn;
  parent: AnyPgColumn;
  /** Newest first: rows are ordered by (order desc, id desc). */
  order: AnyPgColumn;
}

/**
 * One query for the first page of children of many parents (loans of 100 patrons): a window
 * function numbers each parent's rows, so the cost is one statement however many parents.
 */
export async function pagesPerParent<Row extends { id: string }>(
  db: Db,
  t: ChildTable<Row>,
  parentIds: readonly string[],
  where: SQL | undefined,
  size: number,
  afterId: string | null,
): Promise<Map<string, Row[]>> {
  const after = afterId
    ? sql`(${t.order}, ${t.id}) < (select ${t.order}, ${t.id} from ${t.table} where ${t.id} = ${afterId})`
    : undefined;
  const rank =
    sql<number>`row_number() over (partition by ${t.parent} order by ${t.order} desc, ${t.id} desc)`.as(
      'rank',
    );
  const ranked = db
    .select({ ...getTableColumns(t.table), rank })
    .from(t.table)
    .where(and(sql`${t.parent} = any(${sql.param([...parentIds])})`, where, after))
    .as('ranked');
  const rows = (await db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, size + 1))
    .orderBy(ranked.rank)) as unknown as (Row & {
    rank: number;
  })[];
  const byParent = new Map<string, Row[]>();
  for (const { rank: _rank, ...rest } of rows) {
    const row = rest as unknown as Row;
    const parent = t.parentOf(row);
    if (parent === null) continue;
    const list = byParent.get(parent);
    if (list) list.push(row);
    else byParent.set(parent, [row]);
  }
  return byParent;
}
