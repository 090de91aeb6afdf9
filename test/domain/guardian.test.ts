// Regulation 14: children have the same privacy as adults; a guardian sees only what the child
// granted (current loans, fines), revocably.
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

const CHILD = `query($id: ID!) { patron(id: $id) {
  id name birthDate cardNumber
  loans { nodes { id status } }
  fines { nodes { id status amountCents } }
  referenceConsults { nodes { id } }
  onlineServices { id }
} }`;
const GRANT =
  'mutation($in: GrantGuardianViewInput!) { grantGuardianView(input: $in) { id child { id } guardian { id } categories grantedBy revokedAt } }';
const REVOKE = 'mutation($id: ID!) { revokeGuardianView(grantId: $id) { id revokedAt } }';

describe('what a guardian sees', () => {
  test('reg. 14: a guardian sees only what the child granted: current loans and fines, nothing else', async () => {
    const r = await t.gql(CHILD, { as: AS.carmen, variables: { id: DEMO.patrons.dani } });
    expect(r.body.data).toEqual({
      patron: {
        id: DEMO.patrons.dani,
        name: null,
        birthDate: null,
        cardNumber: null,
        // loan_danireturned exists, but a guardian never sees returned loans.
        loans: { nodes: [{ id: 'loan_danicurrent', status: 'ON_LOAN' }] },
        fines: { nodes: [{ id: 'fine_daniowed', status: 'OWED', amountCents: 50 }] },
        referenceConsults: null,
        onlineServices: null,
      },
    });
    expect(codes(r.body.errors)).toEqual(Array(5).fill('FORBIDDEN'));
    const history = await t.gql('{ loan(id: "loan_danireturned") { id } }', { as: AS.carmen });
    expect(codes(history.body.errors)).toEqual(['FORBIDDEN']);
  });

  test('reg. 14: a patron the child granted nothing sees nothing of the child', async () => {
    const r = await t.gql(CHILD, { as: AS.ben, variables: { id: DEMO.patrons.dani } });
    expect(r.body).toMatchObject({ data: { patron: null } });
    expect(codes(r.body.errors)).toEqual(['FORBIDDEN']);
  });

  test('reg. 14: a child reads their whole record like an adult, including returned loans and what they granted', async () => {
    const r = await t.gql(
      '{ me { name isMinor birthDate loans { nodes { id } } guardianGrantsGiven { guardian { id } categories revokedAt } } }',
      { as: AS.dani },
    );
    expect(r.body).toMatchObject({
      data: {
        me: {
          name: 'Dani Diaz',
          isMinor: true,
          loans: { nodes: [{ id: 'loan_danicurrent' }, { id: 'loan_danireturned' }] },
          guardianGrantsGiven: [
            {
              guardian: { id: DEMO.patrons.carmen },
              categories: ['CIRCULATION', 'FINES'],
              revokedAt: null,
            },
          ],
        },
      },
    });
    expect(r.body.errors).toBeUndefined();
  });

  test('reg. 14: circulation staff see the same of a child as of an adult: no returned loans, no birth date', async () => {
    const r = await t.gql(CHILD, {
      as: AS.circulation,
      purpose: 'CIRCULATION_DESK',
      variables: { id: DEMO.patrons.dani },
    });
    expect(r.body.data).toMatchObject({
      patron: {
        name: 'Dani Diaz',
        birthDate: null,
        loans: { nodes: [{ id: 'loan_danicurrent', status: 'ON_LOAN' }] },
      },
    });
    // Not by id or through _entities either: the clause refuses a returned loan, not just the list.
    const byId = await t.gql(
      `{ loan(id: "loan_danireturned") { id status } _entities(representations: [{ __typename: "Loan", id: "loan_danireturned" }]) { ... on Loan { id status } } }`,
      { as: AS.circulation, purpose: 'CIRCULATION_DESK' },
    );
    expect({ data: byId.body.data, codes: codes(byId.body.errors) }).toEqual({
      data: { loan: null, _entities: [null] },
      codes: ['FORBIDDEN', 'FORBIDDEN'],
    });
  });
});

