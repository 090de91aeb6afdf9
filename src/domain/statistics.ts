// Aggregate statistics for staff dashboards (regulation 9): counts by dimension, small cells and
// their complements suppressed (src/domain/suppression.ts). Nothing here reads a patron link.
import { z } from 'zod';
import { AGE_BANDS } from '../db/schema/columns.js';
import { badInput } from './errors.js';
import { SOURCES, type StatisticsRepository } from '../repositories/statistics.js';
import { suppressSmallCells } from './suppression.js';
import * as v from './validation.js';
import {
  STATISTICS_DIMENSIONS,
  STATISTICS_MEASURES,
  type StatisticsDimension,
  type StatisticsMeasure,
} from './vocabulary.js';

/** One count, or null where it is suppressed. */
interface StatisticsTotal {
  key: string;
  count: number | null;
  suppressed: boolean;
}
export interface StatisticsTable {
  measure: StatisticsMeasure;
  year: number;
  rowDimension: StatisticsDimension;
  columnDimension: StatisticsDimension | null;
  threshold: number;
  rowKeys: string[];
  columnKeys: string[];
  cells: { row: string; column: string; count: number | null; suppressed: boolean }[];
  rowTotals: StatisticsTotal[];
  columnTotals: StatisticsTotal[];
  total: StatisticsTotal;
}

const tableInput = z.object({
  measure: z.enum(STATISTICS_MEASURES),
  year: z.number().int().min(2000, 'must be 2000 or later').max(2100, 'must be 2100 or earlier'),
  rows: z.enum(STATISTICS_DIMENSIONS),
  columns: z.enum(STATISTICS_DIMENSIONS).nullable().optional(),
});

/** Keys a dimension always shows, whether or not anything was counted under them. */
function fixedKeys(dimension: StatisticsDimension, year: number): string[] | null {
  if (dimension === 'MONTH')
    return Array.from({ length: 12 }, (_, m) => `${year}-${String(m + 1).padStart(2, '0')}`);
  if (dimension === 'AGE_BAND') return [...AGE_BANDS, 'UNKNOWN'];
  if (dimension === 'CHANNEL') return ['IN_PERSON', 'PHONE', 'EMAIL', 'CHAT'];
  return null;
}

export class StatisticsService {
  constructor(
    private readonly repo: StatisticsRepository,
    private readonly threshold: number,
  ) {}

  async table(input: unknown): Promise<StatisticsTable> {
    const args = v.parseInput(tableInput, input);
    const columns = args.columns ?? null;
    const dims = SOURCES[args.measure].dimensions;
    for (const [field, d] of [
      ['rows', args.rows],
      ['columns', columns],
    ] as const) {
      if (d && !dims[d])
        throw badInput(
          `Invalid input at ${field}: ${d} is not a dimension of ${args.measure}.`,
          field,
        );
    }
    if (columns === args.rows)
      throw badInput('Invalid input at columns: must differ from rows.', 'columns');

    const from = new Date(Date.UTC(args.year, 0, 1));
    const to = new Date(Date.UTC(args.year + 1, 0, 1));
    const counted = await this.repo.counts(args.measure, args.rows, columns, from, to);
    const keysOf = (
      dimension: StatisticsDimension | null,
      pick: (r: (typeof counted)[number]) => string,
    ) =>
      dimension === null
        ? ['ALL']
        : (fixedKeys(dimension, args.year) ?? [...new Set(counted.map(pick))].sort());
    const rowKeys = keysOf(args.rows, (r) => r.r);
    const columnKeys = keysOf(columns, (r) => r.c);

    const index = new Map(counted.map((c) => [`${c.r}\u0000${c.c}`, c.n]));
    const grid = rowKeys.map((r) => columnKeys.map((c) => index.get(`${r}\u0000${c}`) ?? 0));
    const s = suppressSmallCells(grid, this.threshold);
    const entry = (key: string, count: number | null) => ({
      key,
      count,
      suppressed: count === null,
    });
    return {
      measure: args.measure,
      year: args.year,
      rowDimension: args.rows,
      columnDimension: columns,
      threshold: this.threshold,
      rowKeys,
      columnKeys,
      cells: rowKeys.flatMap((row, i) =>
        columnKeys.map((column, j) => ({
          row,
          column,
          count: s.cells[i]![j]!,
          suppressed: s.cells[i]![j] === null,
        })),
      ),
      rowTotals: rowKeys.map((k, i) => entry(k, s.rowTotals[i]!)),
      columnTotals: columnKeys.map((k, j) => entry(k, s.columnTotals[j]!)),
      total: entry('ALL', s.total),
    };
  }
}
