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
  custodianOutcome,
  staffMemberOutcome,
  isInternalField,
  meOutcome,
  requesterListOutcome,
  vendorsOutcome,
  verifyCardOutcome,
  type Outcome,
  type Who,
} from './support/oracle.js';
import { plan, Renderer, type PlanSelection, type RenderStyle } from './support/paths.js';

const ROOT_DEPTH = 2;
const GENEROUS_LIMITS = {
  MAX_QUERY_DEPTH: '1000',
  MAX_ALIASES: '100000',
  MAX_QUERY_COST: '100000000',
  MAX_QUERY_TOKENS: '1000000',
  MAX_ENTITY_REPRESENTATIONS: '10000',
  MAX_BODY_BYTES: '50000000',
  EXECUTION_TIMEOUT_MS: '120000',
};
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
  /** The document the truth is computed from, when the caller's own one cannot run unprotected (`me`). */
  truthDocument?: string;
  variables?: Record<string, unknown>;
  /** Positions in the response: (trail, path, selection, outcome) with the truth beside them. */
  positions: {
    trail: string;
    path: (string | number)[];
    sel: PlanSelection;
    outcome: (who: Who) => Outcome;
    volatile?: boolean;
    truthAt?: (who: Who) => (string | number)[];
  }[];
  truth: Record<string, unknown>;
}

const batches: Batch[] = [];
const coverage = {
  fields: new Set<string>(),
  paths: new Set<string>(),
  principals: new Set<string>(),
  checks: 0,
};

/** Runs a document on the schema WITHOUT authorization, as the Director: the full truth to compare with. */
async function truthOf(
  document: string,
  variables?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const logger = createLogger('silent');
  const principal: Principal = {
    kind: 'user',
    id: 'staff_director',
    roles: new Set<Role>(['director']),
    patronId: null,
    vendorId: null,
    requesterId: null,
    scopes: new Set<string>(),
  };
  const ctx = createContext(t.db.database.db, logger, {
    requestId: 'truth-0001',
    principal,
    purpose: 'RECORDS_AUDIT',
    viaRouter: false,
  });
  const result = await execute({
    schema: buildUnprotectedSchema(),
    document: parse(document),
    contextValue: ctx,
    variableValues: variables,
  });
  if (result.errors?.length) throw new Error(`truth query failed: ${result.errors[0]!.message}`);
  return result.data as Record<string, unknown>;
}

function rootBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(PLAIN);
  const roots: Root[] = [];
  const idsOf = (type: string) =>
    [...w.records.values()].filter((x) => x.type === type).map((x) => x.id);
  const add = (
    entry: string,
    type: string,
    ids: string[],
    arg: string,
    outcome: (who: Who, id: string) => Outcome,
  ) =>
    ids.forEach((id, i) => {
      const field = entry.split('.')[1]!;
      roots.push({
        alias: `${field}_${i}`,
        entry,
        call: `${field}(${arg}: "${id}")`,
        sel: plan(schema, type, ROOT_DEPTH),
        outcome: (who) => outcome(who, id),
      });
    });
  add('Query.patron', 'Patron', [...PATRONS, 'pat_nosuchpatron'], 'id', (who, id) =>
    reachOutcome(who, id),
  );
  add('Query.patronByCardNumber', 'Patron', [...w.cardNumbers.values()], 'cardNumber', (who) =>
    deskOutcome(who),
  );
  const lookups: [string, string, Category, string][] = [
    ['Query.loan', 'Loan', 'CIRCULATION', 'loan_nosuchloan'],
    ['Query.fine', 'Fine', 'FINES', 'fine_nosuchfine'],
    ['Query.referenceConsult', 'ReferenceConsult', 'REFERENCE', 'rc_nosuchconsult'],
  ];
  for (const [entry, type, category, unknown] of lookups) {
    add(entry, type, [...idsOf(type), unknown], 'id', (who, id) =>
      lookupOutcome(w, who, category, w.records.get(id)),
    );
  }
  add(
    'Query.disclosureRequest',
    'DisclosureRequest',
    [...idsOf('DisclosureRequest'), 'dr_nosuchrequest'],
    'id',
    (who, id) => disclosureLookupOutcome(w, who, w.records.get(id)),
  );
  const body = roots.map((x) => `${x.alias}: ${x.call} ${r.selection(x.sel)}`).join('\n');
  // `me` is the caller's own record: its truth is the same selection through `patron(id:)` above.
  const me = plan(schema, 'Patron', ROOT_DEPTH);
  const mePosition = {
    trail: 'Query.me',
    path: ['me'],
    sel: me,
    outcome: meOutcome,
    truthAt: (who: Who) => [`patron_${PATRONS.indexOf(who.patronId as never)}`],
  };
  return {
    name: 'root fields (aliased roots, plain selections)',
    style: PLAIN,
    document: r.document(`query Roots {\n${body}\nme ${r.selection(me)}\n}`),
    truthDocument: r.document(`query Roots {\n${body}\n}`),
    positions: [
      ...roots.map((x) => ({ trail: x.entry, path: [x.alias], sel: x.sel, outcome: x.outcome })),
      mePosition,
    ],
  };
}

function entitiesBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(DRESSED);
  const types = ['Patron', 'Loan', 'Fine', 'ReferenceConsult', 'DisclosureRequest'];
  const reps = [...w.records.values()]
    .filter(
      (x) =>
        types.includes(x.type) &&
        (x.type !== 'Patron' || (PATRONS as readonly string[]).includes(x.id)),
    )
    .map((x) => ({ __typename: x.type, id: x.id }));
  const sels = new Map(types.map((type) => [type, plan(schema, type, ROOT_DEPTH)]));
  const inner = types.map((type) => `... on ${type} ${r.selection(sels.get(type)!)}`).join('\n');
  return {
    name: '_entities (inline and named fragments, aliased fields)',
    style: DRESSED,
    document: r.document(
      `query Entities($reps: [_Any!]!) { _entities(representations: $reps) { __typename\n${inner} } }`,
    ),
    variables: { reps },
    positions: reps.map((rep, i) => ({
      trail: `Query._entities(${rep.__typename})`,
      path: ['_entities', i],
      sel: sels.get(rep.__typename)!,
      outcome: () => 'ALLOW' as const,
    })),
  };
}

/**
 * Root fields whose type is non-null: a denial nulls the whole response, so each gets a document of
 * its own. The audit log grows with every request of this test, so its values are not compared.
 */
function soloBatches(): Omit<Batch, 'truth'>[] {
  const solo = (
    entry: string,
    call: string,
    type: string,
    outcome: (who: Who) => Outcome,
    volatile = false,
  ): Omit<Batch, 'truth'> => {
    const r = new Renderer(PLAIN);
    const sel = plan(schema, type, ROOT_DEPTH);
    return {
      name: entry,
      style: PLAIN,
      document: r.document(`query Solo { root: ${call} ${r.selection(sel)} }`),
      positions: [{ trail: entry, path: ['root'], sel, outcome, volatile }],
    };
  };
  const requesters = ['req_police', 'req_court', 'req_lawfirm'];
  return [
    // Patrons see active vendors only, staff every vendor: no single truth.
    solo('Query.vendors', 'vendors', 'Vendor', vendorsOutcome, true),
    solo(
      'Query.designations',
      'designations(includeInactive: true)',
      'Designation',
      custodianOutcome,
    ),
    solo('Query.disclosureQueue', 'disclosureQueue', 'DisclosureQueue', custodianOutcome),
    solo(
      'Query.auditEvents',
      'auditEvents(first: 100)',
      'AuditEventConnection',
      custodianOutcome,
      true,
    ),
    // Counts change as this test checks loans in; they are compared field by field, not to a truth.
    // Grouped by enum dimensions: a branch key is the library's own vocabulary (not personal), but
    // this fixture writes a unique canary into every loan's branch, so a BRANCH table would list
    // them as keys. Suppression itself is tested in test/retention/statistics.test.ts.
    solo(
      'Query.statistics',
      `statistics(measure: REFERENCE_CONSULTS, year: ${new Date().getUTCFullYear()}, rows: CHANNEL, columns: AGE_BAND)`,
      'StatisticsTable',
      staffMemberOutcome,
      true,
    ),
    ...requesters.map((id) =>
      solo(
        'Query.requesterDisclosureRequests',
        `requesterDisclosureRequests(requesterId: "${id}", first: 100)`,
        'DisclosureRequestConnection',
        (who) => requesterListOutcome(who, id),
      ),
    ),
  ];
}

function searchBatch(): Omit<Batch, 'truth'> {
  const r = new Renderer(DRESSED);
  const sel = plan(schema, 'PatronConnection', ROOT_DEPTH);
  return {
    name: 'patrons search (fragments, aliased fields)',
    style: DRESSED,
    document: r.document(
      `query Search { a_Query_patrons: patrons(search: { namePrefix: "CANARY" }, first: 100) ${r.selection(sel)} }`,
    ),
    positions: [
      {
        trail: 'Query.patrons',
        path: ['a_Query_patrons'],
        sel,
        outcome: (who) => deskOutcome(who),
      },
    ],
  };
}

beforeAll(async () => {
  const seededAt = new Date();
  // The documents are generated from the whole schema: far beyond the production limits on body
  // size, depth, aliases, tokens and cost, which the hardening tests prove on their own.
  t = await startTestServer({ env: GENEROUS_LIMITS });
  w = await buildWorld(t.db, seededAt);
  schema = buildUnprotectedSchema();
  for (const b of [rootBatch(), entitiesBatch(), searchBatch(), ...soloBatches()])
    batches.push({ ...b, truth: await truthOf(b.truthDocument ?? b.document, b.variables) });
}, 120_000);
afterAll(() => t?.stop());

const at = (data: unknown, path: (string | number)[]) =>
  path.reduce<unknown>(
    (v, k) => (v === null || v === undefined ? null : (v as Record<string | number, unknown>)[k]),
    data,
  );

