// STYLE 5: lookups by key are batched. 100 entity representations cost one SQL query,
// and a page of 100 patrons with their loans and fines a small, fixed number.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  // 100 more patrons, each with two current loans and one owed fine.
  await t.db.raw(`insert into patrons (id, card_number, name, birth_date, card_expires_on)
    select 'pat_bulk' || lpad(chr(97 + (g / 26)) || chr(97 + (g % 26)), 2, 'a'), '28' || lpad(g::text, 12, '0'), 'Bulk Patron ' || lpad(g::text, 3, '0'),
           '1980-01-01', '2099-01-01' from generate_series(0, 99) g`);
  await t.db
    .raw(`insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at)
    select 'loan_bulk' || p.id || n, p.id, 'item_' || p.id || n, 'book', 'MAIN', now() - d * interval '1 day', now() + interval '14 days'
    from patrons p cross join (values ('a', 1), ('b', 2)) v(n, d) where p.id like 'pat_bulk%'`);
  await t.db.raw(`insert into fines (id, patron_id, amount_cents, reason)
    select 'fine_bulk' || p.id, p.id, 100, 'Overdue' from patrons p where p.id like 'pat_bulk%'`);
});
afterAll(() => t?.stop());

const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };

/** Runs a request and returns the SQL statements it sent (text only, never parameters). */
async function statementsOf(query: string, variables?: Record<string, unknown>) {
  const stats = t.database.stats;
  stats.texts = [];
  const r = await t.gql(query, { ...director, variables });
  const texts = stats.texts;
  stats.texts = null;
  expect(r.body.errors).toBeUndefined();
  return { body: r.body, texts };
}

const touches = (texts: string[], table: string) =>
  texts.filter((s) => new RegExp(`from "${table}"`).test(s));

test('100 Patron representations cost one SQL query', async () => {
  const reps = Array.from({ length: 100 }, (_, i) => ({
    __typename: 'Patron',
    id: `pat_bulk${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`,
  }));
  const { body, texts } = await statementsOf(
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patron { id name } } }`,
    { r: reps },
  );
  expect((body.data as { _entities: unknown[] })._entities).toHaveLength(100);
  expect(touches(texts, 'patrons')).toHaveLength(1);
  expect(texts.filter((s) => !/audit/i.test(s))).toHaveLength(1);
});

test('100 Loan representations cost one SQL query', async () => {
  const ids = (
    await t.db.raw(`select id from loans where id like 'loan_bulk%' order by id limit 100`)
  ).map((r) => r.id as string);
  const { body, texts } = await statementsOf(
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Loan { id dueAt } } }`,
    {
      r: ids.map((id) => ({ __typename: 'Loan', id })),
    },
  );
  expect((body.data as { _entities: unknown[] })._entities).toHaveLength(100);
  expect(texts.filter((s) => !/audit/i.test(s))).toHaveLength(1);
});

test('a page of 100 patrons with their current loans and fines costs three SQL queries', async () => {
  const { body, texts } =
    await statementsOf(`{ patrons(search: { namePrefix: "Bulk" }, first: 100) {
    nodes { id name loans(filter: { status: ON_LOAN }) { nodes { id } } fines { nodes { id } } } } }`);
  const nodes = (
    body.data as {
      patrons: { nodes: { loans: { nodes: unknown[] }; fines: { nodes: unknown[] } }[] };
    }
  ).patrons.nodes;
  expect(nodes).toHaveLength(100);
  expect(nodes.every((n) => n.loans.nodes.length === 2 && n.fines.nodes.length === 1)).toBe(true);
  expect(touches(texts, 'patrons')).toHaveLength(1);
  expect(texts.filter((s) => !/audit/i.test(s))).toHaveLength(3);
});
