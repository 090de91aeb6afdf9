// One policy path (issue 16): the optimised schema (explicit rule tree, pass-through, synchronous
// answers) against plain graphql-shield on the same rule tree. The leak test's whole corpus, every
// principal × every path, runs through both on the same database; the responses and the audit rows
// each request records must be identical. Then the cases where a second reading of the tree could
// differ from the shield's: a '*' wildcard, an entry that is not a rule, a rule that throws, and a
// field with no rule at all (the deny fallback).
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  execute,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, shield, type IRules } from 'graphql-shield';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SHIELD_OPTIONS, ruleTree } from '../../src/authz/shield/permissions.js';
import type { AuditRow } from '../../src/audit/buffer.js';
import { loadConfig } from '../../src/config.js';
import { vendorSettingsFrom } from '../../src/domain/vendor-settings.js';
import { createContext, type GraphQLContext } from '../../src/graphql/context.js';
import { resolvers } from '../../src/graphql/resolvers/index.js';
import { buildUnprotectedSchema, protect } from '../../src/graphql/schema.js';
import { guardEntities } from '../../src/authz/shield/entity-gate.js';
import { loadTypeDefs } from '../../src/graphql/sdl.js';
import { identify } from '../../src/http/identify.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AUDIENCE, ISSUER, createTestIssuer, type TestIssuer } from '../support/tokens.js';
import { leakCheckInLoan, mutationCorpus, queryCorpus } from './support/corpus.js';
import { buildWorld, type World } from './support/fixtures.js';
import { PLAIN } from './support/corpus.js';
import { plan, Renderer } from './support/paths.js';
import { PRINCIPALS, type Who } from './support/oracle.js';

let db: TestDatabase;
let w: World;
let issuer: TestIssuer;
let at: Date;
const logger = createLogger('silent');
const vendorSettings = vendorSettingsFrom(
  loadConfig({ NODE_ENV: 'test', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }),
);

/**
 * The subgraph schema under plain graphql-shield: the shield's own executor for every field (the
 * entity gate, outside the rule tree, is the same on both sides).
 */
const plainShield = (schema: GraphQLSchema, tree: IRules) =>
  guardEntities(applyMiddleware(schema, shield(tree, SHIELD_OPTIONS)));

/** An audit row as the log would store it: subject, type, category, decision, basis, rule and fields. */
const auditLine = (r: AuditRow) =>
  [r.subjectId, r.typeName, r.category, r.outcome, r.basis, r.basisRef, r.rule]
    .map((x) => x ?? '-')
    .concat(r.sortedFields().key)
    .join('|');

interface Run {
  data: unknown;
  /** Every error (message, path, extensions), sorted: graphql-js lists them in completion order. */
  errors: string[];
  audit: string[];
  context: GraphQLContext;
}

/** The request's context as the server makes it: a real signed token, verified, and the stated purpose. */
async function contextFor(who: Who, requestId: string): Promise<GraphQLContext> {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (who.token) headers.authorization = `Bearer ${await issuer.mint(who.token)}`;
  if (who.purpose) headers['x-access-purpose'] = who.purpose;
  const identity = await identify(headers, issuer.verifier, false);
  return createContext(db.database.db, logger, identity, () => at, vendorSettings);
}

/** Executes as the server does, then marks failed grants as the audit plugin does before writing. */
async function run(
  schema: GraphQLSchema,
  context: GraphQLContext,
  document: DocumentNode,
  variables?: Record<string, unknown>,
): Promise<Run> {
  const result = (await execute({
    schema,
    document,
    contextValue: context,
    variableValues: variables,
  })) as ExecutionResult;
  context.audit.markFailures(result.errors);
  const json = JSON.parse(JSON.stringify(result)) as { data?: unknown; errors?: unknown[] };
  return {
    data: json.data,
    errors: (json.errors ?? []).map((e) => JSON.stringify(e)).sort(),
    audit: context.audit.entries().map(auditLine).sort(),
    context,
  };
}

