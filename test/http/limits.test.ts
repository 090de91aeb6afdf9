// Every limit against abuse at its boundary: at the limit the request is served, one beyond it is
// refused with a typed error naming the setting. The limits are set small here so that each
// boundary is a readable query; the defaults are in the README.
import {
  type GraphQLError,
  Lexer,
  Source,
  TokenKind,
  parse,
  validate,
  type ValidationContext,
} from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.js';
import { effectiveCost } from '../../src/http/cost.js';
import { TEST_RUNTIME_ROLE, onPostgres } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const schema = buildSchema();
/** The cost the server compares with the limit (page sizes from literals, variables and defaults). */
const costOf = (query: string, variables: Record<string, unknown> = {}) =>
  effectiveCost(schema, parse(query), variables);

/** What graphql-armor's cost rule alone computes: a variable or default page size counts as 1. */
function armorCostOf(query: string): number {
  let found = 0;
  const rule = costLimitRule({
    maxCost: 0,
    flattenFragments: true,
    propagateOnRejection: false,
    onReject: [
      (_: ValidationContext | null, e: GraphQLError) =>
        void (found = Number(/found (\d+(?:\.\d+)?)/.exec(e.message)![1])),
    ],
  });
  validate(schema, parse(query), [rule as never]);
  return found;
}

function tokensOf(query: string): number {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

const ADA = 'pat_adalovelace';
const LOAN = 'loan_adacurrent';
// Depth 5: patron > loans > nodes > item > id; depth 6: loan > patron > loans > nodes > item > id.
const DEPTH_5 = `{ patron(id: "${ADA}") { loans { nodes { item { id } } } } }`;
const DEPTH_6 = `{ loan(id: "${LOAN}") { patron { loans { nodes { item { id } } } } } }`;
const FRAGMENTS = `{ patron(id: "${ADA}") { ... on Patron { loans { ... F } } } } fragment F on LoanConnection { nodes { item { id } } }`;
const ALIASES_2 = `{ a: patron(id: "${ADA}") { id } b: patron(id: "${ADA}") { id } }`;
const ALIASES_3 = `{ a: patron(id: "${ADA}") { id } b: patron(id: "${ADA}") { id } c: patron(id: "${ADA}") { id } }`;
const PAGE =
  'query($n: Int) { patrons(search: { namePrefix: "Demo" }, first: $n) { nodes { id } } }';
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Loan { id } } }';
const TWO_REPS = `[{ __typename: "Loan", id: "${LOAN}" }, { __typename: "Loan", id: "${LOAN}" }]`;
const ENTITIES_ALIASED = `{ _entities(representations: ${TWO_REPS}) { __typename } x: _entities(representations: ${TWO_REPS}) { __typename } }`;
const SLOW = `{ patron(id: "${ADA}") { name email } }`;
// Cost grows with the page size and the fields asked for: a page of 100 with two fields is the
// limit, a third field is beyond it.
const COST_AT = '{ patrons(search: { namePrefix: "Demo" }, first: 100) { nodes { id name } } }';
const COST_BEYOND =
  '{ patrons(search: { namePrefix: "Demo" }, first: 100) { nodes { id name email } } }';
const COST_BY_VARIABLE =
  'query($n: Int) { patrons(search: { namePrefix: "Demo" }, first: $n) { nodes { id name email } } }';
const OTHERS = [DEPTH_5, FRAGMENTS, ALIASES_2, PAGE, ENTITIES, ENTITIES_ALIASED, SLOW, COST_AT];
// The token limit is the longest of the queries above: a query of that many tokens passes.
const typenames = (k: number) => `{ patron(id: "${ADA}") { id${' __typename'.repeat(k)} } }`;
const TOKEN_LIMIT = Math.max(...OTHERS.map(tokensOf));
const TOKENS_AT = typenames(TOKEN_LIMIT - tokensOf(typenames(0)));
const TOKENS_BEYOND = typenames(TOKEN_LIMIT - tokensOf(typenames(0)) + 1);

const LIMITS = {
  MAX_QUERY_DEPTH: '5',
  MAX_ALIASES: '2',
  MAX_QUERY_COST: String(costOf(COST_AT)),
  MAX_QUERY_TOKENS: String(TOKEN_LIMIT),
  MAX_ENTITY_REPRESENTATIONS: '3',
  MAX_BODY_BYTES: '2048',
  EXECUTION_TIMEOUT_MS: '1500',
};

test('the boundary queries of one limit stay inside every other limit', () => {
  for (const q of [...OTHERS, TOKENS_AT]) {
    expect(costOf(q, { n: 100, r: [] })).toBeLessThanOrEqual(Number(LIMITS.MAX_QUERY_COST));
    expect(tokensOf(q)).toBeLessThanOrEqual(TOKEN_LIMIT);
  }
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: LIMITS });
});
afterAll(() => t?.stop());

