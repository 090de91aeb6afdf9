// Property-based fuzzing of the whole SDL (issue 16): fast-check builds operations from the schema
// itself (any root field, random arguments inline or as variables, random selections through
// every relation, fragments on abstract types, `_entities` representations) and sends them over
// HTTP as every kind of principal, to the leak test's world, where every text field of every record
// holds a canary. Properties: no answer is an internal error (HTTP 5xx or INTERNAL_SERVER_ERROR),
// and no canary reaches a principal the oracle (support/oracle.ts, written apart from src/authz)
// gives no basis for. Fixed seed and run counts: the same operations on every run.
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { buildUnprotectedSchema } from '../../src/graphql/schema.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Checker } from './support/checker.js';
import { buildWorld, type World } from './support/fixtures.js';
import { PRINCIPALS } from './support/oracle.js';
import { PLAIN } from './support/corpus.js';

const SEED = 16;
/** Operations per principal: 22 principals × (30 + 4) = 748 requests, about 20 s on a quiet machine. */
const QUERIES = 30;
const MUTATIONS = 4;
const MAX_DEPTH = 3;

let t: TestServer;
let w: World;
const schema: GraphQLSchema = buildUnprotectedSchema();

/** Values a client might send where an id or a text goes: real ids of the world, and odd ones. */
let ids: string[] = [];
const ODD_TEXT = [
  '',
  ' ',
  'x',
  'pat_nosuchpatron',
  'PAT_ADALOVELACE',
  'pat_adalovelace ',
  '../../etc/passwd',
  "'; drop table patrons; --",
  '%00',
  '\\u0000',
  // PostgreSQL's text cannot hold a NUL character: it must be a typed input error, never a 500.
  '\u0000',
  'pat_\u0000ada',
  'ädå 🦉 漢字',
  'a'.repeat(300),
  '1'.repeat(14),
  '29000000000017',
  '4111111111111111',
  'null',
  '{}',
  '-1',
];

/** Ids of the world's records of a type (`hint`: the type the field returns), else any id. */
const idsOf = (hint: string | undefined) => {
  const typed = [...w.records.values()].filter((r) => r.type === hint).map((r) => r.id);
  return typed.length ? typed : ids;
};
const anyId = (hint: string | undefined) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...idsOf(hint)) },
    { weight: 1, arbitrary: anyText() },
  );
const anyText = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_TEXT) },
    { weight: 1, arbitrary: fc.string({ maxLength: 24, unit: 'grapheme' }) },
  );

const dateTime = () =>
  fc.oneof(
    fc
      .integer({ min: -400, max: 400 })
      .map((d) => new Date(w.seededAt.getTime() + d * 86_400_000).toISOString()),
    fc.constantFrom(
      '2026-02-30T00:00:00Z',
      'yesterday',
      '',
      '2026-13-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
    ),
  );
const date = () =>
  fc.oneof(
    fc
      .integer({ min: -400, max: 400 })
      .map((d) => new Date(w.seededAt.getTime() + d * 86_400_000).toISOString().slice(0, 10)),
    fc.constantFrom('2026-02-30', '31/12/2026', '', '1899-01-01'),
  );

function scalarValue(type: GraphQLNamedType, hint?: string): fc.Arbitrary<unknown> {
  switch (type.name) {
    case 'ID':
      return anyId(hint);
    case 'String':
      return anyText();
    case 'Int':
      return fc.oneof(
        fc.integer({ min: -3, max: 120 }),
        fc.constantFrom(0, 2147483647, -2147483648),
      );
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return dateTime();
    case 'Date':
      return date();
    case '_Any':
      return fc
        .constantFrom('Patron', 'Loan', 'Fine', 'ReferenceConsult', 'DisclosureRequest')
        .chain((__typename) => anyId(__typename).map((id) => ({ __typename, id })));
    default:
      return fc.constant({});
  }
}

/** A value of an input type; `wrong` once in a while: the wrong shape, which must be a typed error. */
function inputValue(type: GraphQLInputType, hint?: string): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return inputValue(type.ofType, hint);
  if (isListType(type)) return fc.array(inputValue(type.ofType, hint), { maxLength: 3 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const entries = fields.map((f) => {
      const v = inputValue(f.type);
      return [f.name, isNonNullType(f.type) ? v : fc.option(v, { nil: undefined })] as const;
    });
    return fc
      .record(Object.fromEntries(entries))
      .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
  }
  return scalarValue(type as GraphQLNamedType, hint);
}

