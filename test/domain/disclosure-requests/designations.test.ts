// MNG-1 regulation 2: the Director designates alternates for a window, with a reason, and may
// revoke them; an alternate holds the Director's powers only inside the window, while unrevoked.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type CallOptions, type TestServer } from '../../support/server.js';
import { AS, type TokenSpec } from '../../support/tokens.js';
import {
  DAY,
  codes,
  director,
  movableClock,
  readRequest,
  receive,
  rootRulesOnly,
  step,
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

const alternate: CallOptions = {
  as: { sub: 'staff_alternate', roles: ['reference'] },
  purpose: 'DISCLOSURE_REVIEW',
};
const DESIGNATE = `mutation($input: DesignateAlternateInput!) { d: designateAlternate(input: $input) { id directorId alternateId validFrom validTo reason revokedAt revokedBy activeNow } }`;
const REVOKE = `mutation($id: ID!) { d: revokeDesignation(id: $id) { id revokedAt revokedBy activeNow } }`;

async function designate(validFromDays: number, validToDays: number, who: CallOptions = director) {
  return t.gql<{ d: Record<string, unknown> & { id: string } }>(DESIGNATE, {
    ...who,
    variables: {
      input: {
        alternateId: 'staff_alternate',
        validFrom: clock.at(validFromDays * DAY),
        validTo: clock.at(validToDays * DAY),
        reason: 'Director at a conference',
      },
    },
  });
}

test('reg. 2: the Director designates an alternate for a window with a reason; it is listed as active', async () => {
  const validFrom = clock.at(-1 * DAY);
  const validTo = clock.at(5 * DAY);
  const r = await t.gql<{ d: { id: string } }>(DESIGNATE, {
    ...director,
    variables: {
      input: {
        alternateId: 'staff_alternate',
        validFrom,
        validTo,
        reason: 'Director at a conference',
      },
    },
  });
  expect(r.body.data?.d).toEqual({
    id: r.body.data!.d.id,
    directorId: 'staff_director',
    alternateId: 'staff_alternate',
    validFrom,
    validTo,
    reason: 'Director at a conference',
    revokedAt: null,
    revokedBy: null,
    activeNow: true,
  });
  const list = await t.gql<{ designations: { id: string }[] }>(`{ designations { id } }`, director);
  expect(list.body.data?.designations.map((d) => d.id).sort()).toEqual(
    [r.body.data!.d.id, 'des_deputyactive'].sort(),
  );
  await t.gql(REVOKE, { ...director, variables: { id: r.body.data!.d.id } });
});

test('reg. 2: only the Director designates: not a designee, not staff, not a requester', async () => {
  const all = `{ designations(includeInactive: true) { id } }`;
  const before = (await t.gql(all, director)).body.data;
  expect(codes(await designate(0, 5, { as: AS.deputy, purpose: 'DISCLOSURE_REVIEW' }))).toEqual([
    'FORBIDDEN',
  ]);
  expect(codes(await designate(0, 5, { as: AS.circulation, purpose: 'CIRCULATION_DESK' }))).toEqual(
    ['FORBIDDEN'],
  );
  expect(codes(await designate(0, 5, { as: AS.police }))).toEqual(['FORBIDDEN']);
  expect(codes(await designate(0, 5, { as: AS.director }))).toEqual(['PURPOSE_REQUIRED']);
  expect((await t.gql(all, director)).body.data).toEqual(before);
});

test('reg. 2: a designation needs a window that ends after it starts, in the future, and not the Director themself', async () => {
  expect((await designate(5, 1)).body.errors?.[0]?.extensions).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'validTo',
  });
  expect((await designate(-10, -1)).body.errors?.[0]?.extensions).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'validTo',
  });
  expect((await designate(0, 400)).body.errors?.[0]?.extensions).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'validTo',
  });
  const self = await t.gql(DESIGNATE, {
    ...director,
    variables: {
      input: {
        alternateId: 'staff_director',
        validFrom: clock.at(0),
        validTo: clock.at(DAY),
        reason: 'x',
      },
    },
  });
  expect(self.body.errors?.[0]?.extensions).toEqual({
    code: 'BAD_USER_INPUT',
    field: 'alternateId',
  });
});

test('reg. 2: a designee decides only inside the window: not before it opens, not after it closes', async () => {
  const d = (await designate(2, 4)).body.data!.d.id;
  const id = await receive(t);
  expect(codes(await step(t, 'BEGIN_REVIEW', id, alternate, clock))).toEqual(['FORBIDDEN']);
  clock.offset = 5 * DAY;
  expect(codes(await step(t, 'BEGIN_REVIEW', id, alternate, clock))).toEqual(['FORBIDDEN']);
  clock.offset = 3 * DAY;
  expect((await step(t, 'BEGIN_REVIEW', id, alternate, clock)).body.data).toEqual({
    r: { id, status: 'UNDER_REVIEW' },
  });
  clock.offset = 0;
  const events = (await readRequest(t, id)).events;
  expect(events.at(-1)).toEqual({
    sequence: 2,
    action: 'BEGIN_REVIEW',
    fromStatus: 'RECEIVED',
    toStatus: 'UNDER_REVIEW',
    actorId: 'staff_alternate',
    authority: 'DESIGNATION',
    designationId: d,
    note: null,
  });
});