const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };

/** A refusal by a plugin limit: 400, no data, one LIMIT_EXCEEDED error naming the setting. */
function limitRefusal(message: string, limit: string) {
  return {
    status: 400,
    body: {
      errors: [{ message, extensions: { code: 'LIMIT_EXCEEDED', limit } }],
      extensions: { requestId: expect.any(String) },
    },
  };
}

/** A refusal by a validation-rule limit: 400, no data, one typed error naming the setting. */
function validationRefusal(message: string, limit: string) {
  return {
    status: 400,
    body: {
      errors: [{ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit } }],
      extensions: { requestId: expect.any(String) },
    },
  };
}

describe('document limits', () => {
  test('query depth: 5 levels pass, 6 are refused', async () => {
    const at = await t.gql(DEPTH_5, director);
    expect(at.body).toEqual({
      data: {
        patron: {
          loans: {
            nodes: [
              { item: { id: 'item_analyticalengine' } },
              { item: { id: 'item_notesonbabbage' } },
            ],
          },
        },
      },
      extensions: { requestId: expect.any(String) },
    });
    const beyond = await t.gql(DEPTH_6, director);
    expect({ status: beyond.status, body: beyond.body }).toEqual(
      validationRefusal('Query depth limit of 5 exceeded, found 6.', 'MAX_QUERY_DEPTH'),
    );
  });

  test('query depth counts fragments by the data they select, not by their nesting', async () => {
    const r = await t.gql(FRAGMENTS, director);
    expect(r.body.errors).toBeUndefined();
  });

  test('aliases: 2 pass, 3 are refused', async () => {
    const at = await t.gql(ALIASES_2, director);
    expect(at.body.data).toEqual({ a: { id: ADA }, b: { id: ADA } });
    const beyond = await t.gql(ALIASES_3, director);
    expect({ status: beyond.status, body: beyond.body }).toEqual(
      validationRefusal('Aliases limit of 2 exceeded, found 3.', 'MAX_ALIASES'),
    );
  });

  test('cost: a query costing exactly the limit passes, one more field is refused', async () => {
    const limit = Number(LIMITS.MAX_QUERY_COST);
    expect(costOf(COST_BEYOND)).toBeGreaterThan(limit);
    const at = await t.gql<{ patrons: { nodes: unknown[] } }>(COST_AT, director);
    expect(at.body.errors).toBeUndefined();
    expect(at.body.data?.patrons.nodes).toHaveLength(20);
    const beyond = await t.gql(COST_BEYOND, director);
    expect({ status: beyond.status, body: beyond.body }).toEqual(
      limitRefusal(
        `Query Cost limit of ${limit} exceeded, found ${costOf(COST_BEYOND)}.`,
        'MAX_QUERY_COST',
      ),
    );
  });

  test('cost: a page size passed in a variable counts as much as a literal one', async () => {
    const limit = Number(LIMITS.MAX_QUERY_COST);
    // graphql-armor alone would count `first: $n` as a page of 1 and let this through.
    expect(armorCostOf(COST_BY_VARIABLE)).toBeLessThan(limit);
    const beyond = await t.gql(COST_BY_VARIABLE, { ...director, variables: { n: 100 } });
    expect({ status: beyond.status, body: beyond.body }).toEqual(
      limitRefusal(
        `Query Cost limit of ${limit} exceeded, found ${costOf(COST_BEYOND)}.`,
        'MAX_QUERY_COST',
      ),
    );
    const small = await t.gql<{ patrons: { nodes: unknown[] } }>(COST_BY_VARIABLE, {
      ...director,
      variables: { n: 5 },
    });
    expect(small.body.data?.patrons.nodes).toHaveLength(5);
  });

  test('cost: an omitted page size counts as the schema default (20)', () => {
    const nested = `{ patron(id: "${ADA}") { loans { nodes { id } } } }`;
    expect(costOf(nested)).toBe(
      costOf(`{ patron(id: "${ADA}") { loans(first: 20) { nodes { id } } } }`),
    );
    expect(costOf(nested)).toBeGreaterThan(armorCostOf(nested));
  });

  test("parser tokens (graphql-js's maxLexicalTokens): exactly the limit parses, one token more is refused", async () => {
    const limit = Number(LIMITS.MAX_QUERY_TOKENS);
    expect(tokensOf(TOKENS_BEYOND)).toBe(limit + 1);
    const at = await t.gql(TOKENS_AT, director);
    expect(at.body.data).toEqual({ patron: { id: ADA, __typename: 'Patron' } });
    const beyond = await t.gql(TOKENS_BEYOND, director);
    expect({ status: beyond.status, body: beyond.body }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: `Syntax Error: Document contains more that ${limit} tokens. Parsing aborted.`,
            locations: [expect.any(Object)],
            extensions: { code: 'GRAPHQL_PARSE_FAILED' },
          },
        ],
        extensions: { requestId: expect.any(String) },
      },
    });
  });
});

