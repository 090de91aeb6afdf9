// Regulation 10: a payment card number is never accepted, in any input; the library's own card
// number (a 14-digit barcode with a mod-10 check digit) is not a payment card.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { containsPaymentCardNumber, findPaymentCardNumber } from '../../src/domain/validation.js';
import { DEMO, demoCardNumber } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';

const VISA = '4111111111111111';

describe('the detector', () => {
  test('reg. 10: 13 to 19 digits passing the Luhn check, together or in groups, anywhere in a text, are a card number', () => {
    const hits = [
      VISA,
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      'tok_4111111111111111',
      'paid with 5555 5555 5555 4444 today',
      '378282246310005',
      '4222222222222',
      '6011000990139424',
      // 18 and 19 digits (the longest), and groups split by a no-break space.
      '450000000000000007',
      '6222020000000000000',
      '6222 0200 0000 0000 000',
      '4111\u00a01111\u00a01111\u00a01111',
    ];
    const misses = [
      '4111111111111112',
      '411111111111',
      'Overdue item',
      '+1 785 555 0101',
      '2029-03-10T10:00:00Z',
      'tok_demo_ada_0001',
      '41111111111111111111',
      'Box 4, shelf 12',
      '6222020000000000001',
    ];
    expect(hits.map(containsPaymentCardNumber)).toEqual(hits.map(() => true));
    expect(misses.map(containsPaymentCardNumber)).toEqual(misses.map(() => false));
  });

  test('reg. 10: every string of an input is screened and the first hit is named by its path; a library barcode in a card-number field is not a payment card', () => {
    expect(findPaymentCardNumber({ a: 'fine', b: [{ note: `x ${VISA}` }] })).toBe('b.0.note');
    expect(findPaymentCardNumber({ cardNumber: demoCardNumber(1) })).toBeNull();
    // The same barcode in free text, or a payment card in the card-number field, is refused.
    expect(findPaymentCardNumber({ reason: `card ${demoCardNumber(1)}` })).toBe('reason');
    expect(findPaymentCardNumber({ reason: demoCardNumber(1) })).toBe('reason');
    expect(findPaymentCardNumber({ cardNumber: VISA })).toBe('cardNumber');
  });
});

describe('through the API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.stop());

  const staff = { as: AS.circulation, purpose: 'FINES_COLLECTION' };
  const errorOf = (r: Awaited<ReturnType<TestServer['gql']>>) => ({
    data: r.body.data,
    errors: r.body.errors?.map((e) => ({
      code: e.extensions?.code,
      field: e.extensions?.field,
      message: e.message,
    })),
  });
  const refused = (field: string | undefined) => ({
    data: null,
    errors: [
      {
        code: 'PAYMENT_CARD_NUMBER_REFUSED',
        field,
        message:
          'A payment card number is never accepted: record only the processor token and the last four digits.',
      },
    ],
  });

  test('reg. 10: a card number in a fine reason is refused with a typed error naming the field, and no fine is written', async () => {
    const before = await t.db.raw(`select count(*)::int as n from fines`);
    const r = await t.gql(
      `mutation ($input: AssessFineInput!) { assessFine(input: $input) { id } }`,
      {
        ...staff,
        variables: {
          input: {
            patronId: 'pat_benokafor',
            amountCents: 500,
            reason: `Paid by phone, card ${VISA}`,
          },
        },
      },
    );
    expect(errorOf(r)).toEqual(refused('reason'));
    // Request ids are random hex and may hold 1111 themselves: the check is on everything else.
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    const body = JSON.stringify(r.body).replace(uuid, '');
    expect(body).not.toContain('1111');
    expect(await t.db.raw(`select count(*)::int as n from fines`)).toEqual(before);
  });

  test('reg. 10: a card number passed as the processor token is refused and the fine stays owed', async () => {
    const r = await t.gql(`mutation ($input: PayFineInput!) { payFine(input: $input) { id } }`, {
      ...staff,
      variables: {
        input: {
          fineId: 'fine_benowed',
          amountCents: 450,
          processorToken: VISA,
          cardLast4: '1111',
        },
      },
    });
    expect(errorOf(r)).toEqual(refused('processorToken'));
    expect(await t.db.raw(`select status from fines where id = 'fine_benowed'`)).toEqual([
      { status: 'OWED' },
    ]);
    expect(
      await t.db.raw(`select count(*)::int as n from payments where fine_id = 'fine_benowed'`),
    ).toEqual([{ n: 0 }]);
  });

  test('reg. 10: waiver reasons, consult questions and addresses are screened the same way', async () => {
    const waive = await t.gql(
      `mutation { waiveFine(fineId: "fine_benowed", reason: "refund to 4111-1111-1111-1111") { id } }`,
      staff,
    );
    expect(errorOf(waive)).toEqual(refused(undefined));
    const consult = await t.gql(
      `mutation ($input: RecordConsultInput!) { recordReferenceConsult(input: $input) { id } }`,
      {
        as: AS.reference,
        purpose: 'REFERENCE_SERVICE',
        variables: { input: { channel: 'PHONE', question: `Can I pay with 5555 5555 5555 4444?` } },
      },
    );
    expect(errorOf(consult)).toEqual(refused('question'));
    const patron = await t.gql(
      `mutation ($input: UpdatePatronInput!) { updatePatron(id: "pat_benokafor", input: $input) { id } }`,
      {
        as: AS.ben,
        variables: { input: { addressLine1: VISA } },
      },
    );
    expect(errorOf(patron)).toEqual(refused('addressLine1'));
    expect(await t.db.raw(`select address_line1 from patrons where id = 'pat_benokafor'`)).toEqual([
      { address_line1: '400 Vattier St' },
    ]);
  });

  test('reg. 10: a payment with a processor token and last four digits is accepted; the library card number, in a lookup or a vendor’s card check, still takes a library barcode', async () => {
    const pay = await t.gql(
      `mutation ($input: PayFineInput!) { payFine(input: $input) { status } }`,
      {
        ...staff,
        variables: {
          input: {
            fineId: 'fine_daniowed',
            amountCents: 50,
            processorToken: 'tok_live_9f8e7d6c5b',
            cardLast4: '4242',
          },
        },
      },
    );
    expect(errorOf(pay)).toEqual({ data: { payFine: { status: 'PAID' } }, errors: undefined });
    const lookup = await t.gql(
      `query ($c: String!) { patronByCardNumber(cardNumber: $c) { id } }`,
      {
        as: AS.circulation,
        purpose: 'CIRCULATION_DESK',
        variables: { c: demoCardNumber(2) },
      },
    );
    expect(errorOf(lookup)).toEqual({
      data: { patronByCardNumber: { id: 'pat_benokafor' } },
      errors: undefined,
    });
    const check = await t.gql(
      `mutation ($card: String!, $pin: String!) { verifyCard(cardNumber: $card, pin: $pin) { cardValid pinValid } }`,
      { as: AS.vendor, variables: { card: demoCardNumber(1), pin: DEMO.pin } },
    );
    expect(errorOf(check)).toEqual({
      data: { verifyCard: { cardValid: true, pinValid: true } },
      errors: undefined,
    });
  });
});
