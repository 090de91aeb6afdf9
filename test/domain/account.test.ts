// Regulation 11: a patron reads everything held about them and changes their contact information,
// preferences and PIN; never another patron's. Regulation 5: what is asked for is validated.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyPin } from '../../src/domain/pins.js';
import { DEMO, demoCardNumber } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { codes } from './support.js';

const MINUTE = 60_000;
/** The server's clock: still until the lockout tests move it past a lock. */
let clock = Date.now();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ now: () => new Date(clock) });
});
afterAll(() => t?.stop());

const ME = `{ me {
  id cardNumber name email phone addressLine1 addressLine2 city region postalCode birthDate isMinor status
  notifyByEmail notifyBySms keepCheckoutHistory hasPin
  loans { nodes { id status item { id } } }
  fines { nodes { id status amountCents payments { amountCents cardLast4 } } }
  referenceConsults { nodes { id channel question } }
  onlineServices { vendor { id name } endedAt }
  consents { requesterId categories revokedAt }
  guardianGrantsGiven { child { id } guardian { id } categories revokedAt }
  guardianGrantsReceived { child { id } guardian { id } categories revokedAt }
  disclosureRequests { nodes { id status instrument } }
} }`;

const pinHashOf = async (id: string) =>
  (await t.db.raw('select pin_hash from patrons where id = $1', [id]))[0]!.pin_hash as string;

describe('reading', () => {
  test('reg. 11: a patron reads everything the library holds about them through me', async () => {
    const r = await t.gql(ME, { as: AS.ada });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      me: {
        id: DEMO.patrons.ada,
        cardNumber: demoCardNumber(1),
        name: 'Ada Lovelace',
        email: 'ada@example.org',
        phone: '+1 785 555 0101',
        addressLine1: '12 Poyntz Ave',
        addressLine2: null,
        city: 'Manhattan',
        region: 'KS',
        postalCode: '66502',
        birthDate: '1985-12-10',
        isMinor: false,
        status: 'ACTIVE',
        notifyByEmail: true,
        notifyBySms: false,
        keepCheckoutHistory: true,
        hasPin: true,
        loans: {
          nodes: [
            { id: 'loan_adacurrent', status: 'ON_LOAN', item: { id: 'item_analyticalengine' } },
            { id: 'loan_adareturned', status: 'RETURNED', item: { id: 'item_notesonbabbage' } },
          ],
        },
        fines: {
          nodes: [
            {
              id: 'fine_adapaid',
              status: 'PAID',
              amountCents: 100,
              payments: [{ amountCents: 100, cardLast4: '4242' }],
            },
          ],
        },
        referenceConsults: {
          nodes: [
            {
              id: 'rc_adaemail',
              channel: 'EMAIL',
              question: 'Can I get an interlibrary loan of a rare manuscript?',
            },
            {
              id: 'rc_adainperson',
              channel: 'IN_PERSON',
              question: 'Where are the papers on the difference engine?',
            },
          ],
        },
        onlineServices: [{ vendor: { id: DEMO.vendor, name: 'Demo E-books' }, endedAt: null }],
        consents: [],
        guardianGrantsGiven: [],
        guardianGrantsReceived: [],
        // dr_fulfilled also names Ada, but a nondisclosure order is in force: she is not told.
        disclosureRequests: {
          nodes: [{ id: 'dr_approved', status: 'APPROVED', instrument: 'SUBPOENA' }],
        },
      },
    });
  });

  test('reg. 11: me shows consents given and guardian grants on both sides', async () => {
    const pick =
      '{ me { id consents { requesterId categories revokedAt } guardianGrantsGiven { id guardian { id } categories } guardianGrantsReceived { id child { id } categories } } }';
    const ben = await t.gql(pick, { as: AS.ben });
    expect(ben.body.data).toEqual({
      me: {
        id: DEMO.patrons.ben,
        consents: [
          { requesterId: DEMO.requesters.lawfirm, categories: ['FINES'], revokedAt: null },
        ],
        guardianGrantsGiven: [],
        guardianGrantsReceived: [],
      },
    });
    const dani = await t.gql(pick, { as: AS.dani });
    expect(dani.body.data).toEqual({
      me: {
        id: DEMO.patrons.dani,
        consents: [],
        guardianGrantsGiven: [
          {
            id: 'gg_danitocarmen',
            guardian: { id: DEMO.patrons.carmen },
            categories: ['CIRCULATION', 'FINES'],
          },
        ],
        guardianGrantsReceived: [],
      },
    });
    const carmen = await t.gql(pick, { as: AS.carmen });
    expect(carmen.body.data).toEqual({
      me: {
        id: DEMO.patrons.carmen,
        consents: [],
        guardianGrantsGiven: [],
        guardianGrantsReceived: [
          {
            id: 'gg_danitocarmen',
            child: { id: DEMO.patrons.dani },
            categories: ['CIRCULATION', 'FINES'],
          },
        ],
      },
    });
  });

  test('reg. 11: me is UNAUTHENTICATED without a token and FORBIDDEN for anyone who is not a patron', async () => {
    expect(codes((await t.gql('{ me { id } }')).body.errors)).toEqual(['UNAUTHENTICATED']);
    for (const as of [AS.director, AS.circulation, AS.vendor, AS.police]) {
      const r = await t.gql('{ me { id name } }', { as, purpose: 'RECORDS_AUDIT' });
      expect(r.body).toMatchObject({ data: { me: null } });
      expect(codes(r.body.errors)).toEqual(['FORBIDDEN']);
    }
  });

  test("reg. 11: a patron cannot read another patron's record, by id or by entity reference", async () => {
    const byId = await t.gql(
      'query($id: ID!) { patron(id: $id) { name email loans { nodes { id } } } }',
      { as: AS.ada, variables: { id: DEMO.patrons.ben } },
    );
    expect(byId.body).toMatchObject({ data: { patron: null } });
    expect(codes(byId.body.errors)).toEqual(['FORBIDDEN']);
    const entity = await t.gql(
      'query($id: ID!) { _entities(representations: [{ __typename: "Patron", id: $id }]) { ... on Patron { name email onlineServices { id } consents { id } guardianGrantsReceived { id } hasPin } } }',
      {
        as: AS.ada,
        variables: { id: DEMO.patrons.ben },
      },
    );
    // Refused whole, as the lookup by id is: the same answer an unknown id gets.
    expect(entity.body.data).toEqual({ _entities: [null] });
    expect(entity.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'FORBIDDEN'],
    ]);
  });
});

