// Regulation 7: a subscribed vendor verifies cards of patrons enrolled in its service (four answers,
// nothing about the person), reads their card number only, and every call is audited.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO, demoCardNumber } from '../../src/seed/demo.js';
import { vendorPseudonym } from '../../src/domain/vendor-settings.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { codes, inProcess } from './support.js';

const KEY = Buffer.alloc(32, 7);
const MINUTE = 60_000;
let clock = Date.now();
let t: TestServer;

const VERIFY =
  'mutation($card: String!, $pin: String!) { verifyCard(cardNumber: $card, pin: $pin) { cardValid pinValid goodStanding patronPseudonym } }';
const card = {
  ada: demoCardNumber(1),
  ben: demoCardNumber(2),
  carmen: demoCardNumber(3),
  dani: demoCardNumber(4),
  eve: demoCardNumber(5),
};
const verify = (cardNumber: string, pin: string, as: TokenSpec = AS.vendor) =>
  t.gql(VERIFY, { as, variables: { card: cardNumber, pin } });
const pseudonym = (vendorId: string, patronId: string) => vendorPseudonym(KEY, vendorId, patronId);
const UNKNOWN = {
  verifyCard: { cardValid: false, pinValid: false, goodStanding: false, patronPseudonym: null },
};
const WRONG_PIN = {
  verifyCard: { cardValid: true, pinValid: false, goodStanding: false, patronPseudonym: null },
};
const asDirector = (query: string, variables?: Record<string, unknown>) =>
  t.gql(query, { as: AS.director, purpose: 'RECORDS_AUDIT', variables });

/** A second vendor, registered by the Director, and a token for it. */
let other: TokenSpec;
let otherId: string;

beforeAll(async () => {
  t = await startTestServer({
    env: { VENDOR_PSEUDONYM_KEY: KEY.toString('base64') },
    now: () => new Date(clock),
  });
  const r = await asDirector(
    'mutation { createVendor(input: { name: "Audiobooks Co", scopes: [CARD_VERIFY, CARD_READ] }) { id name scopes active } }',
  );
  const created = (r.body.data as { createVendor: { id: string } }).createVendor;
  otherId = created.id;
  other = {
    sub: 'svc_audio',
    roles: ['vendor'],
    vendorId: otherId,
    scope: 'card:verify card:read',
  };
  expect(r.body.data).toEqual({
    createVendor: {
      id: otherId,
      name: 'Audiobooks Co',
      scopes: ['CARD_VERIFY', 'CARD_READ'],
      active: true,
    },
  });
});
afterAll(() => t?.stop());

