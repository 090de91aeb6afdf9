// Nondisclosure orders (the patron learns of a disclosure only once the order expires: regulations
// 4 and 11) and patron consent to disclosure to a named third party (regulation 6).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type CallOptions, type TestServer } from '../../support/server.js';
import { AS, type TokenSpec } from '../../support/tokens.js';
import {
  DAY,
  circulation,
  codes,
  director,
  intakeInput,
  movableClock,
  receive,
} from './support.js';

const clock = movableClock();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ now: clock.now });
});
afterAll(() => t?.stop());
afterEach(() => {
  clock.offset = 0;
});

const LIST = `query($id: ID!) { patron(id: $id) { disclosureRequests { nodes { id } } } }`;
const READ = `query($id: ID!) { disclosureRequest(id: $id) { id status nondisclosureUntil } }`;
const listOf = async (patronId: string, who: CallOptions = { as: AS.ada }): Promise<string[]> =>
  (
    await t.gql<{ patron: { disclosureRequests: { nodes: { id: string }[] } } }>(LIST, {
      ...who,
      variables: { id: patronId },
    })
  ).body.data?.patron.disclosureRequests.nodes.map((n) => n.id) ?? [];

describe('nondisclosure orders', () => {
  test('reg. 4: under a nondisclosure order the patron does not see the disclosure in their list; the Director does', async () => {
    expect(await listOf('pat_adalovelace')).toEqual(['dr_approved']);
    expect((await listOf('pat_adalovelace', director)).sort()).toEqual([
      'dr_approved',
      'dr_fulfilled',
    ]);
  });

  test('reg. 4: under a nondisclosure order the patron cannot read the request directly (same answer as an unknown id)', async () => {
    for (const id of ['dr_fulfilled', 'dr_doesnotexist']) {
      expect((await t.gql(READ, { as: AS.ada, variables: { id } })).body).toMatchObject({
        data: { disclosureRequest: null },
        errors: [{ extensions: { code: 'FORBIDDEN' } }],
      });
    }
    expect((await t.gql(READ, { as: AS.ada, variables: { id: 'dr_approved' } })).body.data).toEqual(
      { disclosureRequest: { id: 'dr_approved', status: 'APPROVED', nondisclosureUntil: null } },
    );
  });

  test('reg. 11: once the order expires, the patron sees the disclosure, in the list and directly', async () => {
    clock.offset = 61 * DAY; // dr_fulfilled's order runs 60 days from seeding
    expect((await listOf('pat_adalovelace')).sort()).toEqual(['dr_approved', 'dr_fulfilled']);
    const r = await t.gql<{ disclosureRequest: { id: string; status: string } }>(READ, {
      as: AS.ada,
      variables: { id: 'dr_fulfilled' },
    });
    expect(r.body.data?.disclosureRequest).toMatchObject({
      id: 'dr_fulfilled',
      status: 'FULFILLED',
    });
  });

  test('reg. 4: an order recorded at intake hides the request from the patron until it expires, and not after', async () => {
    const until = clock.at(5 * DAY);
    const id = await receive(t, { patronIds: ['pat_benokafor'], nondisclosureUntil: until });
    expect(await listOf('pat_benokafor', { as: AS.ben })).not.toContain(id);
    expect(codes(await t.gql(READ, { as: AS.ben, variables: { id } }))).toEqual(['FORBIDDEN']);
    clock.offset = 5 * DAY + 1000;
    expect(await listOf('pat_benokafor', { as: AS.ben })).toContain(id);
    expect((await t.gql(READ, { as: AS.ben, variables: { id } })).body.data).toEqual({
      disclosureRequest: { id, status: 'RECEIVED', nondisclosureUntil: until },
    });
  });

  test('reg. 4: an order that has already expired is refused at intake (BAD_USER_INPUT)', async () => {
    const r = await t.gql(
      `mutation($input: ReceiveDisclosureRequestInput!) { receiveDisclosureRequest(input: $input) { id } }`,
      {
        ...circulation,
        variables: { input: intakeInput({ nondisclosureUntil: clock.at(-DAY) }) },
      },
    );
    expect(r.body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'nondisclosureUntil',
    });
  });
});

