// The exhaustive leak test (DESIGN invariants 1 and 2; MNG-1 reg. 3, 4, 6, 7, 14). Field paths come
// from the schema: every field of every protected type, from every root field, through every
// relation, through `_entities`, with aliases and fragments. Every text field of every record holds
// a unique canary. Each kind of principal runs every path; each response is held, position by
// position, to the ORACLE in support/oracle.ts (written apart from src/authz), and scanned for
// canaries the oracle does not permit.
import { execute, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Principal, Role } from '../../src/auth/principal.js';
import { createContext } from '../../src/graphql/context.js';
import { buildUnprotectedSchema } from '../../src/graphql/schema.js';
import { createLogger } from '../../src/logger.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Checker } from './support/checker.js';
import { PATRONS, buildWorld, type World } from './support/fixtures.js';
import {
  PRINCIPALS,
  categoryOf,
  deskOutcome,
  disclosureLookupOutcome,
  lookupOutcome,
  reachOutcome,
  type Category,
  type Outcome,
  type Who,
} from './support/oracle.js';
import { plan, Renderer, type PlanSelection, type RenderStyle } from './support/paths.js';

const ROOT_DEPTH = 2;
const PLAIN: RenderStyle = { alias: false, fragments: false };
const DRESSED: RenderStyle = { alias: true, fragments: true };

let t: TestServer;
let w: World;
let schema: GraphQLSchema;

interface Root {
  alias: string;
  /** The root field, e.g. Query.loan. */
  entry: string;
  call: string;
  sel: PlanSelection;
  outcome: (who: Who) => Outcome;
}

interface Batch {
  name: string;
  style: RenderStyle;
  document: string;
  variables?: Record<string, unknown>;
  /** Positions in the response: (trail, path, selection, outcome) with the truth beside them. */
  positions: { trail: string; path: (string | number)[]; sel: PlanSelection; outcome: (who: Who) => Outcome }[];
  truth: Record<string, unknown>;
}

const batches: Batch[] = [];
const coverage = { fields: new Set<string>(), paths: new Set<string>(), principals: new Set<string>(), checks: 0 };

/** Runs a document on the schema WITHOUT authorization, as the Director: the full truth to compare with. */
async function truthOf(document: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const logger = createLogger('silent');
  const principal: Principal = { kind: 'user', id: 'staff_director', roles: new Set<Role>(['director']), patronId: null, vendorId: null, requesterId: null, scopes: new Set<string>() };
  const ctx = createContext(t.db.database.db, logger, { requestId: 'truth-0001', principal, purpose: 'RECORDS_AUDIT', viaRouter: false });
  const result = await execute({ schema: buildUnprotectedSchema(), document: parse(document), contextValue: ctx, variableValues: variables });
  if (result.errors?.length) throw new Error(`truth query failed: ${result.errors[0]!.message}`);
  return result.data as Record<string, unknown>;
}

function rootBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(PLAIN);
  const roots: Root[] = [];
  const idsOf = (type: string) => [...w.records.values()].filter((x) => x.type === type).map((x) => x.id);
  const add = (entry: string, type: string, ids: string[], arg: string, outcome: (who: Who, id: string) => Outcome) =>
    ids.forEach((id, i) => {
      const field = entry.split('.')[1]!;
      roots.push({ alias: `${field}_${i}`, entry, call: `${field}(${arg}: "${id}")`, sel: plan(schema, type, ROOT_DEPTH), outcome: (who) => outcome(who, id) });
    });
  add('Query.patron', 'Patron', [...PATRONS, 'pat_nosuchpatron'], 'id', (who, id) => reachOutcome(who, id));
  add('Query.patronByCardNumber', 'Patron', [...w.cardNumbers.values()], 'cardNumber', (who) => deskOutcome(who));
  const lookups: [string, string, Category, string][] = [
    ['Query.loan', 'Loan', 'CIRCULATION', 'loan_nosuchloan'],
    ['Query.fine', 'Fine', 'FINES', 'fine_nosuchfine'],
    ['Query.referenceConsult', 'ReferenceConsult', 'REFERENCE', 'rc_nosuchconsult'],
  ];
  for (const [entry, type, category, unknown] of lookups) {
    add(entry, type, [...idsOf(type), unknown], 'id', (who, id) => lookupOutcome(w, who, category, w.records.get(id)));
  }
  add('Query.disclosureRequest', 'DisclosureRequest', [...idsOf('DisclosureRequest'), 'dr_nosuchrequest'], 'id', (who, id) =>
    disclosureLookupOutcome(w, who, w.records.get(id)),
  );
  const body = roots.map((x) => `${x.alias}: ${x.call} ${r.selection(x.sel)}`).join('\n');
  return {
    name: 'root fields (aliased roots, plain selections)',
    style: PLAIN,
    document: r.document(`query Roots {\n${body}\n}`),
    positions: roots.map((x) => ({ trail: x.entry, path: [x.alias], sel: x.sel, outcome: x.outcome })),
  };
}

function entitiesBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(DRESSED);
  const types = ['Patron', 'Loan', 'Fine', 'ReferenceConsult', 'DisclosureRequest'];
  const reps = [...w.records.values()]
    .filter((x) => types.includes(x.type) && (x.type !== 'Patron' || (PATRONS as readonly string[]).includes(x.id)))
    .map((x) => ({ __typename: x.type, id: x.id }));
  const sels = new Map(types.map((type) => [type, plan(schema, type, ROOT_DEPTH)]));
  const inner = types.map((type) => `... on ${type} ${r.selection(sels.get(type)!)}`).join('\n');
  return {
    name: '_entities (inline and named fragments, aliased fields)',
    style: DRESSED,
    document: r.document(`query Entities($reps: [_Any!]!) { _entities(representations: $reps) { __typename\n${inner} } }`),
    variables: { reps },
    positions: reps.map((rep, i) => ({ trail: `Query._entities(${rep.__typename})`, path: ['_entities', i], sel: sels.get(rep.__typename)!, outcome: () => 'ALLOW' as const })),
  };
}

function searchBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(DRESSED);
  const sel = plan(schema, 'PatronConnection', ROOT_DEPTH);
  return {
    name: 'patrons search (fragments, aliased fields)',
    style: DRESSED,
    document: r.document(`query Search { a_Query_patrons: patrons(search: { namePrefix: "CANARY" }, first: 100) ${r.selection(sel)} }`),
    positions: [{ trail: 'Query.patrons', path: ['a_Query_patrons'], sel, outcome: (who) => deskOutcome(who) }],
  };
}

beforeAll(async () => {
  const seededAt = new Date();
  t = await startTestServer();
  w = await buildWorld(t.db, seededAt);
  schema = buildUnprotectedSchema();
  for (const b of [rootBatch(), entitiesBatch(), searchBatch()]) batches.push({ ...b, truth: await truthOf(b.document, b.variables) });
}, 120_000);
afterAll(() => t?.stop());

const at = (data: unknown, path: (string | number)[]) =>
  path.reduce<unknown>((v, k) => (v === null || v === undefined ? null : (v as Record<string | number, unknown>)[k]), data);

describe('reg. 3, 4, 6, 7, 14: no personal field reaches anyone the oracle does not name, on any path', () => {
  test.each(PRINCIPALS.map((p) => [p.label, p] as const))('%s', async (_label, who) => {
    const problems: string[] = [];
    for (const b of batches) {
      const res = await t.gql(b.document, { token: who.token ? await t.issuer.mint(who.token) : undefined, purpose: who.purpose, variables: b.variables });
      expect(res.status, `${b.name}: HTTP status ${JSON.stringify(res.body.errors?.[0])}`).toBe(200);
      const c = new Checker(w, who, b.style);
      for (const pos of b.positions) {
        c.root(pos.trail, pos.path, pos.outcome(who), pos.sel, at(b.truth, pos.path) as never, at(res.body.data, pos.path) as never);
      }
      c.errors(res.body.errors as never);
      c.canaries(res.body);
      problems.push(...c.problems.map((p) => `${b.name}: ${p}`));
      c.fields.forEach((f) => coverage.fields.add(f));
      c.paths.forEach((p) => coverage.paths.add(p));
      coverage.checks += c.checks;
    }
    coverage.principals.add(who.label);
    expect(problems.slice(0, 30)).toEqual([]);
  });
});

/** Every field of every non-root object type: what the classification covers. */
function classifiedFields(s: GraphQLSchema): string[] {
  return Object.values(s.getTypeMap())
    .filter((ty) => isObjectType(ty) && !ty.name.startsWith('_') && !['Query', 'Mutation', 'Subscription'].includes(ty.name))
    .flatMap((ty) => Object.keys((ty as { getFields(): Record<string, unknown> }).getFields()).map((f) => `${ty.name}.${f}`));
}

test('the oracle reads the classification as the SDL writes it (@pii category / @public)', () => {
  const seen = classifiedFields(schema).map((key) => {
    const [type, field] = key.split('.') as [string, string];
    const directives = (schema.getType(type) as { getFields(): Record<string, { astNode?: { directives?: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: { value?: unknown } }[] }[] } }> }).getFields()[field]!.astNode?.directives ?? [];
    const pii = directives.find((d) => d.name.value === 'pii');
    const sdl = pii ? String(pii.arguments!.find((a) => a.name.value === 'category')!.value.value) : null;
    return [key, sdl] as const;
  });
  expect(seen.filter(([key, sdl]) => categoryOf(...(key.split('.') as [string, string])) !== sdl)).toEqual([]);
});

test('coverage: every classified field × every principal × every path (fails below 100%)', () => {
  const all = classifiedFields(schema);
  const missed = all.filter((f) => !coverage.fields.has(f));
  const pct = ((all.length - missed.length) / all.length) * 100;
  // Printed on purpose: the figure the issue asks for.
  console.info(
    `leak test coverage: ${all.length - missed.length}/${all.length} classified fields (${pct.toFixed(1)}%) × ${coverage.principals.size} principals × ${coverage.paths.size} distinct paths; ${coverage.checks} positions checked`,
  );
  expect(missed).toEqual([]);
  expect(coverage.principals.size).toBe(PRINCIPALS.length);
});