/** Where two runs differ, in a few lines: data by response path, errors and audit rows by entry. */
function differencesOf(fast: Run, plain: Run): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= 5) return;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(`data${path}: fast path ${JSON.stringify(a)}, shield ${JSON.stringify(b)}`);
    }
  };
  walk(fast.data, plain.data, '');
  for (const k of ['errors', 'audit'] as const) {
    const onlyIn = (x: string[], y: string[]) => x.filter((e) => !y.includes(e)).slice(0, 3);
    for (const e of onlyIn(fast[k], plain[k])) out.push(`${k} only on the fast path: ${e}`);
    for (const e of onlyIn(plain[k], fast[k])) out.push(`${k} only under the shield: ${e}`);
  }
  return out;
}

beforeAll(async () => {
  at = new Date();
  db = await createTestDatabase();
  w = await buildWorld(db, at);
  issuer = await createTestIssuer();
}, 120_000);
afterAll(() => db?.drop());

describe('one policy path: the optimised schema answers exactly as plain graphql-shield on the same rule tree', () => {
  let optimised: GraphQLSchema;
  let plain: GraphQLSchema;
  let corpus: { name: string; document: DocumentNode; variables?: Record<string, unknown> }[];
  beforeAll(() => {
    optimised = protect(buildUnprotectedSchema());
    const unprotected = buildUnprotectedSchema();
    plain = plainShield(unprotected, ruleTree(unprotected));
    corpus = queryCorpus(unprotected, w).map((b) => ({ ...b, document: parse(b.document) }));
  });

  test.each(PRINCIPALS.map((p, i) => [p.label, p, i] as const))(
    '%s: every path of the leak corpus, responses and audit rows',
    async (_label, who, i) => {
      const differences: string[] = [];
      const compare = (name: string, fast: Run, plain: Run) =>
        differences.push(...differencesOf(fast, plain).map((d) => `${name}: ${d}`));
      for (const b of corpus) {
        const fast = await run(
          optimised,
          await contextFor(who, 'diff-fast-0001'),
          b.document,
          b.variables,
        );
        const shieldOnly = await run(
          plain,
          await contextFor(who, 'diff-plain-001'),
          b.document,
          b.variables,
        );
        compare(b.name, fast, shieldOnly);
      }
      // A mutation changes the database: the loan is put back on loan before the second run.
      for (const m of mutationCorpus(optimised, w, await leakCheckInLoan(db, w, i))) {
        const document = parse(m.document);
        const fast = await run(optimised, await contextFor(who, 'diff-fast-0002'), document);
        await leakCheckInLoan(db, w, i);
        const shieldOnly = await run(plain, await contextFor(who, 'diff-plain-002'), document);
        compare(m.entry, fast, shieldOnly);
      }
      expect(differences.slice(0, 20)).toEqual([]);
    },
  );
});

/** A patron's whole record one relation deep, by id: every kind of rule the tree gives Patron. */
const patronDocument = () => {
  const r = new Renderer(PLAIN);
  const sel = plan(buildUnprotectedSchema(), 'Patron', 1);
  return parse(r.document(`query P { patron(id: "pat_adalovelace") ${r.selection(sel)} }`));
};
const READERS = PRINCIPALS.filter((p) =>
  [
    'patron (ada: self, and others)',
    'circulation staff with purpose',
    'Director with purpose',
  ].includes(p.label),
);

/** Both paths on one document for one principal; `prepare` may alter each request's context. */
async function both(
  tree: (schema: GraphQLSchema) => IRules,
  who: Who,
  document: DocumentNode,
  prepare: (ctx: GraphQLContext) => void = () => undefined,
): Promise<{ fast: Run; plain: Run }> {
  const a = buildUnprotectedSchema();
  const b = buildUnprotectedSchema();
  const ctxA = await contextFor(who, 'diff-tree-fast1');
  const ctxB = await contextFor(who, 'diff-tree-plain');
  prepare(ctxA);
  prepare(ctxB);
  return {
    fast: await run(protect(a, tree(a)), ctxA, document),
    plain: await run(plainShield(b, tree(b)), ctxB, document),
  };
}

const same = ({ fast, plain }: { fast: Run; plain: Run }) => {
  expect(fast.data).toEqual(plain.data);
  expect(fast.errors).toEqual(plain.errors);
  expect(fast.audit).toEqual(plain.audit);
};

const codesAt = (r: Run) =>
  r.errors
    .map((e) => {
      const { path, extensions } = JSON.parse(e) as {
        path: unknown[];
        extensions: { code: string };
      };
      return `${path.join('.')}:${extensions.code}`;
    })
    .sort();

