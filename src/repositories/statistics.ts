// SQL for aggregate statistics: counts grouped by two whitelisted dimension expressions over one
// year. Reads only columns that survive anonymisation (never a patron id).
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';
import type { StatisticsDimension, StatisticsMeasure } from '../domain/vocabulary.js';

interface Source {
  from: SQL;
  at: SQL;
  dimensions: Partial<Record<StatisticsDimension, SQL>>;
}

const month = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM')`;

export const SOURCES: Record<StatisticsMeasure, Source> = {
  LOANS: {
    from: sql`loans t`,
    at: sql`t.checked_out_at`,
    dimensions: {
      BRANCH: sql`t.branch`,
      MONTH: month(sql`t.checked_out_at`),
      ITEM_TYPE: sql`t.item_type`,
      AGE_BAND: sql`coalesce(t.patron_age_band, 'UNKNOWN')`,
    },
  },
  FINES: {
    from: sql`fines t`,
    at: sql`t.assessed_at`,
    dimensions: {
      BRANCH: sql`coalesce(t.branch, 'NONE')`,
      MONTH: month(sql`t.assessed_at`),
      ITEM_TYPE: sql`coalesce(t.item_type, 'NONE')`,
      AGE_BAND: sql`coalesce(t.patron_age_band, 'UNKNOWN')`,
    },
  },
  REFERENCE_CONSULTS: {
    from: sql`reference_consults t`,
    at: sql`t.started_at`,
    dimensions: {
      MONTH: month(sql`t.started_at`),
      CHANNEL: sql`t.channel`,
      AGE_BAND: sql`coalesce(t.patron_age_band, 'UNKNOWN')`,
    },
  },
};

export interface CountRow {
  r: string;
  c: string;
  n: number;
}

export class StatisticsRepository {
  constructor(private readonly db: Db) {}

  /** Counts per (row key, column key) in [from, to); `columns` null puts everything in column ALL. */
  async counts(
    measure: StatisticsMeasure,
    rows: StatisticsDimension,
    columns: StatisticsDimension | null,
    from: Date,
    to: Date,
  ): Promise<CountRow[]> {
    const s = SOURCES[measure];
    const r = s.dimensions[rows]!;
    const c = columns ? s.dimensions[columns]! : sql`'ALL'`;
    return queryRows<CountRow>(
      this.db,
      sql`SELECT ${r} AS r, ${c} AS c, count(*)::int AS n FROM ${s.from}
          WHERE ${s.at} >= ${from.toISOString()}::timestamptz AND ${s.at} < ${to.toISOString()}::timestamptz
          GROUP BY 1, 2`,
    );
  }
}
