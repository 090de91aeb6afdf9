// Walks a response along its plan beside the unprotected "truth" response for the same document,
// and holds every position to the oracle: a permitted field equals the truth, a denied field is
// null with a typed error at its exact path, a list holds exactly the records the principal may
// see. Also scans the whole body for canaries the oracle does not permit.
import type { World, RecordRow } from './fixtures.js';
import {
  categoryOf,
  disclosureVerdict,
  fieldVerdict,
  internalVerdict,
  isInternalField,
  listKeeps,
  type Outcome,
  type Verdict,
  type Who,
} from './oracle.js';
import { fieldOf, keyOf, type PlanField, type PlanSelection, type RenderStyle } from './paths.js';

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Path = (string | number)[];

const ALLOWED: Verdict = { outcome: 'ALLOW', basis: null };

/** Types decided by their disclosure request (the record handed down from the request). */
const OF_REQUEST = new Set(['DisclosureRequest', 'DisclosureEvent', 'DisclosureRelease']);
/** Types whose records are the patron's own rows, identified by their `id`. */
const BY_ID = new Set([
  'Patron',
  'Loan',
  'Fine',
  'Payment',
  'ReferenceConsult',
  'DisclosureRequest',
  'GuardianGrant',
  'Consent',
  'VendorEnrolment',
]);
/**
 * Read from the audit log, which grows with every request of the test itself: no truth to compare
 * values with, so each item actually returned is held to the oracle field by field.
 */
const VOLATILE = new Set(['AccessLogConnection', 'AuditEventConnection', 'DisclosureRelease']);
/** Rows of the audit log and the console's aggregates of it: about no one record, the custodian's alone. */
const AUDIT_AGGREGATES = new Set([
  'AuditEvent',
  'AccessTimelineDay',
  'AuditLogHealth',
  'AuditVerification',
]);

/** The oracle's verdict for one field of one record (the record of a DisclosureEvent is its request). */
export function verdictFor(
  w: World,
  who: Who,
  type: string,
  field: string,
  rec: RecordRow | undefined,
): Verdict {
  if (isInternalField(type, field)) return internalVerdict(who);
  const category = categoryOf(type, field);
  if (category === null) return ALLOWED;
  if (!rec) throw new Error(`no record facts for ${type}.${field}`);
  if (OF_REQUEST.has(type)) return disclosureVerdict(w, who, rec, `${type}.${field}`);
  return fieldVerdict(w, who, rec, category, field);
}

