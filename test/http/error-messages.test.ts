// withoutValues keeps what helps a client fix its request and drops every value graphql-js quotes.
import { buildSchema, graphql, parse } from 'graphql';
import { expect, test } from 'vitest';
import { withoutValues } from '../../src/http/error-masking.js';
import { apolloLogger } from '../../src/http/apollo-logger.js';
import { createLogger } from '../../src/logger.js';

const CARD = '29000000000017';
const schema = buildSchema(`
  input I { card: String!, n: Int, e: E }
  enum E { A B }
  type Query { f(card: String!, n: Int, i: I, l: [Int!]): String }
`);

async function message(
  source: string,
  variableValues: Record<string, unknown> = {},
): Promise<string> {
  const r = await graphql({ schema, source, variableValues });
  return r.errors![0]!.message;
}

const CASES: [string, Record<string, unknown>, string][] = [
  [
    'query($c: String!) { f(card: $c) }',
    { c: Number(CARD) },
    'Variable "$c" got an invalid value; String cannot represent the value.',
  ],
  [
    'query($c: String!) { f(card: $c) }',
    { c: { x: `a; b" at "c.x"; ${CARD}` } },
    'Variable "$c" got an invalid value; String cannot represent the value.',
  ],
  [
    'query($n: Int) { f(card: "x", n: $n) }',
    { n: CARD },
    'Variable "$n" got an invalid value; Int cannot represent the value.',
  ],
  [
    'query($i: I) { f(card: "x", i: $i) }',
    { i: { card: CARD, extra: CARD } },
    'Variable "$i" got an invalid value; Field "extra" is not defined by type "I".',
  ],
  [
    'query($i: I) { f(card: "x", i: $i) }',
    { i: { card: Number(CARD) } },
    'Variable "$i" got an invalid value at "i.card"; String cannot represent the value.',
  ],
  [
    'query($i: I) { f(card: "x", i: $i) }',
    { i: { card: 'x', e: CARD } },
    'Variable "$i" got an invalid value at "i.e"; The value does not exist in "E" enum.',
  ],
  [
    'query($i: I) { f(card: "x", i: $i) }',
    { i: CARD },
    'Variable "$i" got an invalid value; Expected type "I" to be an object.',
  ],
  [
    'query($l: [Int!]) { f(card: "x", l: $l) }',
    { l: [CARD] },
    'Variable "$l" got an invalid value at "l[0]"; Int cannot represent the value.',
  ],
  [`{ f(card: ${CARD}) }`, {}, 'String cannot represent the value.'],
  [`{ f(card: "x", n: "${CARD}") }`, {}, 'Int cannot represent the value.'],
  [`{ f(card: "x", i: { card: "1", e: C${CARD} }) }`, {}, 'The value does not exist in "E" enum.'],
];

test.each(CASES)(
  'invariant 6: coercion errors quote no value (%s)',
  async (source, variables, expected) => {
    const raw = await message(source, variables);
    expect(raw).toContain(CARD.slice(0, 8)); // graphql-js did quote it...
    expect(withoutValues(raw)).toEqual(expected); // ...and the client never sees it.
  },
);

test('invariant 6: syntax errors name the token kind, not its text', () => {
  const raw = (() => {
    try {
      parse(`{ f(card: "${CARD}" "${CARD}") }`);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  expect(raw).toContain(CARD);
  expect(withoutValues(raw)).toEqual('Syntax Error: Expected Name, found String.');
});

test('a missing input field is named with its type', async () => {
  const raw = await message('query($i: I) { f(card: "x", i: $i) }', { i: { n: 1 } });
  expect(withoutValues(raw)).toEqual(
    'Variable "$i" got an invalid value; Field "card" of required type "String!" was not provided.',
  );
});

test('messages without values are kept as they are', () => {
  expect(withoutValues('Cannot query field "nmae" on type "Patron".')).toEqual(
    'Cannot query field "nmae" on type "Patron".',
  );
});

test("invariant 6: Apollo Server's own log lines keep the headline, not the error text it appends", () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {
    write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>),
  } as never);
  const apollo = apolloLogger(logger);
  apollo.error(
    `Unexpected error processing request: DrizzleQueryError: Failed query: select ... params: ${CARD}`,
  );
  apollo.warn('A GraphQL operation was received during server shutdown.');
  expect(lines.map((l) => [l.level, l.source, l.msg])).toEqual([
    [50, 'apollo-server', 'Unexpected error processing request'],
    [40, 'apollo-server', 'A GraphQL operation was received during server shutdown.'],
  ]);
});