/** A GraphQL literal for a value of `type` (used when an argument is written inline). */
function literal(value: unknown, type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (value === null || value === undefined) return 'null';
  if (isListType(type))
    return `[${(value as unknown[]).map((v) => literal(v, type.ofType)).join(', ')}]`;
  if (isEnumType(type)) return String(value);
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]!.type)}`)
      .join(', ')} }`;
  }
  return valueLiteral(value);
}

/** A scalar's value as a GraphQL literal: `_Any` representations are objects. */
function valueLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(valueLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${valueLiteral(v)}`)
      .join(', ')} }`;
  return JSON.stringify(value);
}

interface Built {
  text: string;
  variables: Record<string, unknown>;
  declarations: string[];
}

/** Arguments of a field: each given inline or as a variable, an optional one sometimes left out. */
function argumentsArb(args: readonly GraphQLArgument[], hint: string): fc.Arbitrary<Built> {
  if (!args.length) return fc.constant({ text: '', variables: {}, declarations: [] });
  return fc
    .tuple(
      ...args.map((a) =>
        fc.record({
          give:
            isNonNullType(a.type) && a.defaultValue === undefined
              ? fc.constant(true)
              : fc.boolean(),
          asVariable: fc.boolean(),
          value: inputValue(a.type, hint),
          n: fc.nat({ max: 1_000_000 }),
        }),
      ),
    )
    .map((choices) => {
      const parts: string[] = [];
      const variables: Record<string, unknown> = {};
      const declarations: string[] = [];
      choices.forEach((c, i) => {
        const a = args[i]!;
        if (!c.give) return;
        if (c.asVariable) {
          const name = `v${c.n}_${a.name}`;
          declarations.push(`$${name}: ${a.type.toString()}`);
          variables[name] = c.value;
          parts.push(`${a.name}: $${name}`);
        } else {
          parts.push(`${a.name}: ${literal(c.value, a.type)}`);
        }
      });
      return { text: parts.length ? `(${parts.join(', ')})` : '', variables, declarations };
    });
}

const merge = (parts: Built[], text: string): Built => ({
  text,
  variables: Object.assign({}, ...parts.map((p) => p.variables)),
  declarations: parts.flatMap((p) => p.declarations),
});

/** A selection on `type`: some of its fields (with arguments), recursing to MAX_DEPTH. */
function selectionArb(type: GraphQLNamedType, depth: number): fc.Arbitrary<Built> {
  if (isUnionType(type) || isInterfaceType(type)) {
    return fc
      .subarray([...schema.getPossibleTypes(type)], {
        minLength: 1,
        maxLength: Math.min(3, schema.getPossibleTypes(type).length),
      })
      .chain((types) =>
        fc.tuple(
          ...types.map((p) =>
            selectionArb(p, depth).map((s) => ({ ...s, text: `... on ${p.name} ${s.text}` })),
          ),
        ),
      )
      .map((subs) => merge(subs, `{ __typename ${subs.map((s) => s.text).join(' ')} }`));
  }
  if (!isObjectType(type)) return fc.constant({ text: '', variables: {}, declarations: [] });
  const fields = Object.values(type.getFields()).filter(
    (f) => depth < MAX_DEPTH || isLeafType(getNamedType(f.type)),
  );
  if (!fields.length)
    return fc.constant({ text: '{ __typename }', variables: {}, declarations: [] });
  return fc
    .subarray(fields, { minLength: 1, maxLength: Math.min(5, fields.length) })
    .chain((chosen) => fc.tuple(...chosen.map((f) => fieldArb(f, depth))))
    .map((parts) => merge(parts, `{ ${parts.map((p) => p.text).join(' ')} }`));
}

