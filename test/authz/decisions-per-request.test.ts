// What the protection costs one request, counted exactly: how many times the policy's clause lists
// are walked (AccessControl.evaluations) and which SQL statements the request sends, for the
// benchmark's shapes (bench/scenarios.ts) on 100 patrons with two current loans each. A decision is
// made once per (object, rule), a patron's list narrowing reuses its field's decision, and the
// request's facts are one statement per kind however many records it decides on.
import { parse, execute, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createContext, type GraphQLContext } from '../../src/graphql/context.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { identify } from '../../src/http/identify.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AS, createTestIssuer, type TestIssuer, type TokenSpec } from '../support/tokens.js';

let db: TestDatabase;
let issuer: TestIssuer;
const schema = buildSchema();
const logger = createLogger('silent');
const bulkIds = Array.from(
  { length: 100 },
  (_, i) =>
    `pat_bulk${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`,
);

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await createTestIssuer();
  await db.raw(`insert into patrons (id, card_number, name, email, phone, city, birth_date, card_expires_on)
    select 'pat_bulk' || chr(97 + (g / 26)) || chr(97 + (g % 26)), '28' || lpad(g::text, 12, '0'),
           'Bulk Patron ' || lpad(g::text, 3, '0'), 'bulk' || g || '@example.org', '555-0100', 'Manhattan',
           '1980-01-01', '2099-01-01' from generate_series(0, 99) g`);
  await db.raw(`insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at)
    select 'loan_bulk' || p.id || n, p.id, 'item_' || p.id || n, 'book', 'MAIN', now() - d * interval '1 day', now() + interval '14 days'
    from patrons p cross join (values ('a', 1), ('b', 2)) v(n, d) where p.id like 'pat_bulk%'`);
}, 120_000);
afterAll(() => db?.drop());

interface Counted {
  result: ExecutionResult;
  context: GraphQLContext;
  /** The statements the request sent, by the table they read (audit writes happen after execution). */
  tables: string[];
}

async function counted(
  as: TokenSpec,
  purpose: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Counted> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await issuer.mint(as)}`,
    'x-request-id': 'decisions-count-1',
  };
  if (purpose) headers['x-access-purpose'] = purpose;
  const identity = await identify(headers, issuer.verifier, false);
  const context = createContext(db.database.db, logger, identity);
  const stats = db.database.stats;
  stats.texts = [];
  const result = (await execute({
    schema,
    document: parse(query),
    contextValue: context,
    variableValues: variables,
  })) as ExecutionResult;
  const tables = stats.texts.map((s) => /from "?(\w+)"?/.exec(s)?.[1] ?? s);
  stats.texts = null;
  expect(result.errors).toBeUndefined();
  return { result, context, tables };
}

const circulation = [AS.circulation, 'CIRCULATION_DESK'] as const;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Patron { id name email phone cardNumber city } } }`;

test('a circulation desk page of 100 patrons decides each patron once per rule and reuses the loans decision for the list', async () => {
  const { result, context, tables } = await counted(
    ...circulation,
    `{ patrons(search: { namePrefix: "Bulk" }, first: 100) { nodes { id name email phone cardNumber city
       loans(filter: { status: ON_LOAN }) { nodes { id dueAt branch } } } } }`,
  );
  const nodes = (result.data as { patrons: { nodes: { loans: { nodes: unknown[] } }[] } }).patrons
    .nodes;
  expect(nodes).toHaveLength(100);
  expect(nodes.every((n) => n.loans.nodes.length === 2)).toBe(true);
  // Per patron: pii:IDENTITY (name, email, phone, city), pii:IDENTITY:vendor (cardNumber),
  // pii:CIRCULATION (the loans field and its narrowing, one decision); per loan: pii:CIRCULATION.
  expect(context.authz.evaluations).toBe(100 * 3 + 200);
  expect(tables).toEqual(['designations', 'patrons', 'loans']);
});

test("the router's 100 Patron representations as circulation staff: one reach and one decision per rule each, facts in one statement", async () => {
  const { result, context, tables } = await counted(...circulation, ENTITIES, {
    r: bulkIds.map((id) => ({ __typename: 'Patron', id })),
  });
  expect((result.data as { _entities: unknown[] })._entities).toHaveLength(100);
  // Per representation: its reach (the entity gate), pii:IDENTITY and pii:IDENTITY:vendor.
  expect(context.authz.evaluations).toBe(100 * 3);
  // The designation lookup starts with the rows' batch, not after it; both are one statement.
  expect(tables).toEqual(['designations', 'patrons']);
});

test('a patron named twice among the representations is reached and decided once', async () => {
  const reps = [...bulkIds.slice(0, 50), ...bulkIds.slice(0, 50)].map((id) => ({
    __typename: 'Patron',
    id,
  }));
  const { result, context } = await counted(...circulation, ENTITIES, { r: reps });
  expect((result.data as { _entities: unknown[] })._entities).toHaveLength(100);
  expect(context.authz.evaluations).toBe(50 * 3);
});

test("the Director's representations need no fact: only the rows are read", async () => {
  const { context, tables } = await counted(AS.director, 'RECORDS_AUDIT', ENTITIES, {
    r: bulkIds.map((id) => ({ __typename: 'Patron', id })),
  });
  expect(context.authz.evaluations).toBe(100 * 3);
  expect(tables).toEqual(['patrons']);
});

test("a patron's own record decides each list once, for its field and its narrowing, and reads no fact", async () => {
  const { result, context, tables } = await counted(
    AS.ada,
    null,
    `{ me { id name email cardNumber loans { nodes { id dueAt returnedAt status } }
       fines { nodes { id amountCents status reason } } } }`,
  );
  const me = (result.data as { me: { loans: { nodes: unknown[] }; fines: { nodes: unknown[] } } })
    .me;
  expect(me.loans.nodes.length).toBeGreaterThan(0);
  // pii:IDENTITY, pii:IDENTITY:vendor, the loans and the fines lists (field and narrowing), then
  // one per loan and one per fine.
  expect(context.authz.evaluations).toBe(4 + me.loans.nodes.length + me.fines.nodes.length);
  // Every record is her own: the first clause decides, and the grants she holds as a guardian
  // (the only fact a patron's decisions can read) are never looked up.
  expect(tables).toEqual(['patrons', 'loans', 'fines']);
  expect(DEMO.patrons.ada).toBe(AS.ada.patronId);
});
