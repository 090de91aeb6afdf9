// MNG-1 regulations 3 and 4: a requester reads exactly the scope of an approved, unexpired request
// naming it (patrons, categories, date range), nothing else, and nothing after access expires.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { AS } from '../../support/tokens.js';
import { DAY, codes, director, movableClock, receive, step } from './support.js';

const clock = movableClock();
let t: TestServer;
let approved: string;
let expiresAt: string;

beforeAll(async () => {
  t = await startTestServer({ now: clock.now });
  // The court may read Ada's loans of the last 30 days, for 10 days.
  approved = await receive(t, {
    patronIds: ['pat_adalovelace', 'pat_benokafor'],
    categories: ['CIRCULATION', 'FINES'],
    scopeFrom: clock.at(-90 * DAY),
    scopeTo: clock.at(0),
  });
  await step(t, 'BEGIN_REVIEW', approved, director, clock);
  expiresAt = clock.at(10 * DAY);
  const r = await step(t, 'APPROVE', approved, director, clock, {
    accessExpiresAt: expiresAt,
    patronIds: ['pat_adalovelace'],
    categories: ['CIRCULATION'],
    scopeFrom: clock.at(-30 * DAY),
  });
  expect(r.body.data?.r.status).toBe('APPROVED');
});
afterAll(() => t?.stop());
afterEach(() => {
  clock.offset = 0;
});

const ADA_LOANS = `{ patron(id: "pat_adalovelace") { id loans { nodes { id checkedOutAt } } } }`;

test('reg. 4: inside the approved scope the requester reads the records (Ada’s loan of 5 days ago)', async () => {
  const r = await t.gql<{
    patron: { loans: { nodes: { id: string; checkedOutAt: string | null }[] } };
  }>(ADA_LOANS, { as: AS.court });
  const current = r.body.data?.patron.loans.nodes.find((l) => l.id === 'loan_adacurrent');
  expect(current?.checkedOutAt).not.toBeNull();
});

test('reg. 4: a record outside the approved date range is refused (Ada’s loan of 60 days ago)', async () => {
  const r = await t.gql<{
    patron: { loans: { nodes: { id: string; checkedOutAt: string | null }[] } };
  }>(ADA_LOANS, { as: AS.court });
  // The list is narrowed to the approved date range in SQL: the old loan is not even listed.
  expect(r.body.data?.patron.loans.nodes.map((l) => l.id)).toEqual(['loan_adacurrent']);
  expect(r.body.errors).toBeUndefined();
  // Reached directly, by id or through the gateway's entity resolution, it is refused whole.
  const direct = await t.gql(
    `{ loan(id: "loan_adareturned") { id checkedOutAt } _entities(representations: [{ __typename: "Loan", id: "loan_adareturned" }]) { ... on Loan { id checkedOutAt } } }`,
    { as: AS.court },
  );
  expect(direct.body.data).toEqual({ loan: null, _entities: [null] });
  expect(direct.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
    ['_entities.0', 'FORBIDDEN'],
    ['loan', 'FORBIDDEN'],
  ]);
});

test('reg. 4: another category of the same patron is refused (identity, fines: narrowed out at approval)', async () => {
  const r = await t.gql(`{ patron(id: "pat_adalovelace") { name fines { nodes { id } } } }`, {
    as: AS.court,
  });
  expect(r.body.data).toEqual({ patron: { name: null, fines: null } });
  expect(codes(r)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
});

test('reg. 4: another patron is refused, including one requested but narrowed out at approval (Ben)', async () => {
  for (const id of ['pat_benokafor', 'pat_carmendiaz']) {
    const r = await t.gql(`query($id: ID!) { patron(id: $id) { name loans { nodes { id } } } }`, {
      as: AS.court,
      variables: { id },
    });
    expect(r.body).toMatchObject({
      data: { patron: null },
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
  }
});

test('reg. 3: another requester reads nothing of the approved scope', async () => {
  expect(codes(await t.gql(ADA_LOANS, { as: AS.lawfirm }))).toEqual(['FORBIDDEN']);
});

test('reg. 4: after access expires the requester reads nothing, and the request reads EXPIRED', async () => {
  clock.offset = 10 * DAY + 60_000;
  expect(codes(await t.gql(ADA_LOANS, { as: AS.court }))).toEqual(['FORBIDDEN']);
  const mine = await t.gql(
    `query($id: ID!) { disclosureRequest(id: $id) { status accessExpiresAt closedAt } }`,
    { as: AS.court, variables: { id: approved } },
  );
  expect(mine.body.data).toEqual({
    disclosureRequest: { status: 'EXPIRED', accessExpiresAt: expiresAt, closedAt: expiresAt },
  });
});

test('reg. 3: a requester reads its own requests, never another requester’s (same answer as an unknown id)', async () => {
  const q = `query($id: ID!) { disclosureRequest(id: $id) { id status } }`;
  expect((await t.gql(q, { as: AS.court, variables: { id: 'dr_underreview' } })).body.data).toEqual(
    { disclosureRequest: { id: 'dr_underreview', status: 'UNDER_REVIEW' } },
  );
  for (const id of ['dr_approved', 'dr_doesnotexist']) {
    expect((await t.gql(q, { as: AS.court, variables: { id } })).body).toMatchObject({
      data: { disclosureRequest: null },
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
  }
});

test('reg. 3: the requests of a requester: the requester itself (newest first, paged) and the custodian; nobody else', async () => {
  const q = `query($r: ID!, $after: String) { requesterDisclosureRequests(requesterId: $r, first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
  type Page = {
    requesterDisclosureRequests: {
      nodes: { id: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
  };
  const first = await t.gql<Page>(q, { as: AS.court, variables: { r: 'req_court' } });
  expect(first.body.data?.requesterDisclosureRequests).toMatchObject({
    nodes: [{ id: approved }],
    pageInfo: { hasNextPage: true },
  });
  const second = await t.gql<Page>(q, {
    as: AS.court,
    variables: {
      r: 'req_court',
      after: first.body.data!.requesterDisclosureRequests.pageInfo.endCursor,
    },
  });
  expect(second.body.data?.requesterDisclosureRequests).toMatchObject({
    nodes: [{ id: 'dr_underreview' }],
    pageInfo: { hasNextPage: false },
  });
  expect(
    (await t.gql<Page>(q, { ...director, variables: { r: 'req_court' } })).body.data
      ?.requesterDisclosureRequests.nodes,
  ).toEqual([{ id: approved }]);
  expect(codes(await t.gql(q, { as: AS.police, variables: { r: 'req_court' } }))).toEqual([
    'FORBIDDEN',
  ]);
  expect(
    codes(
      await t.gql(q, {
        as: AS.circulation,
        purpose: 'CIRCULATION_DESK',
        variables: { r: 'req_court' },
      }),
    ),
  ).toEqual(['FORBIDDEN']);
});