describe('granting and revoking', () => {
  let benGrant: string;

  test('reg. 14: a child grants a guardian a view of current loans only; the guardian then sees loans but not fines', async () => {
    const r = await t.gql(GRANT, {
      as: AS.dani,
      variables: { in: { guardianId: DEMO.patrons.ben, categories: ['CIRCULATION'] } },
    });
    const g = (r.body.data as { grantGuardianView: { id: string } }).grantGuardianView;
    benGrant = g.id;
    expect(r.body.data).toEqual({
      grantGuardianView: {
        id: benGrant,
        child: { id: DEMO.patrons.dani },
        guardian: { id: DEMO.patrons.ben },
        categories: ['CIRCULATION'],
        grantedBy: DEMO.patrons.dani,
        revokedAt: null,
      },
    });
    const seen = await t.gql(
      'query($id: ID!) { patron(id: $id) { loans { nodes { id } } fines { nodes { id } } } }',
      { as: AS.ben, variables: { id: DEMO.patrons.dani } },
    );
    expect(seen.body.data).toEqual({
      patron: { loans: { nodes: [{ id: 'loan_danicurrent' }] }, fines: null },
    });
    expect(
      (
        await t.gql('{ me { guardianGrantsReceived { id child { id name } categories } } }', {
          as: AS.ben,
        })
      ).body.data,
    ).toEqual({
      me: {
        guardianGrantsReceived: [
          {
            id: benGrant,
            child: { id: DEMO.patrons.dani, name: null },
            categories: ['CIRCULATION'],
          },
        ],
      },
    });
  });

  test('reg. 14: a new grant to the same guardian replaces the active one', async () => {
    const r = await t.gql(GRANT, {
      as: AS.dani,
      variables: {
        in: { guardianId: DEMO.patrons.ben, categories: ['CIRCULATION', 'FINES', 'FINES'] },
      },
    });
    const next = (r.body.data as { grantGuardianView: { id: string; categories: string[] } })
      .grantGuardianView;
    expect(next.categories).toEqual(['CIRCULATION', 'FINES']);
    const given = await t.gql('{ me { guardianGrantsGiven { id guardian { id } revokedAt } } }', {
      as: AS.dani,
    });
    const rows = (
      given.body.data as {
        me: {
          guardianGrantsGiven: { id: string; guardian: { id: string }; revokedAt: string | null }[];
        };
      }
    ).me.guardianGrantsGiven;
    expect(
      rows
        .filter((x) => x.guardian.id === DEMO.patrons.ben)
        .map((x) => [x.id, x.revokedAt === null]),
    ).toEqual([
      [next.id, true],
      [benGrant, false],
    ]);
    benGrant = next.id;
  });

  test('reg. 14: a guardian cannot grant themself a view, and nobody revokes a grant that is not theirs', async () => {
    const self = await t.gql(GRANT, {
      as: AS.carmen,
      variables: {
        in: { childId: DEMO.patrons.dani, guardianId: DEMO.patrons.carmen, categories: ['FINES'] },
      },
    });
    expect(codes(self.body.errors)).toEqual(['FORBIDDEN']);
    const forOther = await t.gql(GRANT, {
      as: AS.ada,
      variables: {
        in: {
          childId: DEMO.patrons.dani,
          guardianId: DEMO.patrons.ada,
          categories: ['CIRCULATION'],
        },
      },
    });
    expect(codes(forOther.body.errors)).toEqual(['FORBIDDEN']);
    const revokeOther = await t.gql(REVOKE, { as: AS.ada, variables: { id: 'gg_danitocarmen' } });
    expect(codes(revokeOther.body.errors)).toEqual(['FORBIDDEN']);
    const revokeUnknown = await t.gql(REVOKE, { as: AS.ada, variables: { id: 'gg_doesnotexist' } });
    expect(revokeUnknown.body.errors).toEqual(revokeOther.body.errors);
  });

  test('reg. 14: grants are validated: a guardian other than the child, at least one category, a registered guardian', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ guardianId: DEMO.patrons.dani, categories: ['FINES'] }, 'BAD_USER_INPUT'],
      [{ guardianId: DEMO.patrons.ben, categories: [] }, 'BAD_USER_INPUT'],
      [{ guardianId: 'pat_nosuchpatron', categories: ['FINES'] }, 'NOT_FOUND'],
    ];
    for (const [input, code] of cases)
      expect(
        codes((await t.gql(GRANT, { as: AS.dani, variables: { in: input } })).body.errors),
      ).toEqual([code]);
  });

  test('reg. 14: the child revokes the view; the guardian then sees nothing, and a second revocation is a conflict', async () => {
    const r = await t.gql(REVOKE, { as: AS.dani, variables: { id: benGrant } });
    expect(r.body.data).toEqual({
      revokeGuardianView: { id: benGrant, revokedAt: expect.any(String) },
    });
    const seen = await t.gql(CHILD, { as: AS.ben, variables: { id: DEMO.patrons.dani } });
    expect(codes(seen.body.errors)).toEqual(['FORBIDDEN']);
    expect(
      codes((await t.gql(REVOKE, { as: AS.dani, variables: { id: benGrant } })).body.errors),
    ).toEqual(['CONFLICT']);
  });

  test('reg. 14: a guardian may give up a view granted to them', async () => {
    const r = await t.gql(
      'mutation { revokeGuardianView(grantId: "gg_danitocarmen") { id guardian { id } revokedAt } }',
      { as: AS.carmen },
    );
    expect(r.body.data).toEqual({
      revokeGuardianView: {
        id: 'gg_danitocarmen',
        guardian: { id: DEMO.patrons.carmen },
        revokedAt: expect.any(String),
      },
    });
    expect(
      codes(
        (await t.gql(CHILD, { as: AS.carmen, variables: { id: DEMO.patrons.dani } })).body.errors,
      ),
    ).toEqual(['FORBIDDEN']);
  });

  test("reg. 14: staff record a grant at the child's request only with a stated purpose", async () => {
    const input = {
      childId: DEMO.patrons.dani,
      guardianId: DEMO.patrons.carmen,
      categories: ['FINES'],
    };
    expect(
      codes((await t.gql(GRANT, { as: AS.circulation, variables: { in: input } })).body.errors),
    ).toEqual(['PURPOSE_REQUIRED']);
    expect(
      codes(
        (
          await t.gql(GRANT, {
            as: AS.volunteer,
            purpose: 'ACCOUNT_SUPPORT',
            variables: { in: input },
          })
        ).body.errors,
      ),
    ).toEqual(['FORBIDDEN']);
    const r = await t.gql(GRANT, {
      as: AS.circulation,
      purpose: 'ACCOUNT_SUPPORT',
      variables: { in: input },
    });
    expect(r.body.data).toMatchObject({
      grantGuardianView: {
        child: { id: DEMO.patrons.dani },
        guardian: { id: DEMO.patrons.carmen },
        categories: ['FINES'],
        grantedBy: DEMO.staff.circulation,
      },
    });
    const seen = await t.gql(
      'query($id: ID!) { patron(id: $id) { loans { nodes { id } } fines { nodes { id } } } }',
      { as: AS.carmen, variables: { id: DEMO.patrons.dani } },
    );
    expect(seen.body.data).toEqual({
      patron: { loans: null, fines: { nodes: [{ id: 'fine_daniowed' }] } },
    });
  });
});