test('reg. 2: a revoked designee loses the Director’s powers at once, for decisions and for reading records', async () => {
  const d = (await designate(-1, 10)).body.data!.d.id;
  const id = await receive(t);
  const birthDate = `{ patron(id: "pat_benokafor") { birthDate } }`;
  expect((await t.gql(birthDate, alternate)).body.data).toEqual({
    patron: { birthDate: '1972-04-03' },
  });
  const revoked = await t.gql<{ d: Record<string, unknown> }>(REVOKE, {
    ...director,
    variables: { id: d },
  });
  expect(revoked.body.data?.d).toMatchObject({
    id: d,
    revokedBy: 'staff_director',
    activeNow: false,
  });
  expect(codes(await step(t, 'BEGIN_REVIEW', id, alternate, clock))).toEqual(['FORBIDDEN']);
  expect(codes(await t.gql(birthDate, alternate))).toEqual(['FORBIDDEN']);
  // Revoking twice is a conflict; only the Director revokes.
  expect(codes(await t.gql(REVOKE, { ...director, variables: { id: d } }))).toEqual(['CONFLICT']);
  expect(
    codes(
      await t.gql(REVOKE, {
        as: AS.deputy,
        purpose: 'DISCLOSURE_REVIEW',
        variables: { id: 'des_deputyactive' },
      }),
    ),
  ).toEqual(['FORBIDDEN']);
});

test('reg. 2: designations are the custodian’s to list: not circulation staff, not a requester', async () => {
  expect(
    codes(
      await t.gql(`{ designations { id } }`, { as: AS.circulation, purpose: 'CIRCULATION_DESK' }),
    ),
  ).toEqual(['FORBIDDEN']);
  expect(codes(await t.gql(`{ designations { id } }`, { as: AS.police }))).toEqual(['FORBIDDEN']);
  expect(
    (await t.gql(`{ designations { id reason } }`, { as: AS.deputy, purpose: 'DISCLOSURE_REVIEW' }))
      .body.data,
  ).toEqual({
    designations: [{ id: 'des_deputyactive', reason: 'Director on leave' }],
  });
});

/**
 * The rule alone, with a service that would not refuse: the real SDL and rule tree (protect()),
 * over resolvers that accept anyone and count their calls. DesignationService checks the role
 * again; this proves the rule `director` does not lean on that second check.
 */
describe('reg. 2: the Director-only rules refuse a non-Director even when the service would not', () => {
  const DOCS = {
    designateAlternate: `mutation { d: designateAlternate(input: { alternateId: "staff_alternate", validFrom: "2026-01-01T00:00:00Z", validTo: "2026-01-02T00:00:00Z", reason: "x" }) { __typename } }`,
    revokeDesignation: `mutation { d: revokeDesignation(id: "des_x") { __typename } }`,
  };
  const callers: [string, TokenSpec | null, string | null, string][] = [
    [
      'active designee (holds every other power of the Director)',
      AS.deputy,
      'DISCLOSURE_REVIEW',
      'FORBIDDEN',
    ],
    ['circulation staff', AS.circulation, 'CIRCULATION_DESK', 'FORBIDDEN'],
    ['reference librarian', AS.reference, 'REFERENCE_SERVICE', 'FORBIDDEN'],
    ['volunteer', AS.volunteer, 'CIRCULATION_DESK', 'FORBIDDEN'],
    ['patron', AS.ada, null, 'FORBIDDEN'],
    ['requester', AS.police, null, 'FORBIDDEN'],
    ['vendor', AS.vendor, null, 'FORBIDDEN'],
    ['anonymous', null, null, 'FORBIDDEN'],
    ['the Director without a purpose', AS.director, null, 'PURPOSE_REQUIRED'],
  ];

  const {
    reached,
    call: run,
    expectRefused,
  } = rootRulesOnly(() => t, clock.now, Object.keys(DOCS));
  const call = (m: keyof typeof DOCS, who: TokenSpec | null, purpose: string | null) =>
    run(DOCS[m], who, purpose);

  test.each(
    callers.flatMap(([label, who, purpose, code]) =>
      (Object.keys(DOCS) as (keyof typeof DOCS)[]).map(
        (m) => [m, label, who, purpose, code] as const,
      ),
    ),
  )('%s: %s is refused before the service', (mutation, _label, who, purpose, code) =>
    expectRefused(DOCS[mutation], who, purpose, code),
  );

  test('the same resolvers are reached by the Director with a purpose (the refusals above are the rule)', async () => {
    reached.length = 0;
    for (const m of Object.keys(DOCS) as (keyof typeof DOCS)[]) {
      const r = await call(m, AS.director, 'RECORDS_AUDIT');
      expect(r).toEqual({ data: { d: { __typename: 'Designation' } } });
    }
    expect(reached).toEqual(['designateAlternate', 'revokeDesignation']);
  });
});
