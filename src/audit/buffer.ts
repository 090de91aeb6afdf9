// Collects the access decisions of one request. Rows aggregate by (subject, type, category,
// decision, basis, ref) and list their fields, so every (subject, field, decision, basis) is
// recoverable exactly while a 100-patron page stays a handful of rows.
import type { GraphQLResolveInfo } from 'graphql';
import type { AccessBasis, PiiCategory } from '../graphql/generated/resolvers-types.js';
import type { Decision } from '../authz/decision.js';

export type AuditOutcome = 'GRANTED' | 'DENIED' | 'FAILED';

type ResolvePath = GraphQLResolveInfo['path'];

export interface AuditRow {
  subjectId: string | null;
  typeName: string;
  category: PiiCategory | null;
  outcome: AuditOutcome;
  basis: AccessBasis | null;
  basisRef: string | null;
  /** The rule that decided, e.g. "pii:IDENTITY". */
  rule: string;
  fields: Set<string>;
}

/** Anything with a response path: the errors of an execution. */
export interface PathedError {
  readonly path?: ReadonlyArray<string | number> | undefined;
}

export class AuditBuffer {
  private readonly rows = new Map<string, AuditRow>();
  /**
   * Flat triples (path, row, fieldName) of granted resolutions, so that a resolver that fails
   * after its grant can be recorded as FAILED. A flat array keeps the hot path to three pushes of
   * existing references: no object per field.
   */
  private readonly granted: unknown[] = [];

  record(
    subjectId: string | null,
    typeName: string,
    fieldName: string,
    category: PiiCategory | null,
    rule: string,
    d: Decision,
    path?: ResolvePath,
  ): void {
    this.addField(this.rowOf(subjectId, typeName, category, rule, d), fieldName, d.granted, path);
  }

  /** The row a decision goes to: a rule that decides once per object reuses it for each field. */
  rowOf(subjectId: string | null, typeName: string, category: PiiCategory | null, rule: string, d: Decision): AuditRow {
    const outcome: AuditOutcome = d.granted ? 'GRANTED' : 'DENIED';
    return this.row(subjectId, typeName, category, outcome, d.granted ? d.basis : null, d.granted ? d.ref : null, rule);
  }

  /** Records one field resolution on a row from rowOf (of this buffer). */
  addField(row: AuditRow, fieldName: string, granted: boolean, path?: ResolvePath): void {
    row.fields.add(fieldName);
    if (granted && path) this.granted.push(path, row, fieldName);
  }

  /**
   * Moves each granted field whose resolver then failed (an execution error at its exact path) to
   * a FAILED row with the same basis. Runs once per request, and only walks paths when errors exist.
   */
  markFailures(errors: readonly PathedError[] | undefined): void {
    if (!errors?.length || !this.granted.length) return;
    const failing = new Set<string>();
    for (const e of errors) if (e.path) failing.add(e.path.join('.'));
    if (!failing.size) return;
    const failed: [AuditRow, string][] = [];
    const delivered = new Set<string>();
    const keyOf = (row: AuditRow, field: string) => `${this.keyOfRow(row)}\u0002${field}`;
    for (let i = 0; i < this.granted.length; i += 3) {
      const row = this.granted[i + 1] as AuditRow;
      const field = this.granted[i + 2] as string;
      if (failing.has(pathKey(this.granted[i] as ResolvePath))) failed.push([row, field]);
      else delivered.add(keyOf(row, field));
    }
    for (const [row, field] of failed) {
      this.row(row.subjectId, row.typeName, row.category, 'FAILED', row.basis, row.basisRef, row.rule).fields.add(field);
      // The field stays GRANTED only if another resolution of it (an alias) was delivered.
      if (!delivered.has(keyOf(row, field))) {
        row.fields.delete(field);
        if (!row.fields.size) this.rows.delete(this.keyOfRow(row));
      }
    }
  }

  get size(): number {
    return this.rows.size;
  }

  entries(): AuditRow[] {
    return [...this.rows.values()];
  }

  private row(
    subjectId: string | null,
    typeName: string,
    category: PiiCategory | null,
    outcome: AuditOutcome,
    basis: AccessBasis | null,
    basisRef: string | null,
    rule: string,
  ): AuditRow {
    const key = rowKey(subjectId, typeName, category, outcome, basis, basisRef, rule);
    let row = this.rows.get(key);
    if (!row) {
      row = { subjectId, typeName, category, outcome, basis, basisRef, rule, fields: new Set() };
      this.rows.set(key, row);
    }
    return row;
  }

  private keyOfRow(r: AuditRow): string {
    return rowKey(r.subjectId, r.typeName, r.category, r.outcome, r.basis, r.basisRef, r.rule);
  }
}

function rowKey(
  subjectId: string | null,
  typeName: string,
  category: string | null,
  outcome: AuditOutcome,
  basis: string | null,
  basisRef: string | null,
  rule: string,
): string {
  return `${subjectId}\u0001${typeName}\u0001${category}\u0001${outcome}\u0001${basis}\u0001${basisRef}\u0001${rule}`;
}

function pathKey(path: ResolvePath): string {
  const keys: (string | number)[] = [];
  for (let p: ResolvePath | undefined = path; p; p = p.prev) keys.push(p.key);
  return keys.reverse().join('.');
}
