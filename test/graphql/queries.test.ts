// The staff-dashboard queries work for the Director with a stated purpose, and nothing
// personal resolves without a token or for another patron.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { DEMO, demoCardNumber } from '../../src/seed/demo.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t?.stop());

const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };

describe('Director with a purpose (reg. 2: the custodian of records)', () => {
  test('a patron by id, with loans, fines, consults and disclosure requests', async () => {
    const r = await t.gql(
      `query { patron(id: "${DEMO.patrons.ada}") {
        id name cardNumber email birthDate isMinor status keepCheckoutHistory
        loans { nodes { id status branch item { id } } pageInfo { hasNextPage } }
        fines { nodes { id amountCents status payments { amountCents cardLast4 } } }
        referenceConsults { nodes { id channel librarianId status } }
        disclosureRequests { nodes { id status instrument } }
      } }`,
      director,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      patron: {
        id: DEMO.patrons.ada,
        name: 'Ada Lovelace',
        cardNumber: demoCardNumber(1),
        email: 'ada@example.org',
        birthDate: '1985-12-10',
        isMinor: false,
        status: 'ACTIVE',
        keepCheckoutHistory: true,
        loans: {
          nodes: [
            {
              id: 'loan_adacurrent',
              status: 'ON_LOAN',
              branch: 'MAIN',
              item: { id: 'item_analyticalengine' },
            },
            {
              id: 'loan_adareturned',
              status: 'RETURNED',
              branch: 'MAIN',
              item: { id: 'item_notesonbabbage' },
            },
          ],
          pageInfo: { hasNextPage: false },
        },
        fines: {
          nodes: [
            {
              id: 'fine_adapaid',
              amountCents: 100,
              status: 'PAID',
              payments: [{ amountCents: 100, cardLast4: '4242' }],
            },
          ],
        },
        referenceConsults: {
          nodes: [
            { id: 'rc_adaemail', channel: 'EMAIL', librarianId: 'staff_refother', status: 'OPEN' },
            {
              id: 'rc_adainperson',
              channel: 'IN_PERSON',
              librarianId: 'staff_ref',
              status: 'FINISHED',
            },
          ],
        },
        disclosureRequests: {
          nodes: [
            { id: 'dr_fulfilled', status: 'FULFILLED', instrument: 'SUBPOENA' },
            { id: 'dr_approved', status: 'APPROVED', instrument: 'SUBPOENA' },
          ],
        },
      },
    });
  });

  test('a patron by card number (the circulation desk scan)', async () => {
    const r = await t.gql(`query($c: String!) { patronByCardNumber(cardNumber: $c) { id name } }`, {
      ...director,
      variables: { c: demoCardNumber(2) },
    });
    expect(r.body).toMatchObject({
      data: { patronByCardNumber: { id: DEMO.patrons.ben, name: 'Ben Okafor' } },
    });
    expect(r.body.errors).toBeUndefined();
  });

  test('patron search pages by cursor, capped at 100 a page', async () => {
    const q = `query($after: String) { patrons(search: { namePrefix: "demo patron" }, first: 8, after: $after) {
      nodes { id name } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const r: Awaited<
        ReturnType<
          typeof t.gql<{
            patrons: {
              nodes: { name: string }[];
              pageInfo: { hasNextPage: boolean; endCursor: string };
            };
          }>
        >
      > = await t.gql(q, { ...director, variables: { after } });
      expect(r.body.errors).toBeUndefined();
      const page = r.body.data!.patrons;
      seen.push(...page.nodes.map((n) => n.name));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(
      Array.from({ length: 20 }, (_, i) => `Demo Patron ${String(i + 1).padStart(2, '0')}`),
    );

    const tooMany = await t.gql(
      `{ patrons(search: { namePrefix: "demo" }, first: 101) { nodes { id } } }`,
      director,
    );
    expect(tooMany.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  test('filters: current loans only, owed fines only, consults by channel, requests by status', async () => {
    const r = await t.gql(
      `{ patron(id: "${DEMO.patrons.ben}") {
        loans(filter: { status: ON_LOAN }) { nodes { id } }
        fines(filter: { status: OWED }) { nodes { id } }
        referenceConsults(filter: { channel: PHONE }) { nodes { id } }
        disclosureRequests(filter: { status: UNDER_REVIEW }) { nodes { id } }
      } }`,
      director,
    );
    expect(r.body.data).toEqual({
      patron: {
        loans: { nodes: [{ id: 'loan_bencurrent' }, { id: 'loan_benoverdue' }] },
        fines: { nodes: [{ id: 'fine_benowed' }] },
        referenceConsults: { nodes: [{ id: 'rc_benphone' }] },
        disclosureRequests: { nodes: [{ id: 'dr_underreview' }] },
      },
    });
  });

  test('a loan, a fine, a consult and a disclosure request by id, with their patron links', async () => {
    const r = await t.gql(
      `{ loan(id: "loan_bencurrent") { id patron { id } }
         fine(id: "fine_benowed") { id loan { id } patron { id } }
         referenceConsult(id: "rc_benphone") { id question patron { id } }
         disclosureRequest(id: "dr_approved") { id status patrons { id } categories events { sequence toStatus } } }`,
      director,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      loan: { id: 'loan_bencurrent', patron: { id: DEMO.patrons.ben } },
      fine: {
        id: 'fine_benowed',
        loan: { id: 'loan_benoverdue' },
        patron: { id: DEMO.patrons.ben },
      },
      referenceConsult: {
        id: 'rc_benphone',
        question: 'Do you hold county tax records from 1990?',
        patron: { id: DEMO.patrons.ben },
      },
      disclosureRequest: {
        id: 'dr_approved',
        status: 'APPROVED',
        patrons: [{ id: DEMO.patrons.ada }],
        categories: ['IDENTITY', 'CIRCULATION'],
        events: [
          { sequence: 1, toStatus: 'RECEIVED' },
          { sequence: 2, toStatus: 'UNDER_REVIEW' },
          { sequence: 3, toStatus: 'APPROVED' },
        ],
      },
    });
  });

  test('an anonymised loan has no patron', async () => {
    const r = await t.gql(`{ loan(id: "loan_anonymised") { id status patron { id } } }`, director);
    expect(r.body.data).toEqual({
      loan: { id: 'loan_anonymised', status: 'RETURNED', patron: null },
    });
  });
});

describe('no personal field without a basis (invariant 1, reg. 4)', () => {
  const query = `{ _entities(representations: [{ __typename: "Patron", id: "${DEMO.patrons.ada}" }]) {
    ... on Patron { id name email cardNumber loans { nodes { id } } } } }`;

  test('without a token: the entity is refused whole, UNAUTHENTICATED, nothing of it returned', async () => {
    const r = await t.gql(query);
    expect(r.body.data).toEqual({ _entities: [null] });
    expect(r.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.0', 'UNAUTHENTICATED'],
    ]);
  });

  test('with a patron token for another patron: refused whole, FORBIDDEN', async () => {
    const r = await t.gql(query, { as: AS.ben });
    expect(r.body.data).toEqual({ _entities: [null] });
    expect(r.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.0', 'FORBIDDEN'],
    ]);
  });

  test('root lookup: unknown id and someone else’s id give the same answer', async () => {
    const other = await t.gql(`{ patron(id: "${DEMO.patrons.ada}") { name } }`, { as: AS.ben });
    const unknown = await t.gql(`{ patron(id: "pat_doesnotexist") { name } }`, { as: AS.ben });
    expect(other.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Not authorized to read or change this.', 'FORBIDDEN'],
    ]);
    expect(unknown.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Not authorized to read or change this.', 'FORBIDDEN'],
    ]);
    expect(other.body.data).toEqual({ patron: null });
    expect(unknown.body.data).toEqual({ patron: null });
  });

  test('a patron reads their own record (reg. 11)', async () => {
    const r = await t.gql(`{ patron(id: "${DEMO.patrons.ada}") { name email } }`, { as: AS.ada });
    expect(r.body).toMatchObject({
      data: { patron: { name: 'Ada Lovelace', email: 'ada@example.org' } },
    });
    expect(r.body.errors).toBeUndefined();
  });

  test('an invalid token is refused with 401', async () => {
    const r = await t.gql(`{ patron(id: "${DEMO.patrons.ada}") { name } }`, { token: 'not-a-jwt' });
    expect(r.status).toBe(401);
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(r.body.data).toBeUndefined();
  });
});

test('_service { sdl } returns the subgraph SDL with its entities and classification', async () => {
  const r = await t.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
  // Whitespace folded: the printer puts a type's directives on the next line.
  const sdl = r.body.data!._service.sdl.replace(/\s+/g, ' ');
  for (const entity of ['Patron', 'Loan', 'Fine', 'ReferenceConsult', 'DisclosureRequest']) {
    expect(sdl).toContain(`type ${entity} @key(fields: "id")`);
  }
  expect(sdl).toContain('type Item @key(fields: "id", resolvable: false)');
  expect(sdl).toContain('cardNumber: String @pii(category: IDENTITY, vendorShared: true)');
});