describe('patron consent', () => {
  const GRANT = `mutation($p: ID!, $input: GrantConsentInput!) { c: grantConsent(patronId: $p, input: $input) { id requesterId categories expiresAt revokedAt } }`;
  const REVOKE = `mutation($p: ID!, $c: ID!) { c: revokeConsent(patronId: $p, consentId: $c) { id revokedAt } }`;
  const BEN = `{ patron(id: "pat_benokafor") { name email fines { nodes { id } } } }`;

  async function grant(
    input: Record<string, unknown>,
    as: TokenSpec = AS.ben,
    patronId = 'pat_benokafor',
  ) {
    return t.gql<{ c: { id: string } & Record<string, unknown> }>(GRANT, {
      as,
      variables: { p: patronId, input },
    });
  }

  test('reg. 6: a patron consents to disclosing chosen categories to a named third party: it reads those, nothing else', async () => {
    const r = await grant({ requesterId: 'req_court', categories: ['IDENTITY'] });
    expect(r.body.data?.c).toEqual({
      id: r.body.data!.c.id,
      requesterId: 'req_court',
      categories: ['IDENTITY'],
      expiresAt: null,
      revokedAt: null,
    });
    const read = await t.gql(BEN, { as: AS.court });
    expect(read.body.data).toEqual({
      patron: { name: 'Ben Okafor', email: 'ben@example.org', fines: null },
    });
    expect(codes(read)).toEqual(['FORBIDDEN']);
    // Nobody else gains anything: another requester, another patron.
    expect(codes(await t.gql(BEN, { as: AS.police }))).toEqual(['FORBIDDEN']);
    expect(
      codes(await t.gql(`{ patron(id: "pat_carmendiaz") { name } }`, { as: AS.court })),
    ).toEqual(['FORBIDDEN']);

    // reg. 6: revocation ends it at once; a second revocation is a conflict.
    const revoked = await t.gql<{ c: { revokedAt: string | null } }>(REVOKE, {
      as: AS.ben,
      variables: { p: 'pat_benokafor', c: r.body.data!.c.id },
    });
    expect(revoked.body.data?.c.revokedAt).not.toBeNull();
    expect(codes(await t.gql(BEN, { as: AS.court }))).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await t.gql(REVOKE, {
          as: AS.ben,
          variables: { p: 'pat_benokafor', c: r.body.data!.c.id },
        }),
      ),
    ).toEqual(['CONFLICT']);
  });

  test('reg. 6: revoking a consent ends every category it gave, on every path (root, relations, lookups by id, _entities)', async () => {
    const archive = {
      sub: 'svc_archive',
      roles: ['requester' as const],
      requesterId: 'req_archive',
    };
    const EVERY_PATH = `query($reps: [_Any!]!) {
      patron(id: "pat_benokafor") { name loans { nodes { id } } fines { nodes { id } } referenceConsults { nodes { id } } }
      loan(id: "loan_bencurrent") { id branch }
      fine(id: "fine_benowed") { id amountCents }
      referenceConsult(id: "rc_benphone") { id channel }
      _entities(representations: $reps) {
        ... on Patron { email } ... on Loan { dueAt } ... on Fine { status } ... on ReferenceConsult { question }
      }
    }`;
    const reps = [
      { __typename: 'Patron', id: 'pat_benokafor' },
      { __typename: 'Loan', id: 'loan_bencurrent' },
      { __typename: 'Fine', id: 'fine_benowed' },
      { __typename: 'ReferenceConsult', id: 'rc_benphone' },
    ];
    const read = () => t.gql(EVERY_PATH, { as: archive, variables: { reps } });
    const consent = await grant({
      requesterId: 'req_archive',
      categories: ['IDENTITY', 'CIRCULATION', 'FINES', 'REFERENCE'],
    });
    const before = await read();
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data).toEqual({
      patron: {
        name: 'Ben Okafor',
        loans: { nodes: [{ id: 'loan_bencurrent' }, { id: 'loan_benoverdue' }] },
        fines: { nodes: [{ id: 'fine_benowed' }] },
        referenceConsults: { nodes: [{ id: 'rc_benphone' }] },
      },
      loan: { id: 'loan_bencurrent', branch: 'EAST' },
      fine: { id: 'fine_benowed', amountCents: 450 },
      referenceConsult: { id: 'rc_benphone', channel: 'PHONE' },
      _entities: [
        { email: 'ben@example.org' },
        { dueAt: expect.any(String) },
        { status: 'OWED' },
        { question: 'Do you hold county tax records from 1990?' },
      ],
    });

    await t.gql(REVOKE, {
      as: AS.ben,
      variables: { p: 'pat_benokafor', c: consent.body.data!.c.id },
    });
    const after = await read();
    // Every category, every path: nothing of ben is left, and each refusal is the same FORBIDDEN.
    expect(after.body.data).toEqual({
      patron: null,
      loan: null,
      fine: null,
      referenceConsult: null,
      _entities: [null, null, null, null],
    });
    expect(
      (after.body.errors ?? []).map((e) => `${e.path!.join('.')}:${e.extensions!.code}`).sort(),
    ).toEqual([
      '_entities.0:FORBIDDEN',
      '_entities.1:FORBIDDEN',
      '_entities.2:FORBIDDEN',
      '_entities.3:FORBIDDEN',
      'fine:FORBIDDEN',
      'loan:FORBIDDEN',
      'patron:FORBIDDEN',
      'referenceConsult:FORBIDDEN',
    ]);
  });

  test('reg. 6: a consent with an expiry lapses on its own', async () => {
    await grant({ requesterId: 'req_insurer', categories: ['IDENTITY'], expiresAt: clock.at(DAY) });
    const insurer = {
      sub: 'svc_insurer',
      roles: ['requester' as const],
      requesterId: 'req_insurer',
    };
    expect(
      (await t.gql(`{ patron(id: "pat_benokafor") { name } }`, { as: insurer })).body.data,
    ).toEqual({ patron: { name: 'Ben Okafor' } });
    clock.offset = 2 * DAY;
    expect(codes(await t.gql(`{ patron(id: "pat_benokafor") { name } }`, { as: insurer }))).toEqual(
      ['FORBIDDEN'],
    );
  });

  test('reg. 6: only the patron gives or revokes their consent: not another patron, not staff', async () => {
    const input = { requesterId: 'req_court', categories: ['CIRCULATION'] };
    expect(codes(await grant(input, AS.ada))).toEqual(['FORBIDDEN']);
    expect(
      codes(await t.gql(GRANT, { ...circulation, variables: { p: 'pat_benokafor', input } })),
    ).toEqual(['FORBIDDEN']);
    expect(
      codes(await t.gql(GRANT, { ...director, variables: { p: 'pat_benokafor', input } })),
    ).toEqual(['FORBIDDEN']);
    // Ada naming herself but Ben's consent: the same answer as an unknown consent.
    for (const c of ['con_bentolawfirm', 'con_doesnotexist']) {
      expect(
        codes(await t.gql(REVOKE, { as: AS.ada, variables: { p: 'pat_adalovelace', c } })),
      ).toEqual(['FORBIDDEN']);
    }
    expect(
      codes(
        await t.gql(REVOKE, {
          as: AS.ada,
          variables: { p: 'pat_benokafor', c: 'con_bentolawfirm' },
        }),
      ),
    ).toEqual(['FORBIDDEN']);
    // The law firm's consent is untouched.
    expect(
      (
        await t.gql(`{ patron(id: "pat_benokafor") { fines { nodes { id } } } }`, {
          as: AS.lawfirm,
        })
      ).body.data,
    ).toEqual({ patron: { fines: { nodes: [{ id: 'fine_benowed' }] } } });
  });

  test('reg. 6: a consent names at least one category, never DISCLOSURE, and an expiry in the future', async () => {
    expect(
      (await grant({ requesterId: 'req_court', categories: [] })).body.errors?.[0]?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'categories' });
    expect(
      (await grant({ requesterId: 'req_court', categories: ['DISCLOSURE'] })).body.errors?.[0]
        ?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'categories.0' });
    expect(
      (await grant({ requesterId: 'req_court', categories: ['FINES'], expiresAt: clock.at(-DAY) }))
        .body.errors?.[0]?.extensions,
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
  });

  test('reg. 6: the patron lists their consents; the third party named does not see the list', async () => {
    const list = `{ patron(id: "pat_benokafor") { consents { id requesterId categories } } }`;
    const mine = await t.gql<{ patron: { consents: { id: string; requesterId: string }[] } }>(
      list,
      { as: AS.ben },
    );
    expect(mine.body.data?.patron.consents.map((c) => c.requesterId)).toContain('req_lawfirm');
    expect(mine.body.data?.patron.consents).toContainEqual({
      id: 'con_bentolawfirm',
      requesterId: 'req_lawfirm',
      categories: ['FINES'],
    });
    const theirs = await t.gql(list, { as: AS.lawfirm });
    expect(theirs.body.data).toEqual({ patron: { consents: null } });
    expect(codes(theirs)).toEqual(['FORBIDDEN']);
  });
});
