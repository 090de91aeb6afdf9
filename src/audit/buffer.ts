// Collects the access decisions of one request. Rows aggregate by (subject, type, category,
// decision, basis, ref) and list their fields, so every (subject, field, decision, basis) is
// recoverable exactly while a 100-patron page stays a handful of rows.
//
// This runs once per protected field of every response (1,200 times for a 100-patron page), so
// the hot path makes no strings: rows are found through nested maps keyed by strings that already
// exist (rule name, type name, patron id), and each row's field list is a node of a per-request
// trie, so rows read alike share one node and the writer groups them by identity (writer.ts).
import type { GraphQLResolveInfo } from 'graphql';
import type { AccessBasis, AuditOutcome, PiiCategory } from '../domain/vocabulary.js';
import type { Decision } from '../domain/decision.js';

type ResolvePath = GraphQLResolveInfo['path'];

/** A field list in sorted order, one object per distinct list in a request. */
export interface SortedFields {
  readonly fields: readonly string[];
  /** The fields joined with commas: orders groups in the log. */
  readonly key: string;
}

/**
 * A node of the request's field-list trie: the fields a row recorded, in the order it first
 * recorded them. `with(field)` is a map lookup once the node exists, so 100 patrons read the same
 * way walk the same few nodes.
 */
class FieldList {
  private next: Map<string, FieldList> | null = null;
  private sortedFields: SortedFields | null = null;

  constructor(
    readonly fields: readonly string[],
    private readonly interned: Map<string, SortedFields>,
  ) {}

  with(field: string): FieldList {
    this.next ??= new Map();
    let node = this.next.get(field);
    if (!node) this.next.set(field, (node = new FieldList([...this.fields, field], this.interned)));
    return node;
  }

  /** The same fields sorted; lists that differ only in order get the same object. */
  sorted(): SortedFields {
    if (this.sortedFields) return this.sortedFields;
    const fields = [...this.fields].sort();
    const key = fields.join(',');
    let s = this.interned.get(key);
    if (!s) this.interned.set(key, (s = { fields, key }));
    return (this.sortedFields = s);
  }
}

export class AuditRow {
  /** The fields resolved under this decision. */
  readonly fields = new Set<string>();
  // Private (#), so that comparing rows compares what they record, not how they are indexed.
  #list: FieldList;
  readonly #root: FieldList;

  constructor(
    readonly subjectId: string | null,
    readonly typeName: string,
    readonly category: PiiCategory | null,
    readonly outcome: AuditOutcome,
    readonly basis: AccessBasis | null,
    readonly basisRef: string | null,
    /** The rule that decided, e.g. "pii:IDENTITY". */
    readonly rule: string,
    root: FieldList,
  ) {
    this.#list = this.#root = root;
  }

  addField(field: string): void {
    if (this.fields.has(field)) return;
    this.fields.add(field);
    this.#list = this.#list.with(field);
  }

  deleteField(field: string): void {
    if (!this.fields.delete(field)) return;
    let list = this.#root;
    for (const f of this.fields) list = list.with(f);
    this.#list = list;
  }

  /** The row's fields, sorted: rows with equal lists share the object (grouping is by identity). */
  sortedFields(): SortedFields {
    return this.#list.sorted();
  }

  sameDecision(
    category: PiiCategory | null,
    outcome: AuditOutcome,
    basis: AccessBasis | null,
    basisRef: string | null,
  ): boolean {
    return (
      this.category === category &&
      this.outcome === outcome &&
      this.basis === basis &&
      this.basisRef === basisRef
    );
  }
}

/** Anything with a response path: the errors of an execution. */
export interface PathedError {
  readonly path?: ReadonlyArray<string | number> | undefined;
}

/** rule → type → subject → that subject's rows under the rule (one per decision; almost always one). */
type RowIndex = Map<string, Map<string, Map<string | null, AuditRow[]>>>;

/** What the log records of the operation itself (set once the operation is known). */
export interface RequestFacts {
  operationName: string | null;
  documentHash: string | null;
}