describe('size limits', () => {
  test('page size: first 100 is served, 101 is refused as bad input', async () => {
    const q = PAGE;
    const desk = { as: AS.circulation, purpose: 'CIRCULATION_DESK' };
    const at = await t.gql<{ patrons: { nodes: unknown[] } }>(q, {
      ...desk,
      variables: { n: 100 },
    });
    expect(at.body.errors).toBeUndefined();
    expect(at.body.data?.patrons.nodes).toHaveLength(20);
    const beyond = await t.gql(q, { ...desk, variables: { n: 101 } });
    expect(beyond.body.errors).toEqual([
      {
        message: 'first must be between 1 and 100.',
        path: ['patrons'],
        locations: [expect.any(Object)],
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      },
    ]);
  });

  test('_entities: 3 representations pass, 4 are refused before execution', async () => {
    const q = ENTITIES;
    const reps = (n: number) => Array.from({ length: n }, () => ({ __typename: 'Loan', id: LOAN }));
    const at = await t.gql(q, { ...director, variables: { r: reps(3) } });
    expect(at.body.data).toEqual({ _entities: [{ id: LOAN }, { id: LOAN }, { id: LOAN }] });
    const beyond = await t.gql(q, { ...director, variables: { r: reps(4) } });
    expect({ status: beyond.status, body: beyond.body }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: 'At most 3 entity representations may be resolved in one request.',
            extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_ENTITY_REPRESENTATIONS' },
          },
        ],
        extensions: { requestId: expect.any(String) },
      },
    });
  });

  test('_entities: representations are counted across aliases and literal lists', async () => {
    const r = await t.gql(ENTITIES_ALIASED, director);
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['LIMIT_EXCEEDED']);
  });

  test('request body: exactly the limit in bytes is read, one byte more is refused with 413', async () => {
    const body = (bytes: number) => {
      const shell = JSON.stringify({ query: '{ __typename }' });
      return JSON.stringify({ query: `{ __typename }${' '.repeat(bytes - shell.length)}` });
    };
    const post = (b: string) =>
      fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
    expect(Buffer.byteLength(body(2048))).toBe(2048);
    const at = await post(body(2048));
    expect({ status: at.status, body: await at.json() }).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' }, extensions: { requestId: expect.any(String) } },
    });
    const beyond = await post(body(2049));
    expect({ status: beyond.status, body: await beyond.json() }).toEqual({
      status: 413,
      body: {
        errors: [
          {
            message: 'The request body exceeds 2048 bytes.',
            extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_BODY_BYTES' },
          },
        ],
      },
    });
  });
});

describe('execution timeout', () => {
  // The patrons table is put behind a view that sleeps, so the first lookup takes the given time.
  let moved = false;
  async function slowPatrons(seconds: number) {
    if (moved) await t.db.raw('drop view patrons');
    else await t.db.raw('alter table patrons rename to patrons_base');
    moved = true;
    await t.db.raw(
      `create view patrons as select p.* from patrons_base p cross join (select pg_sleep(${seconds})) s`,
    );
    // The server reads as the runtime role on PostgreSQL: the new view needs its grant.
    if (onPostgres) await t.db.raw(`grant select on patrons to ${TEST_RUNTIME_ROLE}`);
  }
  afterAll(async () => {
    if (!moved) return;
    await t.db.raw('drop view patrons');
    await t.db.raw('alter table patrons_base rename to patrons');
  });

  test('an operation inside the time limit is served; one beyond it gets LIMIT_EXCEEDED and no data', async () => {
    await slowPatrons(0.1);
    const inside = await t.gql(`{ patron(id: "${ADA}") { name } }`, director);
    expect(inside.body.data).toEqual({ patron: { name: 'Ada Lovelace' } });

    await slowPatrons(2);
    const beyond = await t.gql(SLOW, director);
    expect({ status: beyond.status, body: beyond.body }).toEqual({
      status: 503,
      body: {
        data: null,
        errors: [
          {
            message: 'The operation exceeded the execution time limit.',
            extensions: { code: 'LIMIT_EXCEEDED', limit: 'EXECUTION_TIMEOUT_MS' },
          },
        ],
        extensions: { requestId: expect.any(String) },
      },
    });
  });
});
