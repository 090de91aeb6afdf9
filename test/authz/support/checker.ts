// Walks a response along its plan beside the unprotected "truth" response for the same document,
// and holds every position to the oracle: a permitted field equals the truth, a denied field is
// null with a typed error at its exact path, a list holds exactly the records the principal may
// see. Also scans the whole body for canaries the oracle does not permit.
import type { World, RecordRow } from './fixtures.js';
import { categoryOf, disclosureVerdict, fieldVerdict, listKeeps, type Outcome, type Verdict, type Who } from './oracle.js';
import { fieldOf, keyOf, RECORD_TYPES, type PlanField, type PlanSelection, type RenderStyle } from './paths.js';

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Path = (string | number)[];

const ALLOWED: Verdict = { outcome: 'ALLOW', basis: null };

/** The oracle's verdict for one field of one record (the record of a DisclosureEvent is its request). */
export function verdictFor(w: World, who: Who, type: string, field: string, rec: RecordRow | undefined): Verdict {
  const category = categoryOf(type, field);
  if (category === null) return ALLOWED;
  if (!rec) throw new Error(`no record facts for ${type}.${field}`);
  if (type === 'DisclosureRequest' || type === 'DisclosureEvent') return disclosureVerdict(w, who, rec);
  return fieldVerdict(w, who, rec, category, field);
}

export class Checker {
  readonly problems: string[] = [];
  readonly expectedErrors: string[] = [];
  readonly fields = new Set<string>();
  readonly paths = new Set<string>();
  checks = 0;

  constructor(
    readonly w: World,
    readonly who: Who,
    readonly style: RenderStyle,
  ) {}

  private problem(path: Path, what: string) {
    this.problems.push(`[${this.who.label}] ${JSON.stringify(path)}: ${what}`);
  }

  expectDenied(path: Path, value: Json | undefined, outcome: Outcome) {
    this.checks++;
    if (value !== null) this.problem(path, `denied (${outcome}) but came back ${JSON.stringify(value)?.slice(0, 120)}`);
    this.expectedErrors.push(`${JSON.stringify(path)} ${outcome}`);
  }

  /** A root field (or `_entities` item) whose access was decided by `outcome`. */
  root(trail: string, path: Path, outcome: Outcome, sel: PlanSelection, truth: Json | undefined, actual: Json | undefined) {
    if (outcome !== 'ALLOW') return this.expectDenied(path, actual ?? null, outcome);
    this.object(trail, path, sel, truth ?? null, actual ?? null, undefined);
  }

  object(trail: string, path: Path, sel: PlanSelection, truth: Json, actual: Json, request: RecordRow | undefined) {
    this.checks++;
    if (truth === null || actual === null) {
      if (truth !== actual) this.problem(path, `expected ${truth === null ? 'null' : 'an object'}, got ${JSON.stringify(actual)?.slice(0, 120)}`);
      return;
    }
    const t = truth as Obj;
    const a = actual as Obj;
    const rec = sel.type === 'DisclosureEvent' ? request : RECORD_TYPES.has(sel.type) ? this.w.records.get(String(t[keyOf(sel.fields[0]!, this.style)])) : undefined;
    for (const f of sel.fields) {
      const key = keyOf(f, this.style);
      const here = [...path, key];
      const fieldTrail = `${trail} > ${f.type}.${f.name}`;
      this.fields.add(`${f.type}.${f.name}`);
      this.paths.add(fieldTrail);
      const verdict = verdictFor(this.w, this.who, f.type, f.name, rec);
      if (verdict.outcome !== 'ALLOW') {
        this.expectDenied(here, a[key] ?? null, verdict.outcome);
        continue;
      }
      this.value(fieldTrail, here, f, verdict, t[key] ?? null, a[key] ?? null, rec);
    }
  }

  private value(trail: string, path: Path, f: PlanField, verdict: Verdict, truth: Json, actual: Json, rec: RecordRow | undefined) {
    this.checks++;
    if (!f.child) {
      if (JSON.stringify(truth) !== JSON.stringify(actual)) this.problem(path, `expected ${JSON.stringify(truth)}, got ${JSON.stringify(actual)}`);
      return;
    }
    const request = f.child.type === 'DisclosureEvent' ? rec : undefined;
    if (f.child.type.endsWith('Connection')) {
      return this.object(trail, path, f.child, this.narrowed(f, verdict, truth), actual, undefined);
    }
    if (f.list) {
      if (truth === null || actual === null) return this.object(trail, path, f.child, truth, actual, request);
      const kept = (truth as Json[]).filter((n) => this.keeps(f, rec, n as Obj));
      const got = actual as Json[];
      if (kept.length !== got.length) return this.problem(path, `expected ${kept.length} items, got ${got.length}`);
      kept.forEach((n, i) => this.object(trail, [...path, i], f.child!, n, got[i]!, request));
      return;
    }
    this.object(trail, path, f.child, truth, actual, request);
  }