/** Audit events name patrons only by pseudonym: a record of nobody in particular. */
const NOBODY: RecordRow = {
  type: 'Patron',
  id: '',
  patronId: null,
  at: null,
  current: true,
  librarianId: null,
};

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
    if (value !== null)
      this.problem(
        path,
        `denied (${outcome}) but came back ${JSON.stringify(value)?.slice(0, 120)}`,
      );
    this.expectedErrors.push(`${JSON.stringify(path)} ${outcome}`);
  }

  /** A root field (or `_entities` item) whose access was decided by `outcome`; truth null: values are not compared. */
  root(
    trail: string,
    path: Path,
    outcome: Outcome,
    sel: PlanSelection,
    truth: Json | undefined,
    actual: Json | undefined,
    parent?: RecordRow,
  ) {
    if (outcome !== 'ALLOW') return this.expectDenied(path, actual ?? null, outcome);
    if (Array.isArray(actual)) {
      const items = (truth === undefined ? actual : truth) as Json[];
      if (!Array.isArray(items) || items.length !== actual.length)
        return this.problem(
          path,
          `expected ${JSON.stringify(items)?.slice(0, 80)}, got ${actual.length} items`,
        );
      return items.forEach((n, i) =>
        this.object(trail, [...path, i], sel, n, actual[i]!, parent, truth === undefined),
      );
    }
    if (truth === undefined)
      return this.object(trail, path, sel, actual ?? null, actual ?? null, parent, true);
    this.object(trail, path, sel, truth ?? null, actual ?? null, parent, false);
  }

  /** The record whose facts decide the fields of `sel` (its own row, or the one it was reached from). */
  private recordOf(
    sel: PlanSelection,
    t: Obj,
    parent: RecordRow | undefined,
  ): RecordRow | undefined {
    if (AUDIT_AGGREGATES.has(sel.type)) return NOBODY;
    if (!BY_ID.has(sel.type)) return parent;
    const own = this.w.records.get(String(t[keyOf(fieldOf(sel, 'id'), this.style)]));
    // A guardian grant is the record of the patron whose list it was read from.
    if (own?.type === 'GuardianGrant') return { ...own, patronId: parent?.patronId ?? null };
    return own;
  }

  /** `loose`: the truth is the response itself (volatile data): only the oracle's verdicts are checked. */
  object(
    trail: string,
    path: Path,
    sel: PlanSelection,
    truth: Json,
    actual: Json,
    parent: RecordRow | undefined,
    loose: boolean,
  ) {
    this.checks++;
    if (truth === null || actual === null) {
      if (truth !== actual)
        this.problem(
          path,
          `expected ${truth === null ? 'null' : 'an object'}, got ${JSON.stringify(actual)?.slice(0, 120)}`,
        );
      return;
    }
    const t = truth as Obj;
    const a = actual as Obj;
    const rec = this.recordOf(sel, t, parent);
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
      const volatile = loose || (f.child !== null && VOLATILE.has(f.child.type));
      this.value(
        fieldTrail,
        here,
        f,
        verdict,
        volatile ? (a[key] ?? null) : (t[key] ?? null),
        a[key] ?? null,
        rec,
        volatile,
      );
    }
  }

  private value(
    trail: string,
    path: Path,
    f: PlanField,
    verdict: Verdict,
    truth: Json,
    actual: Json,
    rec: RecordRow | undefined,
    loose: boolean,
  ) {
    this.checks++;
    if (!f.child) {
      if (JSON.stringify(truth) !== JSON.stringify(actual))
        this.problem(path, `expected ${JSON.stringify(truth)}, got ${JSON.stringify(actual)}`);
      return;
    }
    if (f.child.type.endsWith('Connection') && !loose) {
      return this.object(
        trail,
        path,
        f.child,
        this.narrowed(f, verdict, truth),
        actual,
        rec,
        loose,
      );
    }
    if (f.list) {
      if (truth === null || actual === null)
        return this.object(trail, path, f.child, truth, actual, rec, loose);
      const kept = loose
        ? (truth as Json[])
        : (truth as Json[]).filter((n) => this.keeps(f, rec, n as Obj));
      const got = actual as Json[];
      if (kept.length !== got.length)
        return this.problem(path, `expected ${kept.length} items, got ${got.length}`);
      kept.forEach((n, i) => this.object(trail, [...path, i], f.child!, n, got[i]!, rec, loose));
      if (f.child.type === 'DisclosureRelease') this.ownReleasesOnly(path, f.child, got, rec);
      return;
    }
    this.object(trail, path, f.child, truth, actual, rec, loose);
  }

  /** A patron named on a request reads what was released about them, not about the others it names. */
  private ownReleasesOnly(
    path: Path,
    sel: PlanSelection,
    got: Json[],
    request: RecordRow | undefined,
  ) {
    if (!request || disclosureVerdict(this.w, this.who, request).basis !== 'SELF') return;
    const key = keyOf(fieldOf(sel, 'patronId'), this.style);
    got.forEach((n, i) => {
      if ((n as Obj)[key] !== this.who.patronId)
        this.problem([...path, i], `a release about someone else: ${JSON.stringify(n)}`);
    });
  }

  /** Fine.payments: narrowed like the patron's fines (a requester's date ranges). */
  private keeps(f: PlanField, rec: RecordRow | undefined, node: Obj): boolean {
    // A patron named on a request with others sees only themself among its patrons.
    if (`${f.type}.${f.name}` === 'DisclosureRequest.patrons') {
      return (
        disclosureVerdict(this.w, this.who, rec!).basis !== 'SELF' ||
        node[keyOf(fieldOf(f.child!, 'id'), this.style)] === this.who.patronId
      );
    }
    if (`${f.type}.${f.name}` !== 'Fine.payments' || !rec?.patronId) return true;
    const patron = this.w.records.get(rec.patronId)!;
    const basis = fieldVerdict(this.w, this.who, patron, 'FINES', 'fines').basis;
    return listKeeps(
      this.w,
      this.who,
      'Fine.payments',
      basis,
      this.w.records.get(String(node[keyOf(fieldOf(f.child!, 'id'), this.style)]))!,
    );
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
      listKeeps(
        this.w,
        this.who,
        `${f.type}.${f.name}`,
        verdict.basis,
        this.w.records.get(String(n[key(nodesSel, 'id')]))!,
      ),
    );
    const info = t[key(conn, 'pageInfo')] as Obj;
    if (info[key(infoSel, 'hasNextPage')] !== false)
      throw new Error('the leak test expects every list to fit one page');
    const last = nodes.at(-1);
    return {
      ...t,
      [key(conn, 'nodes')]: nodes,
      [key(conn, 'pageInfo')]: {
        [key(infoSel, 'hasNextPage')]: false,
        [key(infoSel, 'endCursor')]: last
          ? Buffer.from(String(last[key(nodesSel, 'id')])).toString('base64url')
          : null,
      },
    };
  }

  /** Errors: exactly the expected (path, code) pairs, each with a message that names no one. */
  errors(
    errors: { message: string; path?: Path; extensions?: Record<string, unknown> }[] | undefined,
  ) {
    const actual = (errors ?? [])
      .map((e) => `${JSON.stringify(e.path)} ${String(e.extensions?.code)}`)
      .sort();
    const expected = [...this.expectedErrors].sort();
    const missing = expected.filter((e) => !actual.includes(e));
    const extra = actual.filter((e) => !expected.includes(e));
    for (const m of missing.slice(0, 5))
      this.problems.push(`[${this.who.label}] missing error ${m}`);
    for (const x of extra.slice(0, 5))
      this.problems.push(`[${this.who.label}] unexpected error ${x}`);
    if (missing.length > 5 || extra.length > 5)
      this.problems.push(
        `[${this.who.label}] … ${missing.length} missing, ${extra.length} unexpected errors in all`,
      );
    const messages = new Set((errors ?? []).map((e) => e.message));
    for (const m of messages) {
      if (!KNOWN_MESSAGES.has(m))
        this.problems.push(`[${this.who.label}] unexpected error message: ${m}`);
    }
    this.expectedErrors.length = 0;
  }

  /** Every canary in the body must be one the oracle lets this principal read. */
  canaries(body: unknown) {
    const text = JSON.stringify(body);
    for (const [value, owner] of this.w.canaries) {
      if (!text.includes(value)) continue;
      const [type, field] = (owner.field === 'Item.id' ? 'Loan.item' : owner.field).split('.') as [
        string,
        string,
      ];
      const rec = this.w.records.get(owner.recordId);
      // A grant's fields are readable from either party's record.
      const views = rec?.parties ? rec.parties.map((patronId) => ({ ...rec, patronId })) : [rec];
      if (views.every((v) => verdictFor(this.w, this.who, type, field, v).outcome !== 'ALLOW'))
        this.problems.push(
          `[${this.who.label}] LEAK: canary of ${owner.field} of ${owner.recordId}`,
        );
    }
  }
}

/** The only messages a denial may carry: none names a person or says whether a record exists. */
export const KNOWN_MESSAGES = new Set([
  'Not authorized to read or change this.',
  'A stated purpose is required: send an X-Access-Purpose header.',
  'A valid bearer token is required.',
]);