describe('reg. 3, 4, 6, 7, 14: no personal field reaches anyone the oracle does not name, on any path', () => {
  test.each(PRINCIPALS.map((p) => [p.label, p] as const))('%s', async (_label, who) => {
    const problems: string[] = [];
    for (const b of batches) {
      const res = await t.gql(b.document, {
        token: who.token ? await t.issuer.mint(who.token) : undefined,
        purpose: who.purpose,
        variables: b.variables,
      });
      expect(res.status, `${b.name}: HTTP status ${JSON.stringify(res.body.errors?.[0])}`).toBe(
        200,
      );
      const c = new Checker(w, who, b.style);
      for (const pos of b.positions) {
        c.root(
          pos.trail,
          pos.path,
          pos.outcome(who),
          pos.sel,
          pos.volatile ? undefined : (at(b.truth, pos.truthAt?.(who) ?? pos.path) as never),
          at(res.body.data, pos.path) as never,
        );
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

/**
 * The two object types only mutations return. Each principal checks in a loan of its own (ada's:
 * she keeps history, so it stays linked to her) and verifies ada's card with the demo PIN; the
 * results are held to the oracle field by field (there is no truth to run a mutation twice).
 */
describe('reg. 3, 4, 7: mutation results (CheckInResult, CardVerification) carry only what the oracle permits', () => {
  test.each(PRINCIPALS.map((p, i) => [p.label, p, i] as const))('%s', async (_label, who, i) => {
    const loanId = `loan_leakcheckin${'abcdefghijklmnopqrstuvwxyz'[i]}`; // ids are base32
    await t.db.raw(
      `insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at) values ($1, 'pat_adalovelace', 'item_leak', 'book', 'MAIN', $2, $3)`,
      [
        loanId,
        new Date(w.seededAt.getTime() - 86_400_000),
        new Date(w.seededAt.getTime() + 86_400_000),
      ],
    );
    const loanRec = {
      type: 'Loan' as const,
      id: loanId,
      patronId: 'pat_adalovelace',
      at: null,
      current: false,
      librarianId: null,
    };
    w.records.set(loanId, loanRec);
    const token = who.token ? await t.issuer.mint(who.token) : undefined;
    const problems: string[] = [];
    const docs: [string, string, string, (x: Who) => Outcome][] = [
      ['Mutation.checkIn', `checkIn(loanId: "${loanId}")`, 'CheckInResult', deskOutcome],
      [
        'Mutation.verifyCard',
        `verifyCard(cardNumber: "${w.cardNumbers.get('pat_adalovelace')}", pin: "2468")`,
        'CardVerification',
        verifyCardOutcome,
      ],
    ];
    for (const [entry, call, type, outcome] of docs) {
      const r = new Renderer(DRESSED);
      const sel = plan(schema, type, ROOT_DEPTH);
      const res = await t.gql(r.document(`mutation M { root: ${call} ${r.selection(sel)} }`), {
        token,
        purpose: who.purpose,
      });
      expect(res.status).toBe(200);
      const c = new Checker(w, who, DRESSED);
      c.root(
        entry,
        ['root'],
        outcome(who),
        sel,
        undefined,
        (res.body.data?.root ?? null) as never,
        loanRec,
      );
      c.errors(res.body.errors as never);
      c.canaries(res.body);
      problems.push(...c.problems.map((p) => `${entry}: ${p}`));
      c.fields.forEach((f) => coverage.fields.add(f));
      c.paths.forEach((p) => coverage.paths.add(p));
      coverage.checks += c.checks;
    }
    expect(problems.slice(0, 30)).toEqual([]);
  });
});

/** Every field of every non-root object type: what the classification covers. */
function classifiedFields(s: GraphQLSchema): string[] {
  return Object.values(s.getTypeMap())
    .filter(
      (ty) =>
        isObjectType(ty) &&
        !ty.name.startsWith('_') &&
        !['Query', 'Mutation', 'Subscription'].includes(ty.name),
    )
    .flatMap((ty) =>
      Object.keys((ty as { getFields(): Record<string, unknown> }).getFields()).map(
        (f) => `${ty.name}.${f}`,
      ),
    );
}

test('the oracle reads the classification as the SDL writes it (@pii category / @public / @internal)', () => {
  const seen = classifiedFields(schema).map((key) => {
    const [type, field] = key.split('.') as [string, string];
    const directives =
      (
        schema.getType(type) as {
          getFields(): Record<
            string,
            {
              astNode?: {
                directives?: readonly {
                  name: { value: string };
                  arguments?: readonly { name: { value: string }; value: { value?: unknown } }[];
                }[];
              };
            }
          >;
        }
      ).getFields()[field]!.astNode?.directives ?? [];
    const pii = directives.find((d) => d.name.value === 'pii');
    const sdl = pii
      ? String(pii.arguments!.find((a) => a.name.value === 'category')!.value.value)
      : directives.some((d) => d.name.value === 'internal')
        ? 'internal'
        : null;
    return [key, sdl] as const;
  });
  const oracle = (type: string, field: string) =>
    isInternalField(type, field) ? 'internal' : categoryOf(type, field);
  expect(
    seen.filter(([key, sdl]) => oracle(...(key.split('.') as [string, string])) !== sdl),
  ).toEqual([]);
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
