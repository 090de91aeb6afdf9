// The desk's mutations work, and bad input gets a typed error and changes nothing
// (invariant 7).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { DEMO } from '../../src/seed/demo.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const desk = { as: AS.circulation, purpose: 'CIRCULATION_DESK' };
const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };

/** Every row of every domain table, to prove a refused write changed nothing. */
async function snapshot() {
  const tables = ['patrons', 'loans', 'fines', 'payments', 'reference_consults'];
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await t.db.raw(`select * from ${table} order by id`);
  return out;
}

describe('the circulation desk', () => {
  test('register, update, check out, assess, pay, check in (history off: the loan is anonymised)', async () => {
    const reg = await t.gql<{
      registerPatron: {
        id: string;
        cardNumber: string;
        keepCheckoutHistory: boolean;
        status: string;
      };
    }>(
      `mutation { registerPatron(input: { name: "Grace Hopper", email: "Grace@Example.org", birthDate: "1990-12-09", phone: "+1 785 555 0199" }) {
        id cardNumber keepCheckoutHistory status email } }`,
      desk,
    );
    expect(reg.body.errors).toBeUndefined();
    const patron = reg.body.data!.registerPatron;
    expect(patron).toMatchObject({
      keepCheckoutHistory: false,
      status: 'ACTIVE',
      email: 'grace@example.org',
    });
    expect(patron.cardNumber).toMatch(/^2\d{13}$/);

    const upd = await t.gql(
      `mutation($id: ID!) { updatePatron(id: $id, input: { city: "Manhattan", notifyByEmail: true }) { city notifyByEmail } }`,
      {
        ...desk,
        variables: { id: patron.id },
      },
    );
    expect(upd.body.data).toEqual({ updatePatron: { city: 'Manhattan', notifyByEmail: true } });

    const out = await t.gql<{ checkOut: { id: string; status: string } }>(
      `mutation($p: ID!) { checkOut(input: { patronId: $p, itemId: "item_cobol", itemType: "book", branch: "MAIN" }) { id status patron { id } } }`,
      { ...desk, variables: { p: patron.id } },
    );
    expect(out.body.errors).toBeUndefined();
    const loanId = out.body.data!.checkOut.id;
    expect(out.body.data).toEqual({
      checkOut: { id: loanId, status: 'ON_LOAN', patron: { id: patron.id } },
    });

    const fine = await t.gql<{ assessFine: { id: string } }>(
      `mutation($p: ID!, $l: ID!) { assessFine(input: { patronId: $p, loanId: $l, amountCents: 250, reason: "Damaged cover" }) { id status amountCents } }`,
      { ...desk, variables: { p: patron.id, l: loanId } },
    );
    const fineId = fine.body.data!.assessFine.id;
    expect(fine.body.data).toEqual({
      assessFine: { id: fineId, status: 'OWED', amountCents: 250 },
    });

    const paid = await t.gql(
      `mutation($f: ID!) { payFine(input: { fineId: $f, amountCents: 250, processorToken: "tok_test_12345678", cardLast4: "1881" }) { status payments { amountCents cardLast4 } } }`,
      { ...desk, variables: { f: fineId } },
    );
    expect(paid.body.data).toEqual({
      payFine: { status: 'PAID', payments: [{ amountCents: 250, cardLast4: '1881' }] },
    });

    const back = await t.gql(
      `mutation($l: ID!) { checkIn(loanId: $l) { anonymised loan { id } } }`,
      { ...desk, variables: { l: loanId } },
    );
    // reg. 4: once returned, the loan is history, which circulation staff never see.
    expect(back.body.data).toEqual({ checkIn: { anonymised: true, loan: null } });
    expect(back.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const [row] = await t.db.raw(
      'select patron_id, anonymised_at is not null as anonymised from loans where id = $1',
      [loanId],
    );
    expect(row).toEqual({ patron_id: null, anonymised: true });
  });

  test('reg. 11: check-in keeps the link for a patron who keeps history', async () => {
    const back = await t.gql(
      `mutation { checkIn(loanId: "loan_adacurrent") { anonymised loan { status patron { id } } } }`,
      director,
    );
    expect(back.body.data).toEqual({
      checkIn: {
        anonymised: false,
        loan: { status: 'RETURNED', patron: { id: DEMO.patrons.ada } },
      },
    });
  });

  test('waive an owed fine with a reason; the Director may too', async () => {
    const r = await t.gql(
      `mutation { waiveFine(fineId: "fine_daniowed", reason: "First offence") { status waivedBy waiverReason } }`,
      director,
    );
    expect(r.body.data).toEqual({
      waiveFine: { status: 'WAIVED', waivedBy: DEMO.staff.director, waiverReason: 'First offence' },
    });
  });

  test('a reference librarian records a consult', async () => {
    const r = await t.gql(
      `mutation { recordReferenceConsult(input: { patronId: "${DEMO.patrons.ben}", channel: CHAT, question: "Census microfilm?", answerSummary: "Reading room 2" }) {
        channel status librarianId patron { id } } }`,
      { as: AS.reference, purpose: 'REFERENCE_SERVICE' },
    );
    expect(r.body.data).toEqual({
      recordReferenceConsult: {
        channel: 'CHAT',
        status: 'FINISHED',
        librarianId: DEMO.staff.reference,
        patron: { id: DEMO.patrons.ben },
      },
    });
  });
});

describe('invariant 7: bad input gets a typed error and changes nothing', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    [
      'unknown patron id at checkout',
      `mutation($p: ID!) { checkOut(input: { patronId: $p, itemId: "i1", itemType: "book", branch: "MAIN" }) { id } }`,
      { p: 'pat_doesnotexist' },
      'NOT_FOUND',
    ],
    [
      'malformed patron id',
      `mutation($p: ID!) { checkOut(input: { patronId: $p, itemId: "i1", itemType: "book", branch: "MAIN" }) { id } }`,
      { p: "x'; drop table patrons;--" },
      'BAD_USER_INPUT',
    ],
    [
      'malformed card number',
      `query($c: String!) { patronByCardNumber(cardNumber: $c) { id } }`,
      { c: '1234' },
      'BAD_USER_INPUT',
    ],
    [
      'card number with a wrong check digit',
      `query($c: String!) { patronByCardNumber(cardNumber: $c) { id } }`,
      { c: '29000000000010' },
      'BAD_USER_INPUT',
    ],
    [
      'negative fine amount',
      `mutation { assessFine(input: { patronId: "${DEMO.patrons.ben}", amountCents: -5, reason: "x" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'zero fine amount',
      `mutation { assessFine(input: { patronId: "${DEMO.patrons.ben}", amountCents: 0, reason: "x" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'fine on another patron’s loan',
      `mutation { assessFine(input: { patronId: "${DEMO.patrons.ben}", loanId: "loan_adacurrent", amountCents: 5, reason: "x" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'checking in a returned item',
      `mutation { checkIn(loanId: "loan_adareturned") { anonymised } }`,
      {},
      'CONFLICT',
    ],
    [
      'checking in an unknown loan',
      `mutation { checkIn(loanId: "loan_doesnotexist") { anonymised } }`,
      {},
      'NOT_FOUND',
    ],
    [
      'checking out an item already on loan',
      `mutation { checkOut(input: { patronId: "${DEMO.patrons.ben}", itemId: "item_thingsfallapart", itemType: "book", branch: "MAIN" }) { id } }`,
      {},
      'CONFLICT',
    ],
    [
      'checking out to a suspended patron',
      `mutation { checkOut(input: { patronId: "${DEMO.patrons.eve}", itemId: "item_new", itemType: "book", branch: "MAIN" }) { id } }`,
      {},
      'CONFLICT',
    ],
    [
      'due date in the past',
      `mutation { checkOut(input: { patronId: "${DEMO.patrons.ben}", itemId: "item_new", itemType: "book", branch: "MAIN", dueAt: "2001-01-01T00:00:00Z" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'paying a paid fine',
      `mutation { payFine(input: { fineId: "fine_adapaid", amountCents: 100, processorToken: "tok_abcdefgh" }) { id } }`,
      {},
      'CONFLICT',
    ],
    [
      'paying the wrong amount',
      `mutation { payFine(input: { fineId: "fine_benowed", amountCents: 1, processorToken: "tok_abcdefgh" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'last four that are not four digits',
      `mutation { payFine(input: { fineId: "fine_benowed", amountCents: 450, processorToken: "tok_abcdefgh", cardLast4: "42a2" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'waiving a waived fine',
      `mutation { waiveFine(fineId: "fine_evewaived", reason: "again") { id } }`,
      {},
      'CONFLICT',
    ],
    [
      'waiving without a reason',
      `mutation { waiveFine(fineId: "fine_benowed", reason: "  ") { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'registering with a malformed e-mail',
      `mutation { registerPatron(input: { name: "X", email: "not-an-email", birthDate: "1990-01-01" }) { id } }`,
      {},
      'BAD_USER_INPUT',
    ],
    [
      'registering with an impossible birth date',
      `mutation($b: Date!) { registerPatron(input: { name: "X", birthDate: $b }) { id } }`,
      { b: '1990-13-45' },
      'BAD_USER_INPUT',
    ],
    [
      'updating an unknown patron',
      `mutation { updatePatron(id: "pat_doesnotexist", input: { city: "X" }) { id } }`,
      {},
      'NOT_FOUND',
    ],
  ];

  test.each(cases)('%s', async (_name, query, variables, code) => {
    const before = await snapshot();
    const r = await t.gql(query, { ...desk, variables });
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual([code]);
    // The message names the problem, never the submitted value.
    for (const v of Object.values(variables))
      expect(JSON.stringify(r.body)).not.toContain(String(v));
    expect(await snapshot()).toEqual(before);
  });
});
