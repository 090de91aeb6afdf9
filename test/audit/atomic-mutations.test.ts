// Atomic mutations (inv. 4 and 7): a mutation's decision and its write's audit rows commit in the
// write's own transaction, or neither does; the chain's lock is held only from the append to the
// commit, so a mutation waiting inside its transaction holds up no one else.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { onPostgres } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { auditUnavailable, decisionsOf, nextRequestId } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const desk = { as: AS.circulation, purpose: 'CIRCULATION_DESK' };
const UPDATE_PHONE = (phone: string) =>
  `mutation { updatePatron(id: "pat_adalovelace", input: { phone: "${phone}" }) { phone } }`;
const phoneOfAda = async () =>
  (await t.db.raw("select phone from patrons where id = 'pat_adalovelace'"))[0]!.phone;

test('a granted mutation: its change and its decision row commit together', async () => {
  const requestId = nextRequestId('mutation');
  const res = await t.gql(UPDATE_PHONE('+1 555 0101'), {
    ...desk,
    headers: { 'x-request-id': requestId },
  });
  expect([res.status, res.body.data]).toEqual([200, { updatePatron: { phone: '+1 555 0101' } }]);
  expect(await phoneOfAda()).toEqual('+1 555 0101');
  expect(await decisionsOf(t, requestId)).toEqual([
    'pat_adalovelace|Mutation|updatePatron|GRANTED|STAFF_PURPOSE|-',
    'pat_adalovelace|Patron|phone|GRANTED|STAFF_PURPOSE|-',
  ]);
});

test('inv. 4: an audit failure during a mutation: the change is not in the database and the client gets the typed 503', async () => {
  const before = await phoneOfAda();
  const seqBefore = await t.db.raw('select count(*)::int as n from audit_events');
  await t.db.raw(
    "create function audit_broken() returns trigger language plpgsql as $$ begin raise exception 'disk full (simulated)'; end $$",
  );
  await t.db.raw(
    'create trigger audit_broken before insert on audit_events for each statement execute function audit_broken()',
  );
  const requestId = nextRequestId('mutation-fail');
  let res;
  try {
    res = await t.gql(UPDATE_PHONE('+1 555 0199'), {
      ...desk,
      headers: { 'x-request-id': requestId },
    });
  } finally {
    await t.db.raw('drop trigger audit_broken on audit_events');
    await t.db.raw('drop function audit_broken()');
  }
  expect([res.status, res.body]).toEqual(auditUnavailable(requestId));
  // Neither the change nor any record of it.
  expect(await phoneOfAda()).toEqual(before);
  expect(await t.db.raw('select count(*)::int as n from audit_events')).toEqual(seqBefore);
  expect(JSON.stringify(t.logs)).not.toContain('simulated');
});

test('a mutation refused by the service (a typed error) records the attempt as FAILED, and its intended writes stand', async () => {
  const requestId = nextRequestId('wrong-pin');
  const res = await t.gql(
    'mutation { changeMyPin(input: { currentPin: "0000", newPin: "7391" }) { id } }',
    { as: AS.ada, headers: { 'x-request-id': requestId } },
  );
  expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['WRONG_PIN']);
  // The wrong PIN counted (the lockout depends on it) in the transaction that recorded the attempt.
  expect(
    await t.db.raw(
      "select count(*)::int as n from account_pin_failures where patron_id = 'pat_adalovelace'",
    ),
  ).toEqual([{ n: 1 }]);
  expect(await decisionsOf(t, requestId)).toEqual([
    'pat_adalovelace|Mutation|changeMyPin|FAILED|SELF|-',
  ]);
});

test.skipIf(!onPostgres)(
  'a mutation waiting inside its transaction does not hold the audit lock: an unrelated read is served and recorded meanwhile',
  async () => {
    // Someone else holds Ada's row: the mutation blocks on its UPDATE, inside its transaction.
    const blocker = new pg.Client({ connectionString: t.db.url! });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query("select 1 from patrons where id = 'pat_adalovelace' for update");
      const mutation = t.gql(UPDATE_PHONE('+1 555 0102'), desk);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const readId = nextRequestId('meanwhile');
      const read = await t.gql('{ patron(id: "pat_danidiaz") { name } }', {
        as: AS.director,
        purpose: 'RECORDS_AUDIT',
        headers: { 'x-request-id': readId },
      });
      expect([read.status, read.body.data]).toEqual([200, { patron: { name: 'Dani Diaz' } }]);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await decisionsOf(t, readId)).toEqual(['pat_danidiaz|Patron|name|GRANTED|DIRECTOR|-']);
      await blocker.query('commit');
      const done = await mutation;
      expect([done.status, done.body.data]).toEqual([
        200,
        { updatePatron: { phone: '+1 555 0102' } },
      ]);
    } finally {
      await blocker.end();
    }
  },
);
