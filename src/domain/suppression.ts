// Small-cell suppression of a two-way table of counts (regulation 9), on the table extended with
// its margins: rows × columns, a row-total column, a column-total row and the grand total.
//
// 1. Primary: every entry (cell or total) below the threshold is suppressed, zeros included (a
//    shown 0 beside a hidden 1–9 would tell that someone is there).
// 2. Secondary: each row and each column of the extended table is an additive line (its cells sum
//    to its total). A line with exactly one suppressed entry gives it away by subtraction, so the
//    smallest unsuppressed cell of that line is suppressed too (a total only when the line has no
//    unsuppressed cell left), and the check repeats until every line has none or at least two.
// The pass order is fixed (rows top to bottom, then columns left to right; ties go to the first
// entry), so the same counts always give the same table.

export interface SuppressedTable {
  /** cells[i][j]: the count, or null when suppressed. */
  cells: (number | null)[][];
  rowTotals: (number | null)[];
  columnTotals: (number | null)[];
  total: number | null;
}

export function suppressSmallCells(
  counts: readonly (readonly number[])[],
  threshold: number,
): SuppressedTable {
  const R = counts.length;
  const C = R === 0 ? 0 : counts[0]!.length;
  // Extended table: index R is the column-total row, index C the row-total column.
  const value: number[][] = Array.from({ length: R + 1 }, () => new Array<number>(C + 1).fill(0));
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const n = counts[i]![j]!;
      value[i]![j] = n;
      value[i]![C]! += n;
      value[R]![j]! += n;
      value[R]![C]! += n;
    }
  }
  const hidden = value.map((row) => row.map((n) => n < threshold));

  const lines: [number, number][][] = [];
  for (let i = 0; i <= R; i++)
    lines.push(Array.from({ length: C + 1 }, (_, j) => [i, j] as [number, number]));
  for (let j = 0; j <= C; j++)
    lines.push(Array.from({ length: R + 1 }, (_, i) => [i, j] as [number, number]));

  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      const open = line.filter(([i, j]) => !hidden[i]![j]);
      // A line with nothing left shown gives nothing away (an empty year's table is its total alone).
      if (line.length - open.length !== 1 || open.length === 0) continue;
      const margin = line[line.length - 1]!;
      const interior = open.filter((e) => e !== margin);
      const pool = interior.length > 0 ? interior : open;
      let pick = pool[0]!;
      for (const e of pool) if (value[e[0]]![e[1]]! < value[pick[0]]![pick[1]]!) pick = e;
      hidden[pick[0]]![pick[1]] = true;
      changed = true;
    }
  }

  const shown = (i: number, j: number) => (hidden[i]![j] ? null : value[i]![j]!);
  return {
    cells: Array.from({ length: R }, (_, i) => Array.from({ length: C }, (_, j) => shown(i, j))),
    rowTotals: Array.from({ length: R }, (_, i) => shown(i, C)),
    columnTotals: Array.from({ length: C }, (_, j) => shown(R, j)),
    total: shown(R, C),
  };
}
