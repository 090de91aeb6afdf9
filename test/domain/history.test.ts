// Regulation 11: checkout history is off for new patrons; switching it off deletes it for good,
// after saying so, in one transaction.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { codes } from './support.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const desk = (query: string, variables?: Record<string, unknown>) =>
  t.gql(query, { as: AS.circulation, purpose: 'CIRCULATION_DESK', variables });
const loanRows = (patronOrLoan: string) =>
  t.db.raw(
    'select id, patron_id, anonymised_at is not null as anonymised from loans where patron_id = $1 or id = $1 order by id',
    [patronOrLoan],
  );
const OFF = 'mutation { setCheckoutHistory(keep: false) { keepCheckoutHistory } }';
const OFF_CONFIRMED =
  'mutation { setCheckoutHistory(keep: false, confirmDeletion: true) { keepCheckoutHistory loans { nodes { id } } } }';

describe('new patrons', () => {
  test('reg. 11: a newly registered patron starts with checkout history off, and a returned loan is anonymised at once', async () => {
    const reg = await desk(
      'mutation { registerPatron(input: { name: "Nia New", birthDate: "1990-05-05" }) { id keepCheckoutHistory } }',
    );
    const patron = (
      reg.body.data as { registerPatron: { id: string; keepCheckoutHistory: boolean } }
    ).registerPatron;
    expect(patron.keepCheckoutHistory).toBe(false);
    const out = await desk(
      'mutation($p: ID!) { checkOut(input: { patronId: $p, itemId: "item_newbook", itemType: "book", branch: "MAIN" }) { id } }',
      { p: patron.id },
    );
    const loanId = (out.body.data as { checkOut: { id: string } }).checkOut.id;
    // Anonymised on return: even the desk that checked it in no longer reads it.
    expect(
      (await desk('mutation($l: ID!) { checkIn(loanId: $l) { anonymised } }', { l: loanId })).body
        .data,
    ).toEqual({ checkIn: { anonymised: true } });
    expect(await loanRows(loanId)).toEqual([{ id: loanId, patron_id: null, anonymised: true }]);
  });

  test('reg. 11: the database default for keep_checkout_history is off', async () => {
    await t.db.raw(
      `insert into patrons (id, card_number, name, birth_date, card_expires_on) values ('pat_rawinsert', '29999999999990', 'Raw', '1990-01-01', '2030-01-01')`,
    );
    expect(
      await t.db.raw(`select keep_checkout_history from patrons where id = 'pat_rawinsert'`),
    ).toEqual([{ keep_checkout_history: false }]);
  });
});

