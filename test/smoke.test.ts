import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { AS } from './support/tokens.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

test('smoke', async () => {
  const r = await t.gql('{ patron(id: "pat_adalovelace") { name loans { nodes { id } } } }', { as: AS.director, purpose: 'RECORDS_AUDIT' });
  expect(r.body.data).toEqual({ patron: { name: 'Ada Lovelace', loans: { nodes: [{ id: 'loan_adacurrent' }, { id: 'loan_adareturned' }] } } });
});