describe('verifyCard', () => {
  test('reg. 7: verifyCard answers exactly four things for an enrolled card: valid card, valid PIN, good standing, pseudonym', async () => {
    const r = await verify(card.ada, DEMO.pin);
    expect(r.body).toEqual({
      data: {
        verifyCard: {
          cardValid: true,
          pinValid: true,
          goodStanding: true,
          patronPseudonym: pseudonym(DEMO.vendor, DEMO.patrons.ada),
        },
      },
      extensions: { requestId: expect.any(String) },
    });
    // Nothing about the person travels, not even inside the pseudonym.
    const raw = JSON.stringify(r.body);
    for (const personal of [
      DEMO.patrons.ada,
      'Ada',
      'Lovelace',
      'ada@example.org',
      '555 0101',
      'Poyntz',
      '66502',
      '1985-12-10',
    ]) {
      expect(raw).not.toContain(personal);
    }
  });

  test('reg. 7: the answer type has no field beyond the four answers', async () => {
    const r = await t.gql('{ __type(name: "CardVerification") { fields { name } } }', {
      as: AS.vendor,
    });
    expect(r.body.data).toEqual({
      __type: {
        fields: [
          { name: 'cardValid' },
          { name: 'pinValid' },
          { name: 'goodStanding' },
          { name: 'patronPseudonym' },
        ],
      },
    });
  });

  test('reg. 7: a wrong PIN answers card valid, PIN not valid, and nothing more', async () => {
    expect((await verify(card.ada, '9999')).body.data).toEqual(WRONG_PIN);
  });

  test('reg. 7: a card not enrolled with the vendor gets the same answer as an unknown card', async () => {
    const unknown = demoCardNumber(777);
    expect((await verify(unknown, DEMO.pin)).body.data).toEqual(UNKNOWN);
    expect((await verify(card.carmen, DEMO.pin)).body.data).toEqual(UNKNOWN);
    expect((await verify(card.carmen, '0000')).body.data).toEqual(UNKNOWN);
  });

  test('reg. 7: a malformed card number is a typed input error that echoes nothing', async () => {
    const r = await verify('1234-not-a-card', DEMO.pin);
    expect(codes(r.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.extensions!.field).toBe('cardNumber');
    expect(JSON.stringify(r.body)).not.toContain('1234-not-a-card');
  });

  test('reg. 7: the pseudonym is stable for a vendor, different at another vendor, and never the patron id', async () => {
    await asDirector(
      'mutation($v: ID!, $p: ID) { enrolInVendorService(vendorId: $v, patronId: $p) { id } }',
      { v: otherId, p: DEMO.patrons.ada },
    );
    const first = (await verify(card.ada, DEMO.pin)).body.data as typeof UNKNOWN;
    const again = (await verify(card.ada, DEMO.pin)).body.data as typeof UNKNOWN;
    const elsewhere = (await verify(card.ada, DEMO.pin, other)).body.data as typeof UNKNOWN;
    expect(again).toEqual(first);
    expect(elsewhere.verifyCard.patronPseudonym).toBe(pseudonym(otherId, DEMO.patrons.ada));
    expect(elsewhere.verifyCard.patronPseudonym).not.toBe(first.verifyCard.patronPseudonym);
    expect(first.verifyCard.patronPseudonym).toMatch(/^vp_[A-Za-z0-9_-]{43}$/);
  });

  test('reg. 7: good standing needs an active registration, an unexpired card and fines owed under the limit', async () => {
    // Eve is suspended: enrolled at her request by the Director, valid card and PIN, not in good standing.
    await asDirector(
      'mutation($v: ID!, $p: ID) { enrolInVendorService(vendorId: $v, patronId: $p) { id } }',
      { v: DEMO.vendor, p: DEMO.patrons.eve },
    );
    expect((await verify(card.eve, DEMO.pin)).body.data).toEqual({
      verifyCard: {
        cardValid: true,
        pinValid: true,
        goodStanding: false,
        patronPseudonym: pseudonym(DEMO.vendor, DEMO.patrons.eve),
      },
    });
    // Ada's card expired yesterday: valid card and PIN, not in good standing.
    await t.db.raw(
      `update patrons set card_expires_on = (now() - interval '1 day')::date where id = $1`,
      [DEMO.patrons.ada],
    );
    expect((await verify(card.ada, DEMO.pin)).body.data).toMatchObject({
      verifyCard: { cardValid: true, pinValid: true, goodStanding: false },
    });
    await t.db.raw(
      `update patrons set card_expires_on = (now() + interval '700 days')::date where id = $1`,
      [DEMO.patrons.ada],
    );
    // Ada owes 999 cents (under the 1000 limit), then 1000.
    await t.db.raw(
      `insert into fines (id, patron_id, amount_cents, reason) values ('fine_adaowedone', $1, 999, 'Lost item')`,
      [DEMO.patrons.ada],
    );
    expect((await verify(card.ada, DEMO.pin)).body.data).toMatchObject({
      verifyCard: { goodStanding: true },
    });
    await t.db.raw(`update fines set amount_cents = 1000 where id = 'fine_adaowedone'`);
    expect((await verify(card.ada, DEMO.pin)).body.data).toMatchObject({
      verifyCard: { goodStanding: false },
    });
    await t.db.raw(`delete from fines where id = 'fine_adaowedone'`);
  });
});

describe('lockout', () => {
  test('reg. 7: five wrong PINs lock the card for that vendor with CARD_LOCKED, even for the right PIN, until the lock expires', async () => {
    for (let i = 0; i < 4; i++)
      expect((await verify(card.ben, '1357')).body.data).toEqual(WRONG_PIN);
    const fifth = await verify(card.ben, '1357');
    expect(fifth.body.data).toBeNull();
    expect(fifth.body.errors).toEqual([
      {
        message: 'The card is locked for this service after repeated wrong PINs; try again later.',
        path: ['verifyCard'],
        locations: [{ line: 1, column: 43 }],
        extensions: { code: 'CARD_LOCKED', retryAfterSeconds: 900 },
      },
    ]);
    expect(codes((await verify(card.ben, DEMO.pin)).body.errors)).toEqual(['CARD_LOCKED']);
    // Another vendor is not affected (Ben enrols there himself).
    await t.gql('mutation($v: ID!) { enrolInVendorService(vendorId: $v) { id } }', {
      as: AS.ben,
      variables: { v: otherId },
    });
    expect((await verify(card.ben, DEMO.pin, other)).body.data).toMatchObject({
      verifyCard: { cardValid: true, pinValid: true },
    });
    // Fifteen minutes later the lock has expired and the right PIN works again (and clears the count).
    clock += 15 * MINUTE + 1000;
    expect((await verify(card.ben, DEMO.pin)).body.data).toMatchObject({
      verifyCard: { cardValid: true, pinValid: true },
    });
    expect(
      await t.db.raw(
        `select count(*)::int as n from vendor_pin_failures where patron_id = $1 and vendor_id = $2`,
        [DEMO.patrons.ben, DEMO.vendor],
      ),
    ).toEqual([{ n: 0 }]);
  });

  test('reg. 7: wrong PINs sent in parallel all count', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => verify(card.ada, '1357', other)),
    );
    const locked = results.filter((r) => codes(r.body.errors)[0] === 'CARD_LOCKED').length;
    // Exactly four wrong answers, whatever the interleaving: the fifth failure locks.
    expect({ answered: results.length - locked, locked }).toEqual({ answered: 4, locked: 4 });
    // A request that saw the lock before checking the PIN adds no failure.
    const [row] = await t.db.raw(
      `select failures from vendor_pin_failures where patron_id = $1 and vendor_id = $2`,
      [DEMO.patrons.ada, otherId],
    );
    expect(row!.failures).toBeGreaterThanOrEqual(5);
    expect(row!.failures).toBeLessThanOrEqual(8);
  });

  test('reg. 7: failures older than the lock window do not add up', async () => {
    for (let i = 0; i < 4; i++) await verify(card.dani, '1357', AS.vendor);
    clock += 16 * MINUTE;
    // Dani is not enrolled: no count is kept for a card the vendor may not verify.
    expect(
      await t.db.raw(`select count(*)::int as n from vendor_pin_failures where patron_id = $1`, [
        DEMO.patrons.dani,
      ]),
    ).toEqual([{ n: 0 }]);
    await t.gql('mutation { enrolInVendorService(vendorId: "ven_ebooks") { id } }', {
      as: AS.dani,
    });
    for (let i = 0; i < 4; i++)
      expect((await verify(card.dani, '1357')).body.data).toEqual(WRONG_PIN);
    clock += 16 * MINUTE;
    for (let i = 0; i < 4; i++)
      expect((await verify(card.dani, '1357')).body.data).toEqual(WRONG_PIN);
  });
});

