// What the writer sends audit_append_rows (drizzle/0016): a request's decisions grouped (one row per
// type, fields and decision, listing the patrons it covered), each distinct patron list once per
// request, every patron as the pseudonym of its key for the request's month.
import { isStaff, type Principal } from '../auth/principal.js';
import type { AccessPurpose } from '../auth/purpose.js';
import type { AuditRow, RequestFacts, SortedFields } from './buffer.js';

export interface DecisionGroup {
  typeName: string;
  fields: string[];
  category: AuditRow['category'];
  outcome: AuditRow['outcome'];
  basis: AuditRow['basis'];
  basisRef: string | null;
  rule: string;
  /** Patron ids (pseudonymised before they are sent); empty for anonymised records. */
  subjects: string[];
}

/** A request's groups by patron id, before its patrons are pseudonymised. */
export interface WireRequest {
  atMs: number;
  requestId: string;
  operationName: string | null;
  documentHash: string | null;
  principalKind: Principal['kind'];
  /** Staff, requesters, vendors and the system by id; null for a patron (principalPatron). */
  principalId: string | null;
  /** A patron who asked, by patron id: stored as their pseudonym, like a subject. */
  principalPatron: string | null;
  principalRoles: string[];
  purpose: AccessPurpose | null;
  viaRouter: boolean;
  subjectSets: string[][];
  groups: (Omit<DecisionGroup, 'subjects'> & { set: number })[];
}

/** One format-3 row as audit_append_rows reads it: `subjects` on a list's first row, `back` on the others. */
export type WireRow = Omit<WireRequest, 'principalPatron' | 'subjectSets' | 'groups'> &
  Omit<DecisionGroup, 'subjects'> &
  ({ subjects: string[] } | { back: number });

/** Who asked, as a request's rows record it (the writer's AuditActor). */
export interface RequestActor {
  principal: Principal;
  requestId: string;
  purpose: AccessPurpose | null;
  viaRouter: boolean;
}

/** The request as the writer queues it: its decisions grouped, its patrons still by id. */
export function requestOf(
  actor: RequestActor,
  facts: RequestFacts,
  atMs: number,
  rows: readonly AuditRow[],
): WireRequest {
  const p = actor.principal;
  // A patron principal is stored as a pseudonym (like a subject); staff, requesters and vendors by id.
  const principalPatron = p.patronId && !isStaff(p) ? p.patronId : null;
  const { subjectSets, groups } = onTheWire(decisionGroups(rows));
  return {
    atMs,
    requestId: actor.requestId,
    operationName: facts.operationName,
    documentHash: facts.documentHash,
    principalKind: p.kind,
    principalId: principalPatron ? null : p.id,
    principalPatron,
    principalRoles: [...p.roles].sort(),
    purpose: actor.purpose,
    viaRouter: actor.viaRouter,
    subjectSets,
    groups,
  };
}

/** Every patron the request names: its subjects and a patron who asked. */
export function patronsOf(request: WireRequest): string[] {
  const patrons = request.subjectSets.flat();
  if (request.principalPatron !== null) patrons.push(request.principalPatron);
  return patrons;
}

/**
 * The request's rows with each patron as its pseudonym (`pseudonymOf` answers for the request's
 * month). Throws if one is missing: a row is never written with a patron id.
 */
export function wireRows(
  request: WireRequest,
  pseudonymOf: (patronId: string) => string | undefined,
): WireRow[] {
  const name = (patron: string) => {
    const pseudonym = pseudonymOf(patron);
    if (pseudonym === undefined) throw new Error('audit: a patron has no pseudonym for the period');
    return pseudonym;
  };
  const principalId =
    request.principalPatron !== null ? name(request.principalPatron) : request.principalId;
  const firstRowOf = new Map<number, number>();
  return request.groups.map((group, i) => {
    const first = firstRowOf.get(group.set);
    const row = rowHead(request, principalId, group);
    if (first !== undefined) return Object.assign(row, { back: i - first });
    firstRowOf.set(group.set, i);
    // Byte order (as the database's "C" collation), so the same patrons are the same list.
    return Object.assign(row, { subjects: request.subjectSets[group.set]!.map(name).sort() });
  });
}