export class AuditBuffer {
  /** Set by the audit plugin before execution; a mutation's transaction appends with them. */
  facts: RequestFacts = { operationName: null, documentHash: null };
  /**
   * Set when rows taken for a mutation's transaction could not be made durable (the transaction
   * rolled back): the response must be withheld like any other failed audit write.
   */
  unavailable = false;
  private index: RowIndex = new Map();
  private readonly root = new FieldList([], new Map());
  private count = 0;
  /**
   * Flat triples (path, row, fieldName) of granted resolutions, so that a resolver that fails
   * after its grant can be recorded as FAILED. A flat array keeps the hot path to three pushes of
   * existing references: no object per field.
   */
  private granted: unknown[] = [];

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
  rowOf(
    subjectId: string | null,
    typeName: string,
    category: PiiCategory | null,
    rule: string,
    d: Decision,
  ): AuditRow {
    const outcome: AuditOutcome = d.granted ? 'GRANTED' : 'DENIED';
    return this.row(
      subjectId,
      typeName,
      category,
      outcome,
      d.granted ? d.basis : null,
      d.granted ? d.ref : null,
      rule,
    );
  }

  /** Records one field resolution on a row from rowOf (of this buffer). */
  addField(row: AuditRow, fieldName: string, granted: boolean, path?: ResolvePath): void {
    row.addField(fieldName);
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
    const delivered = new Map<AuditRow, Set<string>>();
    for (let i = 0; i < this.granted.length; i += 3) {
      const row = this.granted[i + 1] as AuditRow;
      const field = this.granted[i + 2] as string;
      if (failing.has(pathKey(this.granted[i] as ResolvePath))) failed.push([row, field]);
      else (delivered.get(row) ?? delivered.set(row, new Set()).get(row)!).add(field);
    }
    for (const [row, field] of failed) {
      this.row(
        row.subjectId,
        row.typeName,
        row.category,
        'FAILED',
        row.basis,
        row.basisRef,
        row.rule,
      ).addField(field);
      // The field stays GRANTED only if another resolution of it (an alias) was delivered.
      if (!delivered.get(row)?.has(field)) {
        row.deleteField(field);
        if (!row.fields.size) this.remove(row);
      }
    }
  }

  get size(): number {
    return this.count;
  }

  /**
   * The rows so far, leaving the buffer empty: a mutation's transaction appends them itself, so
   * the response's own append must not write them again.
   */
  take(): AuditRow[] {
    const rows = this.entries();
    this.index = new Map();
    this.granted = [];
    this.count = 0;
    return rows;
  }

  /** The rows, grouped by rule and type, in the order each first appeared. */
  entries(): AuditRow[] {
    const out: AuditRow[] = [];
    for (const byType of this.index.values())
      for (const bySubject of byType.values())
        for (const rows of bySubject.values()) out.push(...rows);
    return out;
  }

  /** The row of exactly this decision (rowOf for a Decision; the retention job records basis-less system rows). */
  row(
    subjectId: string | null,
    typeName: string,
    category: PiiCategory | null,
    outcome: AuditOutcome,
    basis: AccessBasis | null,
    basisRef: string | null,
    rule: string,
  ): AuditRow {
    let byType = this.index.get(rule);
    if (!byType) this.index.set(rule, (byType = new Map()));
    let bySubject = byType.get(typeName);
    if (!bySubject) byType.set(typeName, (bySubject = new Map()));
    let rows = bySubject.get(subjectId);
    if (!rows) bySubject.set(subjectId, (rows = []));
    for (const r of rows) if (r.sameDecision(category, outcome, basis, basisRef)) return r;
    const row = new AuditRow(
      subjectId,
      typeName,
      category,
      outcome,
      basis,
      basisRef,
      rule,
      this.root,
    );
    rows.push(row);
    this.count++;
    return row;
  }

  private remove(row: AuditRow): void {
    const rows = this.index.get(row.rule)?.get(row.typeName)?.get(row.subjectId);
    const i = rows?.indexOf(row) ?? -1;
    if (i < 0) return;
    rows!.splice(i, 1);
    this.count--;
  }
}

function pathKey(path: ResolvePath): string {
  const keys: (string | number)[] = [];
  for (let p: ResolvePath | undefined = path; p; p = p.prev) keys.push(p.key);
  return keys.reverse().join('.');
}