function fieldArb(f: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<Built> {
  const named = getNamedType(f.type);
  return fc
    .tuple(
      argumentsArb(f.args, named.name),
      isLeafType(named)
        ? fc.constant<Built>({ text: '', variables: {}, declarations: [] })
        : selectionArb(named, depth + 1),
      fc.boolean(),
    )
    .map(([args, sel, alias]) =>
      merge([args, sel], `${alias ? `a_${f.name}: ` : ''}${f.name}${args.text} ${sel.text}`),
    );
}

/** `_service` answers the SDL, nothing about anyone. */
const NOT_FUZZED = new Set(['_service']);

/** Root fields that answer with a patron's records: chosen more often, so that values come back to check. */
const RECORD_ROOTS = new Set([
  '_entities',
  'patron',
  'patronByCardNumber',
  'patrons',
  'me',
  'loan',
  'fine',
  'referenceConsult',
  'disclosureRequest',
]);

/** One operation on a root type: one root field, or (queries) two under aliases. */
function operationArb(
  root: 'Query' | 'Mutation',
): fc.Arbitrary<{ query: string; variables: Record<string, unknown> }> {
  const type = root === 'Query' ? schema.getQueryType()! : schema.getMutationType()!;
  const fields = Object.values(type.getFields()).filter((f) => !NOT_FUZZED.has(f.name));
  const field = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...fields) },
    ...(root === 'Query'
      ? [
          {
            weight: 2,
            arbitrary: fc.constantFrom(...fields.filter((f) => RECORD_ROOTS.has(f.name))),
          },
        ]
      : []),
  );
  return fc
    .array(field, { minLength: 1, maxLength: root === 'Query' ? 2 : 1 })
    .chain((chosen) => fc.tuple(...chosen.map((f) => fieldArb(f, 0))))
    .map((parts) => {
      const all = merge(
        parts,
        parts.map((p, i) => `r${i}: ${p.text.replace(/^a_\w+: /, '')}`).join(' '),
      );
      const decl = all.declarations.length ? `(${all.declarations.join(', ')})` : '';
      return {
        query: `${root === 'Query' ? 'query' : 'mutation'} Fuzz${decl} { ${all.text} }`,
        variables: all.variables,
      };
    });
}

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t.db, new Date());
  ids = [
    ...w.records.keys(),
    ...w.cardNumbers.values(),
    'staff_director',
    'req_police',
    'ven_ebooks',
  ];
}, 120_000);
afterAll(() => t?.stop());

/** What must hold of every answer: no internal error, no canary without a basis. */
async function send(
  who: (typeof PRINCIPALS)[number],
  op: { query: string; variables: Record<string, unknown> },
): Promise<string[]> {
  const res = await t.gql(op.query, {
    token: who.token ? await t.issuer.mint(who.token) : undefined,
    purpose: who.purpose,
    variables: op.variables,
  });
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`HTTP ${res.status}`);
  for (const e of res.body.errors ?? [])
    if (e.extensions?.code === 'INTERNAL_SERVER_ERROR' || !e.extensions?.code)
      problems.push(`internal error at ${JSON.stringify(e.path)}: ${e.message}`);
  const c = new Checker(w, who, PLAIN);
  c.canaries(res.body);
  problems.push(...c.problems);
  return problems;
}

/** Runs `runs` operations on `root` as `who`; the first answer that breaks a property fails the test. */
async function fuzz(
  root: 'Query' | 'Mutation',
  who: (typeof PRINCIPALS)[number],
  seed: number,
  runs: number,
) {
  await fc.assert(
    fc.asyncProperty(operationArb(root), async (op) => {
      const problems = await send(who, op);
      if (problems.length)
        throw new Error(`${problems.join('; ')}\n${op.query}\n${JSON.stringify(op.variables)}`);
    }),
    // No shrinking: each answer depends on the database the operations before it changed.
    { seed, numRuns: runs, endOnFailure: true },
  );
}

const BY_PRINCIPAL = PRINCIPALS.map((p, i) => [p.label, p, i] as const);

describe('fuzz: queries built from the whole SDL, as every principal', () => {
  test.each(BY_PRINCIPAL)(
    '%s: no internal error, no protected value without a basis',
    (_l, who, i) => fuzz('Query', who, SEED + i, QUERIES),
  );
});

// After every query: a mutation may widen what a principal may read (a consent, a grant), which
// the oracle, written from the world as built, does not know; mutation answers are checked alike.
describe('fuzz: mutations built from the whole SDL, as every principal', () => {
  test.each(BY_PRINCIPAL)(
    '%s: no internal error, no protected value without a basis',
    (_l, who, i) => fuzz('Mutation', who, SEED + 100 + i, MUTATIONS),
  );
});
