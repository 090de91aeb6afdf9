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
import { buildWorld, type World } from './support/fixtures.js';
import {
  DRESSED,
  GENEROUS_LIMITS,
  leakCheckInLoan,
  mutationCorpus,
  queryCorpus,
  type CorpusBatch,
} from './support/corpus.js';
import { PRINCIPALS, categoryOf, isInternalField } from './support/oracle.js';

let t: TestServer;
let w: World;
let schema: GraphQLSchema;

type Batch = CorpusBatch & { truth: Record<string, unknown> };

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

beforeAll(async () => {
  const seededAt = new Date();
  t = await startTestServer({ env: GENEROUS_LIMITS });
  w = await buildWorld(t.db, seededAt);
  schema = buildUnprotectedSchema();
  for (const b of queryCorpus(schema, w))
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
    const loanRec = await leakCheckInLoan(t.db, w, i);
    const token = who.token ? await t.issuer.mint(who.token) : undefined;
    const problems: string[] = [];
    for (const { entry, document, sel, outcome } of mutationCorpus(schema, w, loanRec)) {
      const res = await t.gql(document, { token, purpose: who.purpose });
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