describe('who may verify and read', () => {
  test('reg. 7: verifyCard needs a vendor token with card:verify and a registry entry that is active and grants it', async () => {
    const noScope = { ...AS.vendor, scope: 'card:read' };
    expect(codes((await verify(card.ada, DEMO.pin, noScope)).body.errors)).toEqual(['FORBIDDEN']);
    expect(codes((await verify(card.ada, DEMO.pin, AS.ada)).body.errors)).toEqual(['FORBIDDEN']);
    expect(
      codes(
        (
          await t.gql(VERIFY, {
            as: AS.director,
            purpose: 'RECORDS_AUDIT',
            variables: { card: card.ada, pin: DEMO.pin },
          })
        ).body.errors,
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      codes((await t.gql(VERIFY, { variables: { card: card.ada, pin: DEMO.pin } })).body.errors),
    ).toEqual(['UNAUTHENTICATED']);
    await asDirector(
      'mutation($id: ID!) { updateVendor(id: $id, input: { scopes: [CARD_READ] }) { scopes } }',
      { id: otherId },
    );
    expect(codes((await verify(card.ada, DEMO.pin, other)).body.errors)).toEqual(['FORBIDDEN']);
    await asDirector(
      'mutation($id: ID!) { updateVendor(id: $id, input: { scopes: [CARD_VERIFY, CARD_READ], active: false }) { scopes } }',
      { id: otherId },
    );
    expect(codes((await verify(card.ada, DEMO.pin, other)).body.errors)).toEqual(['FORBIDDEN']);
    await asDirector(
      'mutation($id: ID!) { updateVendor(id: $id, input: { active: true }) { active } }',
      { id: otherId },
    );
  });

  const ENTITY =
    'query($id: ID!) { _entities(representations: [{ __typename: "Patron", id: $id }]) { ... on Patron { id cardNumber name email } } }';

  test('reg. 7: a vendor reads the card number of an enrolled patron, and no other field', async () => {
    const r = await t.gql(ENTITY, { as: AS.vendor, variables: { id: DEMO.patrons.ada } });
    expect(r.body.data).toEqual({
      _entities: [{ id: DEMO.patrons.ada, cardNumber: card.ada, name: null, email: null }],
    });
    expect(codes(r.body.errors)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  test('reg. 7: a vendor cannot read the card number of a patron not enrolled in its service', async () => {
    const r = await t.gql(ENTITY, { as: AS.vendor, variables: { id: DEMO.patrons.carmen } });
    expect(r.body.data).toEqual({ _entities: [null] });
    expect(codes(r.body.errors)).toEqual(['FORBIDDEN']);
    const byId = await t.gql('query($id: ID!) { patron(id: $id) { cardNumber } }', {
      as: AS.vendor,
      variables: { id: DEMO.patrons.carmen },
    });
    expect(byId.body).toMatchObject({ data: { patron: null } });
    expect(codes(byId.body.errors)).toEqual(['FORBIDDEN']);
    // An enrolled patron, reached by id: the card number and nothing else.
    const enrolled = await t.gql('query($id: ID!) { patron(id: $id) { cardNumber name } }', {
      as: AS.vendor,
      variables: { id: DEMO.patrons.ada },
    });
    expect(enrolled.body.data).toEqual({ patron: { cardNumber: card.ada, name: null } });
    expect(codes(enrolled.body.errors)).toEqual(['FORBIDDEN']);
  });

  test('reg. 7: the card number closes when the enrolment ends or the Director withdraws card:read', async () => {
    const read = async (as: TokenSpec) =>
      (
        (await t.gql(ENTITY, { as, variables: { id: DEMO.patrons.ada } })).body.data as {
          _entities: ({ cardNumber: string | null } | null)[];
        }
      )._entities[0]?.cardNumber ?? null;
    expect(await read(other)).toBe(card.ada);
    await asDirector(
      'mutation($id: ID!) { updateVendor(id: $id, input: { scopes: [CARD_VERIFY] }) { scopes } }',
      { id: otherId },
    );
    expect(await read(other)).toBeNull();
    const ended = await t.gql(
      'mutation { endVendorEnrolment(vendorId: "ven_ebooks") { vendor { id } endedAt } }',
      { as: AS.ada },
    );
    expect(ended.body.data).toEqual({
      endVendorEnrolment: { vendor: { id: DEMO.vendor }, endedAt: new Date(clock).toISOString() },
    });
    expect(await read(AS.vendor)).toBeNull();
    expect((await verify(card.ada, DEMO.pin)).body.data).toEqual(UNKNOWN);
    await t.gql('mutation { enrolInVendorService(vendorId: "ven_ebooks") { id } }', { as: AS.ada });
    expect(await read(AS.vendor)).toBe(card.ada);
  });
});

describe('registry and enrolment', () => {
  test('reg. 7: only the Director (or an active designee) manages the registry, with a stated purpose', async () => {
    const create =
      'mutation { createVendor(input: { name: "Sneaky", scopes: [CARD_READ] }) { id } }';
    expect(
      codes((await t.gql(create, { as: AS.circulation, purpose: 'CIRCULATION_DESK' })).body.errors),
    ).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(create, { as: AS.director })).body.errors)).toEqual([
      'PURPOSE_REQUIRED',
    ]);
    expect(codes((await t.gql(create, { as: AS.ada })).body.errors)).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(create, { as: AS.vendor })).body.errors)).toEqual(['FORBIDDEN']);
    const bad = await asDirector(
      'mutation { createVendor(input: { name: "  ", scopes: [] }) { id } }',
    );
    expect(codes(bad.body.errors)).toEqual(['BAD_USER_INPUT']);
    const byDeputy = await t.gql(
      'mutation { createVendor(input: { name: "Deputy Films", scopes: [CARD_VERIFY], active: false }) { name scopes active } }',
      {
        as: AS.deputy,
        purpose: 'RECORDS_AUDIT',
      },
    );
    expect(byDeputy.body.data).toEqual({
      createVendor: { name: 'Deputy Films', scopes: ['CARD_VERIFY'], active: false },
    });
  });

  test('reg. 7: patrons see the active services to enrol in; staff see the whole registry', async () => {
    const q = '{ vendors { name active } }';
    expect((await t.gql(q, { as: AS.ada })).body.data).toEqual({
      vendors: [
        { name: 'Audiobooks Co', active: true },
        { name: 'Demo E-books', active: true },
      ],
    });
    expect((await t.gql(q, { as: AS.circulation })).body.data).toEqual({
      vendors: [
        { name: 'Audiobooks Co', active: true },
        { name: 'Demo E-books', active: true },
        { name: 'Deputy Films', active: false },
      ],
    });
    expect(codes((await t.gql(q, { as: AS.vendor })).body.errors)).toEqual(['FORBIDDEN']);
  });

  test('reg. 7: a patron enrols themself, and cannot enrol or unenrol another patron', async () => {
    const other = await t.gql(
      'mutation($p: ID) { enrolInVendorService(vendorId: "ven_ebooks", patronId: $p) { id } }',
      { as: AS.ada, variables: { p: DEMO.patrons.carmen } },
    );
    expect(codes(other.body.errors)).toEqual(['FORBIDDEN']);
    const end = await t.gql(
      'mutation($p: ID) { endVendorEnrolment(vendorId: "ven_ebooks", patronId: $p) { id } }',
      { as: AS.carmen, variables: { p: DEMO.patrons.ben } },
    );
    expect(codes(end.body.errors)).toEqual(['FORBIDDEN']);
    expect((await verify(card.carmen, DEMO.pin)).body.data).toEqual(UNKNOWN);
    const own = await t.gql(
      'mutation { enrolInVendorService(vendorId: "ven_ebooks") { vendor { name } patron { id } endedAt } }',
      { as: AS.carmen },
    );
    expect(own.body.data).toEqual({
      enrolInVendorService: {
        vendor: { name: 'Demo E-books' },
        patron: { id: DEMO.patrons.carmen },
        endedAt: null,
      },
    });
    expect((await verify(card.carmen, DEMO.pin)).body.data).toMatchObject({
      verifyCard: { cardValid: true, pinValid: true },
    });
  });
});

