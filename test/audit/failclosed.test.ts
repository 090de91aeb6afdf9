import { afterAll, beforeAll, expect, test } from 'vitest';
import { demoCardNumber } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { auditUnavailable, nextRequestId } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

// A real failure inside the database: every insert into the audit table raises.
const BREAK = [
  "create function audit_broken() returns trigger language plpgsql as $$ begin raise exception 'disk full (simulated)'; end $$",
  'create trigger audit_broken before insert on audit_events for each statement execute function audit_broken()',
];

async function breakAudit() {
  for (const statement of BREAK) await t.db.raw(statement);
}
async function repairAudit() {
  await t.db.raw('drop trigger audit_broken on audit_events');
  await t.db.raw('drop function audit_broken()');
}

const cases: [string, string, TokenSpec, string | undefined][] = [
  [
    'the Director',
    '{ patron(id: "pat_adalovelace") { name email cardNumber loans { nodes { dueAt } } } }',
    AS.director,
    'RECORDS_AUDIT',
  ],
  [
    'circulation staff',
    `{ patronByCardNumber(cardNumber: "${demoCardNumber(1)}") { name phone } }`,
    AS.circulation,
    'CIRCULATION_DESK',
  ],
  ['the patron', '{ patron(id: "pat_adalovelace") { name birthDate } }', AS.ada, undefined],
  [
    'a vendor through _entities',
    '{ _entities(representations: [{ __typename: "Patron", id: "pat_adalovelace" }]) { ... on Patron { cardNumber } } }',
    AS.vendor,
    undefined,
  ],
];

test('inv. 4: with the audit write failing, no response carries protected data (503, AUDIT_UNAVAILABLE, request id)', async () => {
  await breakAudit();
  try {
    for (const [, query, as, purpose] of cases) {
      const requestId = nextRequestId('fail');
      const res = await t.gql(query, { as, purpose, headers: { 'x-request-id': requestId } });
      expect([res.status, res.body]).toEqual(auditUnavailable(requestId));
      expect(res.headers.get('x-request-id')).toEqual(requestId);
    }
    // The log says what failed, by request id and error class, and nothing about anybody.
    const failures = t.logs.filter((l) => l.msg === 'audit write failed; response withheld');
    expect(failures).toHaveLength(cases.length);
    const logText = JSON.stringify(t.logs);
    for (const pii of [
      'Ada',
      'Lovelace',
      'ada@example.org',
      'pat_adalovelace',
      demoCardNumber(1),
      'simulated',
    ])
      expect(logText).not.toContain(pii);
  } finally {
    await repairAudit();
  }
  // Nothing half-written: the failed requests left no row, and the next request is served and recorded.
  expect(await t.db.raw('select count(*)::int as n from audit_events')).toEqual([{ n: 0 }]);
  const ok = await t.gql('{ patron(id: "pat_adalovelace") { name } }', { as: AS.ada });
  expect([ok.status, ok.body.data]).toEqual([200, { patron: { name: 'Ada Lovelace' } }]);
  // First in the writer's chain (the log's seq, from a sequence, may have moved for the failed ones).
  expect(await t.db.raw('select chain_seq::int as seq, fields from audit_events')).toEqual([
    { seq: 1, fields: ['name'] },
  ]);
});

test('a request that resolved no protected field needs no audit write and is served while the log is down', async () => {
  await breakAudit();
  try {
    const res = await t.gql('{ _service { sdl } }');
    expect(res.status).toEqual(200);
    expect(typeof (res.body.data as { _service: { sdl: string } })._service.sdl).toBe('string');
  } finally {
    await repairAudit();
  }
});