/**
 * A row's columns but its patron list, property by property: rest and spread patterns over these
 * objects cost ~70 µs for a request's four rows (V8's generic copy), more than the rest of the
 * request's audit work.
 */
function rowHead(
  request: WireRequest,
  principalId: string | null,
  group: WireRequest['groups'][number],
): Omit<WireRow, 'subjects' | 'back'> {
  return {
    atMs: request.atMs,
    requestId: request.requestId,
    operationName: request.operationName,
    documentHash: request.documentHash,
    principalKind: request.principalKind,
    principalId,
    principalRoles: request.principalRoles,
    purpose: request.purpose,
    viaRouter: request.viaRouter,
    typeName: group.typeName,
    fields: group.fields,
    category: group.category,
    outcome: group.outcome,
    basis: group.basis,
    basisRef: group.basisRef,
    rule: group.rule,
  };
}

/**
 * One group per (type, fields, category, outcome, basis, basis ref, rule): the patrons that had
 * exactly the same decision over exactly the same fields. Every (patron, field, decision) of the
 * request stays recoverable, while 100 patrons read alike are one row. Sorted, so the same request
 * logs the same rows whatever order its resolvers finished in.
 */
export function decisionGroups(rows: readonly AuditRow[]): DecisionGroup[] {
  // Rows with equal field lists share one SortedFields object (buffer.ts), so grouping compares
  // references: no key string per row. A list holds the few groups of one field list.
  const byFields = new Map<SortedFields, DecisionGroup[]>();
  const keyed: { key: string; group: DecisionGroup }[] = [];
  for (const r of rows) {
    const sorted = r.sortedFields();
    let list = byFields.get(sorted);
    if (!list) byFields.set(sorted, (list = []));
    let g: DecisionGroup | undefined;
    for (const x of list) {
      if (
        x.typeName === r.typeName &&
        x.rule === r.rule &&
        r.sameDecision(x.category, x.outcome, x.basis, x.basisRef)
      ) {
        g = x;
        break;
      }
    }
    if (!g) {
      g = {
        typeName: r.typeName,
        fields: [...sorted.fields],
        category: r.category,
        outcome: r.outcome,
        basis: r.basis,
        basisRef: r.basisRef,
        rule: r.rule,
        subjects: [],
      };
      list.push(g);
      keyed.push({
        key: `${r.typeName}|${sorted.key}|${r.category}|${r.outcome}|${r.basis}|${r.basisRef}|${r.rule}`,
        group: g,
      });
    }
    // A buffer row is one subject's, so a subject appears in a group at most once.
    if (r.subjectId !== null) g.subjects.push(r.subjectId);
  }
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.group);
}

/**
 * Each distinct subject list once, and each group naming its list by index: a 100-patron page's
 * four groups share one list, pseudonymised, sorted, stored and indexed once.
 */
export function onTheWire(groups: readonly DecisionGroup[]): {
  subjectSets: string[][];
  groups: WireRequest['groups'];
} {
  const subjectSets: string[][] = [];
  const members: Set<string>[] = [];
  // The same patrons in any order are one list. A group names a patron at most once, so a list of
  // the same length that has every one of them is the same list.
  const sameList = (i: number, subjects: readonly string[]) =>
    subjectSets[i]!.length === subjects.length &&
    subjects.every((s) => (members[i] ??= new Set(subjectSets[i])).has(s));
  const wire = groups.map((g) => {
    let set = subjectSets.findIndex((_, i) => sameList(i, g.subjects));
    if (set === -1) set = subjectSets.push(g.subjects) - 1;
    const { typeName, fields, category, outcome, basis, basisRef, rule } = g;
    return { typeName, fields, category, outcome, basis, basisRef, rule, set };
  });
  return { subjectSets, groups: wire };
}