describe('changing', () => {
  test('reg. 11: a patron changes their contact information (validated, e-mail normalised; null clears a line)', async () => {
    const r = await t.gql(
      'mutation($in: MyContactInput!) { updateMyContact(input: $in) { email phone addressLine1 addressLine2 city region postalCode } }',
      {
        as: AS.ben,
        variables: {
          in: {
            email: ' Ben.Okafor@Example.ORG ',
            phone: '(785) 555-0199',
            addressLine1: '1 Juliette Ave',
            addressLine2: null,
            postalCode: '66503',
          },
        },
      },
    );
    expect(r.body).toMatchObject({
      data: {
        updateMyContact: {
          email: 'ben.okafor@example.org',
          phone: '(785) 555-0199',
          addressLine1: '1 Juliette Ave',
          addressLine2: null,
          city: 'Manhattan',
          region: 'KS',
          postalCode: '66503',
        },
      },
    });
    expect((await t.gql('{ me { email phone postalCode } }', { as: AS.ben })).body.data).toEqual({
      me: { email: 'ben.okafor@example.org', phone: '(785) 555-0199', postalCode: '66503' },
    });
    // null clears a line that holds a value (text notices are off for Ben).
    const cleared = await t.gql(
      'mutation { updateMyContact(input: { phone: null }) { phone addressLine1 } }',
      { as: AS.ben },
    );
    expect(cleared.body).toMatchObject({
      data: { updateMyContact: { phone: null, addressLine1: '1 Juliette Ave' } },
    });
    expect((await t.gql('{ me { phone } }', { as: AS.ben })).body.data).toEqual({
      me: { phone: null },
    });
  });

  test('reg. 11: invalid contact information gets BAD_USER_INPUT naming the field, echoes nothing and changes nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-address' }, 'email'],
      [{ phone: 'call me maybe' }, 'phone'],
      [{ postalCode: '#$%' }, 'postalCode'],
      [{ city: '   ' }, 'city'],
      [{ addressLine1: 'x'.repeat(201) }, 'addressLine1'],
      [{}, ''],
    ];
    for (const [input, field] of cases) {
      const r = await t.gql(
        'mutation($in: MyContactInput!) { updateMyContact(input: $in) { email } }',
        { as: AS.carmen, variables: { in: input } },
      );
      expect(codes(r.body.errors)).toEqual(['BAD_USER_INPUT']);
      expect(r.body.errors![0]!.extensions!.field).toBe(field || undefined);
      for (const value of Object.values(input))
        expect(JSON.stringify(r.body)).not.toContain(String(value).trim() || '\u0000');
    }
    expect(
      (await t.gql('{ me { email phone city postalCode addressLine1 } }', { as: AS.carmen })).body
        .data,
    ).toEqual({
      me: {
        email: 'carmen@example.org',
        phone: '+1 785 555 0103',
        city: 'Manhattan',
        postalCode: '66502',
        addressLine1: '9 Bluemont Ave',
      },
    });
  });

  test('reg. 11: a patron changes notification preferences; a channel needs an address to go to', async () => {
    const set =
      'mutation($in: NotificationPreferencesInput!) { updateMyNotificationPreferences(input: $in) { notifyByEmail notifyBySms } }';
    expect(
      (
        await t.gql(set, {
          as: AS.carmen,
          variables: { in: { notifyBySms: true, notifyByEmail: true } },
        })
      ).body.data,
    ).toEqual({
      updateMyNotificationPreferences: { notifyByEmail: true, notifyBySms: true },
    });
    expect(
      (await t.gql(set, { as: AS.carmen, variables: { in: { notifyByEmail: false } } })).body.data,
    ).toEqual({
      updateMyNotificationPreferences: { notifyByEmail: false, notifyBySms: true },
    });
    // Dani has no e-mail address on file.
    const noEmail = await t.gql(set, { as: AS.dani, variables: { in: { notifyByEmail: true } } });
    expect(codes(noEmail.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect(noEmail.body.errors![0]!.extensions!.field).toBe('notifyByEmail');
    // Nor a telephone number: text notices are refused the same way.
    const noPhone = await t.gql(set, { as: AS.dani, variables: { in: { notifyBySms: true } } });
    expect(codes(noPhone.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect(noPhone.body.errors![0]!.extensions!.field).toBe('notifyBySms');
    expect(
      (await t.gql('{ me { notifyByEmail notifyBySms } }', { as: AS.dani })).body.data,
    ).toEqual({ me: { notifyByEmail: false, notifyBySms: false } });
    // Clearing the phone while text notices are on is refused.
    const clear = await t.gql('mutation { updateMyContact(input: { phone: null }) { phone } }', {
      as: AS.carmen,
    });
    expect(codes(clear.body.errors)).toEqual(['BAD_USER_INPUT']);
    expect((await t.gql('{ me { phone notifyBySms } }', { as: AS.carmen })).body.data).toEqual({
      me: { phone: '+1 785 555 0103', notifyBySms: true },
    });
  });

  test('reg. 11: a patron changes their PIN with the current one; the new PIN is stored as a salted scrypt hash', async () => {
    const before = await pinHashOf(DEMO.patrons.eve);
    const r = await t.gql('mutation($in: ChangePinInput!) { changeMyPin(input: $in) { hasPin } }', {
      as: { sub: 'user_eve', roles: ['patron'], patronId: DEMO.patrons.eve },
      variables: { in: { currentPin: DEMO.pin, newPin: '480613' } },
    });
    expect(r.body.data).toEqual({ changeMyPin: { hasPin: true } });
    const after = await pinHashOf(DEMO.patrons.eve);
    expect(after).not.toBe(before);
    expect(after).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPin('480613', after)).toBe(true);
    expect(await verifyPin(DEMO.pin, after)).toBe(false);
    // Per-record salt: the same PIN for another patron hashes differently.
    await t.gql(
      'mutation { changeMyPin(input: { currentPin: "2468", newPin: "480613" }) { hasPin } }',
      { as: AS.carmen },
    );
    expect(await pinHashOf(DEMO.patrons.carmen)).not.toBe(after);
    expect(await verifyPin('480613', await pinHashOf(DEMO.patrons.carmen))).toBe(true);
  });

  test('reg. 11: a wrong current PIN gets WRONG_PIN and changes nothing; weak or missing PINs are refused', async () => {
    const before = await pinHashOf(DEMO.patrons.ben);
    const change = (input: Record<string, unknown>) =>
      t.gql('mutation($in: ChangePinInput!) { changeMyPin(input: $in) { hasPin } }', {
        as: AS.ben,
        variables: { in: input },
      });
    const wrong = await change({ currentPin: '1357', newPin: '480613' });
    expect(wrong.body.errors).toEqual([
      {
        message: 'The current PIN is not correct.',
        path: ['changeMyPin'],
        locations: [{ line: 1, column: 34 }],
        extensions: { code: 'WRONG_PIN', field: 'currentPin' },
      },
    ]);
    const cases: [Record<string, unknown>, string][] = [
      [{ newPin: '480613' }, 'currentPin'],
      [{ currentPin: DEMO.pin, newPin: '123' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: '1234567890123' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: 'abcd' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: '7777' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: '3456' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: '8765' }, 'newPin'],
      [{ currentPin: DEMO.pin, newPin: DEMO.pin }, 'newPin'],
    ];
    for (const [input, field] of cases) {
      const r = await change(input);
      expect([codes(r.body.errors), r.body.errors![0]!.extensions!.field]).toEqual([
        ['BAD_USER_INPUT'],
        field,
      ]);
    }
    expect(await pinHashOf(DEMO.patrons.ben)).toBe(before);
  });

  test('reg. 11: a patron without a PIN sets a first one without a current PIN', async () => {
    await t.db.raw('update patrons set pin_hash = null where id = $1', [DEMO.patrons.dani]);
    expect((await t.gql('{ me { hasPin } }', { as: AS.dani })).body.data).toEqual({
      me: { hasPin: false },
    });
    const r = await t.gql('mutation { changeMyPin(input: { newPin: "5927" }) { hasPin } }', {
      as: AS.dani,
    });
    expect(r.body.data).toEqual({ changeMyPin: { hasPin: true } });
    expect(await verifyPin('5927', await pinHashOf(DEMO.patrons.dani))).toBe(true);
  });

  test("reg. 11: a patron cannot change another patron's record; staff cannot use the patron's own mutations", async () => {
    const other = await t.gql(
      'mutation($id: ID!) { updatePatron(id: $id, input: { email: "taken@example.org" }) { email } }',
      { as: AS.ada, variables: { id: DEMO.patrons.carmen } },
    );
    expect(codes(other.body.errors)).toEqual(['FORBIDDEN']);
    expect(
      (await t.db.raw('select email from patrons where id = $1', [DEMO.patrons.carmen]))[0],
    ).toEqual({ email: 'carmen@example.org' });
    for (const m of [
      'mutation { updateMyContact(input: { email: "x@example.org" }) { id } }',
      'mutation { updateMyNotificationPreferences(input: { notifyBySms: true }) { id } }',
      'mutation { changeMyPin(input: { newPin: "5927" }) { id } }',
      'mutation { setCheckoutHistory(keep: true) { id } }',
    ]) {
      expect(
        codes((await t.gql(m, { as: AS.circulation, purpose: 'ACCOUNT_SUPPORT' })).body.errors),
      ).toEqual(['FORBIDDEN']);
      expect(codes((await t.gql(m)).body.errors)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('lockout', () => {
  const change = (currentPin: string, newPin: string) =>
    t.gql('mutation($in: ChangePinInput!) { changeMyPin(input: $in) { hasPin } }', {
      as: AS.ben,
      variables: { in: { currentPin, newPin } },
    });
  const failuresOf = (id: string) =>
    t.db.raw('select failures, locked_until from account_pin_failures where patron_id = $1', [id]);

  test('reg. 11: five wrong current PINs lock PIN changes with PIN_LOCKED, the right PIN included, until the lock expires', async () => {
    const before = await pinHashOf(DEMO.patrons.ben);
    for (let i = 0; i < 4; i++)
      expect(codes((await change('1357', '480613')).body.errors)).toEqual(['WRONG_PIN']);
    const fifth = await change('1357', '480613');
    expect(fifth.body.data).toBeNull();
    expect(fifth.body.errors).toEqual([
      {
        message: 'PIN changes are locked after repeated wrong PINs; try again later.',
        path: ['changeMyPin'],
        locations: [{ line: 1, column: 34 }],
        extensions: { code: 'PIN_LOCKED', retryAfterSeconds: 900 },
      },
    ]);
    const [row] = await failuresOf(DEMO.patrons.ben);
    expect([row!.failures, new Date(row!.locked_until as string).getTime()]).toEqual([
      5,
      clock + 15 * MINUTE,
    ]);
    // Locked: the right PIN is refused too, and nothing changes; a PIN tried while locked is not
    // even checked, so it is not counted.
    expect(codes((await change(DEMO.pin, '480613')).body.errors)).toEqual(['PIN_LOCKED']);
    expect(codes((await change('1357', '480613')).body.errors)).toEqual(['PIN_LOCKED']);
    expect((await failuresOf(DEMO.patrons.ben)).map((r) => r.failures)).toEqual([5]);
    expect(await pinHashOf(DEMO.patrons.ben)).toBe(before);
    // Fifteen minutes later the right PIN works again, and the count is gone.
    clock += 15 * MINUTE + 1000;
    expect((await change(DEMO.pin, '480613')).body.data).toEqual({ changeMyPin: { hasPin: true } });
    expect(await failuresOf(DEMO.patrons.ben)).toEqual([]);
  });

  test('reg. 11: wrong current PINs older than the lock window no longer count', async () => {
    for (let i = 0; i < 4; i++)
      expect(codes((await change('1357', '5927')).body.errors)).toEqual(['WRONG_PIN']);
    clock += 15 * MINUTE + 1000;
    expect(codes((await change('1357', '5927')).body.errors)).toEqual(['WRONG_PIN']);
    expect((await failuresOf(DEMO.patrons.ben)).map((r) => [r.failures, r.locked_until])).toEqual([
      [1, null],
    ]);
  });

  test('reg. 11: concurrent wrong current PINs all count: of eight at once, four are WRONG_PIN and four PIN_LOCKED', async () => {
    clock += 15 * MINUTE + 1000;
    const results = await Promise.all(Array.from({ length: 8 }, () => change('1357', '5927')));
    // Exactly four wrong answers, whatever the interleaving: the fifth failure locks.
    const outcome = results.map((r) => codes(r.body.errors)[0]).sort();
    expect(outcome).toEqual([
      'PIN_LOCKED',
      'PIN_LOCKED',
      'PIN_LOCKED',
      'PIN_LOCKED',
      'WRONG_PIN',
      'WRONG_PIN',
      'WRONG_PIN',
      'WRONG_PIN',
    ]);
    // A request that saw the lock before checking its PIN adds no failure.
    const [row] = await failuresOf(DEMO.patrons.ben);
    expect(row!.failures).toBeGreaterThanOrEqual(5);
    expect(row!.failures).toBeLessThanOrEqual(8);
  });
});