  /** Fine.payments: narrowed like the patron's fines (a requester's date ranges). */
  private keeps(f: PlanField, rec: RecordRow | undefined, node: Obj): boolean {
    if (`${f.type}.${f.name}` !== 'Fine.payments' || !rec?.patronId) return true;
    const patron = this.w.records.get(rec.patronId)!;
    const basis = fieldVerdict(this.w, this.who, patron, 'FINES', 'fines').basis;
    return listKeeps(this.w, this.who, 'Fine.payments', basis, this.w.records.get(String(node[keyOf(fieldOf(f.child!, 'id'), this.style)]))!);
  }

  /** The truth connection narrowed to the records the principal's list may hold. */
  private narrowed(f: PlanField, verdict: Verdict, truth: Json): Json {
    if (truth === null) return null;
    const key = (sel: PlanSelection, name: string) => keyOf(fieldOf(sel, name), this.style);
    const conn = f.child!;
    const nodesSel = fieldOf(conn, 'nodes').child!;
    const infoSel = fieldOf(conn, 'pageInfo').child!;
    const t = truth as Obj;
    const nodes = (t[key(conn, 'nodes')] as Obj[]).filter((n) =>
      listKeeps(this.w, this.who, `${f.type}.${f.name}`, verdict.basis, this.w.records.get(String(n[key(nodesSel, 'id')]))!),
    );
    const info = t[key(conn, 'pageInfo')] as Obj;
    if (info[key(infoSel, 'hasNextPage')] !== false) throw new Error('the leak test expects every list to fit one page');
    const last = nodes.at(-1);
    return {
      ...t,
      [key(conn, 'nodes')]: nodes,
      [key(conn, 'pageInfo')]: {
        [key(infoSel, 'hasNextPage')]: false,
        [key(infoSel, 'endCursor')]: last ? Buffer.from(String(last[key(nodesSel, 'id')])).toString('base64url') : null,
      },
    };
  }

  /** Errors: exactly the expected (path, code) pairs, each with a message that names no one. */
  errors(errors: { message: string; path?: Path; extensions?: Record<string, unknown> }[] | undefined) {
    const actual = (errors ?? []).map((e) => `${JSON.stringify(e.path)} ${String(e.extensions?.code)}`).sort();
    const expected = [...this.expectedErrors].sort();
    const missing = expected.filter((e) => !actual.includes(e));
    const extra = actual.filter((e) => !expected.includes(e));
    for (const m of missing.slice(0, 5)) this.problems.push(`[${this.who.label}] missing error ${m}`);
    for (const x of extra.slice(0, 5)) this.problems.push(`[${this.who.label}] unexpected error ${x}`);
    if (missing.length > 5 || extra.length > 5) this.problems.push(`[${this.who.label}] … ${missing.length} missing, ${extra.length} unexpected errors in all`);
    const messages = new Set((errors ?? []).map((e) => e.message));
    for (const m of messages) {
      if (!KNOWN_MESSAGES.has(m)) this.problems.push(`[${this.who.label}] unexpected error message: ${m}`);
    }
    this.expectedErrors.length = 0;
  }

  /** Every canary in the body must be one the oracle lets this principal read. */
  canaries(body: unknown) {
    const text = JSON.stringify(body);
    for (const [value, owner] of this.w.canaries) {
      if (!text.includes(value)) continue;
      const [type, field] = (owner.field === 'Item.id' ? 'Loan.item' : owner.field).split('.') as [string, string];
      const verdict = verdictFor(this.w, this.who, type, field, this.w.records.get(owner.recordId));
      if (verdict.outcome !== 'ALLOW') this.problems.push(`[${this.who.label}] LEAK: canary of ${owner.field} of ${owner.recordId}`);
    }
  }
}

/** The only messages a denial may carry: none names a person or says whether a record exists. */
export const KNOWN_MESSAGES = new Set([
  'Not authorized to read or change this.',
  'A stated purpose is required: send an X-Access-Purpose header.',
  'A valid bearer token is required.',
]);