describe('audit', () => {
  test('reg. 7: every verifyCard call is audited: VENDOR_SCOPE for an enrolled card, a denial otherwise', async () => {
    const run = inProcess(t.db.database.db, {
      maxPinAttempts: 5,
      lockMinutes: 15,
      fineLimitCents: 1000,
      pseudonymKey: () => KEY,
    });
    const row = (subjectId: string | null, outcome: 'GRANTED' | 'DENIED', fields: string[]) => ({
      subjectId,
      typeName: 'CardVerification',
      category: 'IDENTITY',
      outcome,
      basis: outcome === 'GRANTED' ? 'VENDOR_SCOPE' : null,
      basisRef: outcome === 'GRANTED' ? DEMO.vendor : null,
      rule: 'vendor:verifyCard',
      fields: new Set(fields),
    });
    const ok = await run(VERIFY, AS.vendor, { card: card.ada, pin: DEMO.pin });
    expect(ok.audit).toEqual([
      row(DEMO.patrons.ada, 'GRANTED', [
        'cardValid',
        'pinValid',
        'goodStanding',
        'patronPseudonym',
      ]),
    ]);
    const wrong = await run(VERIFY, AS.vendor, { card: card.ada, pin: '1357' });
    expect(wrong.audit).toEqual([row(DEMO.patrons.ada, 'GRANTED', ['cardValid', 'pinValid'])]);
    const notEnrolled = await run(VERIFY, AS.vendor, { card: demoCardNumber(100), pin: DEMO.pin });
    expect(notEnrolled.audit).toEqual([row('pat_demoapatron', 'DENIED', ['cardValid'])]);
    const unknown = await run(VERIFY, AS.vendor, { card: demoCardNumber(778), pin: DEMO.pin });
    expect(unknown.audit).toEqual([row(null, 'DENIED', ['cardValid'])]);
  });
});