type Tree = Record<string, Record<string, unknown>>;
const treeOf = (s: GraphQLSchema) => ruleTree(s) as Tree;

describe('the rule tree is read once, as graphql-shield 7.6.5 reads it, by both paths', () => {
  test.each(READERS.map((p) => [p.label, p] as const))(
    "a '*' wildcard covers every field the type map does not name (%s)",
    async (_label, who) => {
      const tree = (s: GraphQLSchema) => {
        const t = treeOf(s);
        // Patron's identity rule for every Patron field but its id: loans and fines included.
        return { ...t, Patron: { '*': t.Patron!.email, id: allow } } as IRules;
      };
      same(await both(tree, who, patronDocument()));
    },
  );

  test.each(READERS.map((p) => [p.label, p] as const))(
    'a type map with an entry that is not a rule gives every field of the type the fallback (%s)',
    async (_label, who) => {
      const tree = (s: GraphQLSchema) => {
        const t = treeOf(s);
        return { ...t, Patron: { ...t.Patron, name: 'not a rule' } } as unknown as IRules;
      };
      const runs = await both(tree, who, patronDocument());
      same(runs);
      // Even the id (`allow` in the map) is refused: the shield ignored the whole map.
      expect(codesAt(runs.fast)).toContain('patron.id:FORBIDDEN');
      expect(runs.fast.data).toEqual({ patron: null });
    },
  );

  test.each(READERS.map((p) => [p.label, p] as const))(
    'a single rule for a type applies to each of its fields (%s)',
    async (_label, who) => {
      const tree = (s: GraphQLSchema) => {
        const t = treeOf(s);
        return { ...t, Patron: t.Patron!.email } as IRules;
      };
      same(await both(tree, who, patronDocument()));
    },
  );
});

describe('a rule that cannot decide refuses the field and is audited FAILED, on both paths', () => {
  const ada = PRINCIPALS[0]!;
  const failures = {
    'throws at once': () => {
      throw new TypeError('facts unreadable');
    },
    'rejects later': () => Promise.reject(new TypeError('clause query failed')),
  };
  test.each(Object.entries(failures))('the decision %s', async (_how, decide) => {
    const document = parse(
      `{ patron(id: "pat_adalovelace") { id name email fines(first: 5) { totalCount } } }`,
    );
    const runs = await both(treeOf as (s: GraphQLSchema) => IRules, ada, document, (ctx) => {
      ctx.authz.decide = decide as never;
    });
    same(runs);
    expect(runs.fast.data).toEqual({
      patron: { id: 'pat_adalovelace', name: null, email: null, fines: null },
    });
    expect(codesAt(runs.fast)).toEqual([
      'patron.email:FORBIDDEN',
      'patron.fines:FORBIDDEN',
      'patron.name:FORBIDDEN',
    ]);
    expect(runs.fast.audit).toEqual([
      'pat_adalovelace|Patron|FINES|FAILED|-|-|pii:FINES|fines',
      'pat_adalovelace|Patron|IDENTITY|FAILED|-|-|pii:IDENTITY|email,name',
    ]);
  });
});

describe('invariant 1: a field without a rule, in a schema protected by the same generator, is denied (the deny fallback)', () => {
  const withUnruledField = () =>
    buildSubgraphSchema([
      { typeDefs: loadTypeDefs(), resolvers: resolvers as never },
      {
        typeDefs: parse('extend type Query { unruledNote: String }'),
        resolvers: { Query: { unruledNote: () => 'a field nobody wrote a rule for' } },
      },
    ]);

  test.each(PRINCIPALS.map((p) => [p.label, p] as const))('%s', async (_label, who) => {
    const document = parse('{ unruledNote }');
    const fast = await run(
      protect(withUnruledField()),
      await contextFor(who, 'diff-unruled-1'),
      document,
    );
    const s = withUnruledField();
    const plain = await run(
      plainShield(s, ruleTree(s)),
      await contextFor(who, 'diff-unruled-2'),
      document,
    );
    expect(fast.data).toEqual({ unruledNote: null });
    expect(codesAt(fast)).toEqual(['unruledNote:FORBIDDEN']);
    same({ fast, plain });
  });
});