describe('switching off', () => {
  test('reg. 11: switching history off without confirmation says how many loans it would anonymise and changes nothing', async () => {
    const r = await t.gql(OFF, { as: AS.ada });
    expect(r.body.errors).toEqual([
      {
        message:
          'Switching checkout history off irrevocably anonymises 1 returned loan; repeat with confirmDeletion: true to proceed.',
        path: ['setCheckoutHistory'],
        locations: [{ line: 1, column: 12 }],
        extensions: { code: 'CONFIRMATION_REQUIRED', returnedLoans: 1 },
      },
    ]);
    expect(
      await t.db.raw('select keep_checkout_history from patrons where id = $1', [DEMO.patrons.ada]),
    ).toEqual([{ keep_checkout_history: true }]);
    expect(await loanRows(DEMO.patrons.ada)).toEqual([
      { id: 'loan_adacurrent', patron_id: DEMO.patrons.ada, anonymised: false },
      { id: 'loan_adareturned', patron_id: DEMO.patrons.ada, anonymised: false },
    ]);
  });

  test('reg. 11: switching history off is one transaction: if anonymising fails, history stays on and nothing is anonymised', async () => {
    await t.db.raw(
      `create function test_refuse_anonymise() returns trigger language plpgsql as $$ begin raise exception 'simulated storage failure'; end $$`,
    );
    await t.db.raw(
      `create trigger test_refuse_anonymise before update on loans for each row when (old.patron_id is not null and new.patron_id is null) execute function test_refuse_anonymise()`,
    );
    try {
      const r = await t.gql(OFF_CONFIRMED, { as: AS.ada });
      expect(codes(r.body.errors)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(r.body)).not.toContain('simulated');
    } finally {
      await t.db.raw('drop trigger test_refuse_anonymise on loans');
      await t.db.raw('drop function test_refuse_anonymise()');
    }
    expect(
      await t.db.raw('select keep_checkout_history from patrons where id = $1', [DEMO.patrons.ada]),
    ).toEqual([{ keep_checkout_history: true }]);
    expect((await loanRows(DEMO.patrons.ada)).map((l) => l.anonymised)).toEqual([false, false]);
  });

  test('reg. 11: switching history off with confirmation deletes it irrevocably: returned loans lose the patron and the fines their link', async () => {
    const r = await t.gql(OFF_CONFIRMED, { as: AS.ada });
    expect(r.body.data).toEqual({
      setCheckoutHistory: {
        keepCheckoutHistory: false,
        loans: { nodes: [{ id: 'loan_adacurrent' }] },
      },
    });
    expect(await loanRows('loan_adareturned')).toEqual([
      { id: 'loan_adareturned', patron_id: null, anonymised: true },
    ]);
    // The paid fine stays Ada's, but no longer leads to the item she borrowed.
    expect(
      await t.db.raw(`select patron_id, loan_id, status from fines where id = 'fine_adapaid'`),
    ).toEqual([{ patron_id: DEMO.patrons.ada, loan_id: null, status: 'PAID' }]);
    // Switching it back on does not bring anything back.
    const on = await t.gql(
      'mutation { setCheckoutHistory(keep: true) { keepCheckoutHistory loans { nodes { id } } } }',
      { as: AS.ada },
    );
    expect(on.body.data).toEqual({
      setCheckoutHistory: {
        keepCheckoutHistory: true,
        loans: { nodes: [{ id: 'loan_adacurrent' }] },
      },
    });
    expect(
      (await t.gql('{ me { fines { nodes { id loan { id } } } } }', { as: AS.ada })).body.data,
    ).toEqual({ me: { fines: { nodes: [{ id: 'fine_adapaid', loan: null }] } } });
  });

  test('reg. 11: switching history on keeps returned loans; a loan with a fine still owed stays linked until the fine closes', async () => {
    expect(
      (
        await t.gql('mutation { setCheckoutHistory(keep: true) { keepCheckoutHistory } }', {
          as: AS.ben,
        })
      ).body.data,
    ).toEqual({
      setCheckoutHistory: { keepCheckoutHistory: true },
    });
    expect(
      (await desk('mutation { checkIn(loanId: "loan_bencurrent") { anonymised } }')).body.data,
    ).toEqual({ checkIn: { anonymised: false } });
    expect(
      (await desk('mutation { checkIn(loanId: "loan_benoverdue") { anonymised } }')).body.data,
    ).toEqual({ checkIn: { anonymised: false } });
    const ask = await t.gql(OFF, { as: AS.ben });
    expect([codes(ask.body.errors), ask.body.errors![0]!.extensions!.returnedLoans]).toEqual([
      ['CONFIRMATION_REQUIRED'],
      1,
    ]);
    const r = await t.gql(OFF_CONFIRMED, { as: AS.ben });
    expect(r.body.data).toEqual({
      setCheckoutHistory: {
        keepCheckoutHistory: false,
        loans: { nodes: [{ id: 'loan_benoverdue' }] },
      },
    });
    expect(await loanRows(DEMO.patrons.ben)).toEqual([
      { id: 'loan_benoverdue', patron_id: DEMO.patrons.ben, anonymised: false },
    ]);
    expect(await loanRows('loan_bencurrent')).toEqual([
      { id: 'loan_bencurrent', patron_id: null, anonymised: true },
    ]);
  });

  test('reg. 11: with history already off and nothing to anonymise, switching off needs no confirmation', async () => {
    expect((await t.gql(OFF, { as: AS.carmen })).body.data).toEqual({
      setCheckoutHistory: { keepCheckoutHistory: false },
    });
  });
});
