// The disclosure request lifecycle (MNG-1 regulations 2, 3 and 4): every legal transition walked,
// every illegal one refused with nothing changed, and the decider recorded with their authority.
import type { GraphQLError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { DisclosureRequestRow } from '../../../src/db/schema/disclosure-requests.sql.js';
import { CLOCK, type Actor } from '../../../src/authz/policy/authority.js';
import { TRANSITIONS, transitionFor } from '../../../src/domain/disclosure-requests/transitions.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { AS, type TokenSpec } from '../../support/tokens.js';
import {
  DAY,
  MUTATIONS,
  circulation,
  codes,
  deputy,
  director,
  intakeInput,
  movableClock,
  readRequest,
  receive,
  snapshot,
  step,
  type Step,
  rootRulesOnly,
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

const intake = () => ({
  sequence: 1,
  action: 'RECEIVE',
  fromStatus: null,
  toStatus: 'RECEIVED',
  actorId: 'staff_circ',
  authority: null,
  designationId: null,
  note: null,
});

describe('legal transitions', () => {
  test('reg. 2: RECEIVED → UNDER_REVIEW → APPROVED (narrowed) → FULFILLED, each decision by the Director recorded with authority DIRECTOR', async () => {
    const id = await receive(t, {
      patronIds: ['pat_adalovelace', 'pat_benokafor'],
      categories: ['IDENTITY', 'CIRCULATION', 'FINES'],
      scopeFrom: clock.at(-100 * DAY),
      scopeTo: clock.at(0),
    });
    expect((await step(t, 'BEGIN_REVIEW', id, director, clock)).body.data).toEqual({
      r: { id, status: 'UNDER_REVIEW' },
    });
    const expires = clock.at(10 * DAY);
    const from = clock.at(-30 * DAY);
    const approved = await step(t, 'APPROVE', id, director, clock, {
      accessExpiresAt: expires,
      patronIds: ['pat_adalovelace'],
      categories: ['IDENTITY'],
      scopeFrom: from,
      note: 'Identity only.',
    });
    expect(approved.body.data).toEqual({ r: { id, status: 'APPROVED' } });
    expect((await step(t, 'FULFILL', id, director, clock)).body.data).toEqual({
      r: { id, status: 'FULFILLED' },
    });

    const r = await readRequest(t, id);
    expect(r).toMatchObject({
      status: 'FULFILLED',
      categories: ['IDENTITY'],
      scopeFrom: from,
      patrons: [{ id: 'pat_adalovelace' }],
      decidedBy: 'staff_director',
      decisionAuthority: 'DIRECTOR',
      decisionDesignationId: null,
      decisionNote: 'Identity only.',
      accessExpiresAt: expires,
    });
    expect(r.closedAt).not.toBeNull();
    expect(r.events).toEqual([
      intake(),
      {
        sequence: 2,
        action: 'BEGIN_REVIEW',
        fromStatus: 'RECEIVED',
        toStatus: 'UNDER_REVIEW',
        actorId: 'staff_director',
        authority: 'DIRECTOR',
        designationId: null,
        note: null,
      },
      {
        sequence: 3,
        action: 'APPROVE',
        fromStatus: 'UNDER_REVIEW',
        toStatus: 'APPROVED',
        actorId: 'staff_director',
        authority: 'DIRECTOR',
        designationId: null,
        note: 'Identity only.',
      },
      {
        sequence: 4,
        action: 'FULFILL',
        fromStatus: 'APPROVED',
        toStatus: 'FULFILLED',
        actorId: 'staff_director',
        authority: 'DIRECTOR',
        designationId: null,
        note: null,
      },
    ]);
  });

  test('reg. 2: an active designee decides with authority DESIGNATION, naming the designation on the request and every event', async () => {
    const id = await receive(t);
    await step(t, 'BEGIN_REVIEW', id, deputy, clock);
    await step(t, 'DENY', id, deputy, clock);
    const r = await readRequest(t, id);
    expect(r).toMatchObject({
      status: 'DENIED',
      decidedBy: 'staff_deputy',
      decisionAuthority: 'DESIGNATION',
      decisionDesignationId: 'des_deputyactive',
      decisionNote: 'Instrument does not name a patron.',
    });
    expect(r.events.slice(1)).toEqual([
      {
        sequence: 2,
        action: 'BEGIN_REVIEW',
        fromStatus: 'RECEIVED',
        toStatus: 'UNDER_REVIEW',
        actorId: 'staff_deputy',
        authority: 'DESIGNATION',
        designationId: 'des_deputyactive',
        note: null,
      },
      {
        sequence: 3,
        action: 'DENY',
        fromStatus: 'UNDER_REVIEW',
        toStatus: 'DENIED',
        actorId: 'staff_deputy',
        authority: 'DESIGNATION',
        designationId: 'des_deputyactive',
        note: 'Instrument does not name a patron.',
      },
    ]);
  });

  test('reg. 2: RECEIVED → DENIED directly, with the reason recorded', async () => {
    const id = await receive(t);
    expect((await step(t, 'DENY', id, director, clock)).body.data).toEqual({
      r: { id, status: 'DENIED' },
    });
    expect((await readRequest(t, id)).decisionNote).toBe('Instrument does not name a patron.');
  });

  test('reg. 2: a denial without a reason is refused (BAD_USER_INPUT) and changes nothing', async () => {
    const id = await receive(t);
    const before = await snapshot(t, id);
    const r = await t.gql(
      `mutation($id: ID!) { denyDisclosureRequest(id: $id, reason: "  ") { id } }`,
      { ...director, variables: { id } },
    );
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(await snapshot(t, id)).toEqual(before);
  });

  test('reg. 4: a search warrant goes RECEIVED → APPROVED at once, for the named records only', async () => {
    const warrant = { instrument: 'SEARCH_WARRANT', requesterId: 'req_warrant' };
    const id = await receive(t, warrant);
    expect((await step(t, 'APPROVE', id, director, clock)).body.data).toEqual({
      r: { id, status: 'APPROVED' },
    });
    const r = await readRequest(t, id);
    expect(r.events.map((e) => [e.fromStatus, e.toStatus])).toEqual([
      [null, 'RECEIVED'],
      ['RECEIVED', 'APPROVED'],
    ]);
    // An approval can only narrow: it cannot add a patron the warrant does not name.
    const other = await receive(t, warrant);
    const widened = await step(t, 'APPROVE', other, director, clock, {
      patronIds: ['pat_adalovelace', 'pat_benokafor'],
    });
    expect(widened.body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'patronIds',
    });
  });

  test('reg. 4: a subpoena cannot skip review (INVALID_TRANSITION)', async () => {
    const id = await receive(t, { instrument: 'SUBPOENA' });
    const r = await step(t, 'APPROVE', id, director, clock);
    expect(r.body.errors?.[0]?.extensions).toEqual({
      code: 'INVALID_TRANSITION',
      action: 'APPROVE',
      status: 'RECEIVED',
    });
    expect((await snapshot(t, id)).row?.status).toBe('RECEIVED');
  });

  test('reg. 3: withdrawal from RECEIVED by the requester, from UNDER_REVIEW by staff, from APPROVED by the requester (access ends)', async () => {
    const a = await receive(t);
    expect((await step(t, 'WITHDRAW', a, { as: AS.court }, clock)).body.data).toEqual({
      r: { id: a, status: 'WITHDRAWN' },
    });
    const b = await receive(t);
    await step(t, 'BEGIN_REVIEW', b, director, clock);
    expect((await step(t, 'WITHDRAW', b, circulation, clock)).body.data).toEqual({
      r: { id: b, status: 'WITHDRAWN' },
    });
    const c = await receive(t, { categories: ['IDENTITY'] });
    await step(t, 'BEGIN_REVIEW', c, director, clock);
    await step(t, 'APPROVE', c, director, clock);
    const name = `{ patron(id: "pat_adalovelace") { name } }`;
    expect((await t.gql(name, { as: AS.court })).body.data).toEqual({
      patron: { name: 'Ada Lovelace' },
    });
    expect((await step(t, 'WITHDRAW', c, { as: AS.court }, clock)).body.data).toEqual({
      r: { id: c, status: 'WITHDRAWN' },
    });
    expect(codes(await t.gql(name, { as: AS.court }))).toEqual(['FORBIDDEN']);
    const events = (await readRequest(t, c)).events;
    expect(events.at(-1)).toEqual({
      sequence: 4,
      action: 'WITHDRAW',
      fromStatus: 'APPROVED',
      toStatus: 'WITHDRAWN',
      actorId: 'req_court',
      authority: null,
      designationId: null,
      note: null,
    });
  });

  test('reg. 3: a requester cannot withdraw another requester’s request (FORBIDDEN, same as an unknown id)', async () => {
    const id = await receive(t);
    expect(codes(await step(t, 'WITHDRAW', id, { as: AS.police }, clock))).toEqual(['FORBIDDEN']);
    expect(codes(await step(t, 'WITHDRAW', 'dr_doesnotexist', { as: AS.police }, clock))).toEqual([
      'FORBIDDEN',
    ]);
    expect((await snapshot(t, id)).row?.status).toBe('RECEIVED');
  });

  test('reg. 4: APPROVED → EXPIRED by time: access ends at the deadline, and the request reads EXPIRED with the clock’s event', async () => {
    const id = await receive(t, { categories: ['IDENTITY'] });
    await step(t, 'BEGIN_REVIEW', id, director, clock);
    const expires = clock.at(2 * DAY);
    await step(t, 'APPROVE', id, director, clock, { accessExpiresAt: expires });
    clock.offset = 3 * DAY;
    expect(
      codes(await t.gql(`{ patron(id: "pat_adalovelace") { name } }`, { as: AS.court })),
    ).toEqual(['FORBIDDEN']);
    const r = await readRequest(t, id);
    expect(r.status).toBe('EXPIRED');
    expect(r.closedAt).toBe(expires);
    expect(r.events.at(-1)).toEqual({
      sequence: 4,
      action: 'EXPIRE',
      fromStatus: 'APPROVED',
      toStatus: 'EXPIRED',
      actorId: 'system:clock',
      authority: null,
      designationId: null,
      note: null,
    });
    // A step on a lapsed request meets it EXPIRED.
    const late = await step(t, 'FULFILL', id, director, clock);
    expect(late.body.errors?.[0]?.extensions).toEqual({
      code: 'INVALID_TRANSITION',
      action: 'FULFILL',
      status: 'EXPIRED',
    });
  });
});

describe('illegal transitions change nothing', () => {
  // Written out by hand (not derived from the workflow's table): the steps the Director may take
  // on each of the demo library's non-emergency requests.
  const LEGAL: Record<string, Step[]> = {
    dr_received: ['BEGIN_REVIEW', 'DENY', 'WITHDRAW'],
    dr_underreview: ['APPROVE', 'DENY', 'WITHDRAW'],
    dr_approved: ['FULFILL', 'WITHDRAW'],
    dr_denied: [],
    dr_fulfilled: [],
    dr_expired: [],
    dr_withdrawn: [],
  };
  const STEPS = Object.keys(MUTATIONS) as Step[];
  const cells = Object.entries(LEGAL).flatMap(([id, legal]) =>
    STEPS.filter((s) => !legal.includes(s)).map((s) => [id, s] as const),
  );

  test.each(cells)('reg. 2: %s refuses %s with INVALID_TRANSITION', async (id, s) => {
    const before = await snapshot(t, id);
    const r = await step(t, s, id, director, clock);
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_TRANSITION']);
    expect(await snapshot(t, id)).toEqual(before);
  });

  test('reg. 3: circulation staff approving, denying or fulfilling is FORBIDDEN and changes nothing', async () => {
    for (const [s, id] of [
      ['APPROVE', 'dr_underreview'],
      ['DENY', 'dr_received'],
      ['BEGIN_REVIEW', 'dr_received'],
      ['FULFILL', 'dr_approved'],
    ] as const) {
      const before = await snapshot(t, id);
      expect(codes(await step(t, s, id, circulation, clock))).toEqual(['FORBIDDEN']);
      expect(await snapshot(t, id)).toEqual(before);
    }
  });

  test('reg. 3: a requester cannot approve its own request; a patron cannot either', async () => {
    expect(codes(await step(t, 'APPROVE', 'dr_underreview', { as: AS.court }, clock))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await step(t, 'APPROVE', 'dr_underreview', { as: AS.ben }, clock))).toEqual([
      'FORBIDDEN',
    ]);
  });

  test('reg. 2: the Director decides only with a stated purpose (PURPOSE_REQUIRED)', async () => {
    expect(codes(await step(t, 'DENY', 'dr_underreview', { as: AS.director }, clock))).toEqual([
      'PURPOSE_REQUIRED',
    ]);
  });

  test('reg. 2: a former designee (window ended) cannot decide', async () => {
    const before = await snapshot(t, 'dr_underreview');
    expect(
      codes(
        await step(
          t,
          'APPROVE',
          'dr_underreview',
          { as: AS.formerDeputy, purpose: 'DISCLOSURE_REVIEW' },
          clock,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(await snapshot(t, 'dr_underreview')).toEqual(before);
  });

  test('reg. 2: the designee cannot decide once the window has closed (clock moved past it)', async () => {
    const id = await receive(t);
    clock.offset = 31 * DAY; // des_deputyactive ends 30 days after seeding
    expect(codes(await step(t, 'BEGIN_REVIEW', id, deputy, clock))).toEqual(['FORBIDDEN']);
    clock.offset = 0;
    expect((await step(t, 'BEGIN_REVIEW', id, deputy, clock)).body.data).toEqual({
      r: { id, status: 'UNDER_REVIEW' },
    });
  });

  test('reg. 4: approving a request without a written instrument is refused (WRITTEN_INSTRUMENT_REQUIRED)', async () => {
    // A request recorded before intake required one (or imported): no reference, no issuing authority.
    await t.db.raw(
      `insert into disclosure_requests (id, requester_id, requester_name, agency, instrument, categories, status, received_by, received_at)
       values ('dr_noinstrument', 'req_court', 'Clerk J. Park', 'District Court', 'COURT_ORDER', '{IDENTITY}', 'UNDER_REVIEW', 'staff_circ', now())`,
    );
    await t.db.raw(
      `insert into disclosure_request_patrons (request_id, patron_id) values ('dr_noinstrument', 'pat_adalovelace')`,
    );
    const before = await snapshot(t, 'dr_noinstrument');
    const r = await step(t, 'APPROVE', 'dr_noinstrument', director, clock);
    expect(r.body.errors?.[0]?.extensions).toEqual({ code: 'WRITTEN_INSTRUMENT_REQUIRED' });
    expect(await snapshot(t, 'dr_noinstrument')).toEqual(before);
  });

  test('reg. 3: a verbal request is refused at intake (WRITTEN_INSTRUMENT_REQUIRED) and nothing is recorded', async () => {
    const [{ n: before }] = (await t.db.raw(
      'select count(*)::int as n from disclosure_requests',
    )) as [{ n: number }];
    const mutation = `mutation($input: ReceiveDisclosureRequestInput!) { receiveDisclosureRequest(input: $input) { id } }`;
    const verbal = await t.gql(mutation, {
      ...circulation,
      variables: { input: intakeInput({ form: 'VERBAL' }) },
    });
    expect(verbal.body).toMatchObject({
      data: null,
      errors: [{ extensions: { code: 'WRITTEN_INSTRUMENT_REQUIRED' } }],
    });
    const noReference = await t.gql(mutation, {
      ...circulation,
      variables: { input: intakeInput({ instrumentReference: null }) },
    });
    expect(codes(noReference)).toEqual(['WRITTEN_INSTRUMENT_REQUIRED']);
    const [{ n: after }] = (await t.db.raw(
      'select count(*)::int as n from disclosure_requests',
    )) as [{ n: number }];
    expect(after).toBe(before);
  });

  test('reg. 3: intake needs staff with a purpose; a requester cannot file its own request', async () => {
    const mutation = `mutation($input: ReceiveDisclosureRequestInput!) { receiveDisclosureRequest(input: $input) { id } }`;
    expect(
      codes(await t.gql(mutation, { as: AS.court, variables: { input: intakeInput() } })),
    ).toEqual(['FORBIDDEN']);
    expect(
      codes(await t.gql(mutation, { as: AS.circulation, variables: { input: intakeInput() } })),
    ).toEqual(['PURPOSE_REQUIRED']);
    // A volunteer may take the paper in (it reveals nothing) and hand it to the Director.
    await receive(t, {}, { as: AS.volunteer, purpose: 'CIRCULATION_DESK' });
  });

  test('reg. 2: two concurrent decisions on one request: exactly one wins, the other is INVALID_TRANSITION', async () => {
    const id = await receive(t);
    await step(t, 'BEGIN_REVIEW', id, director, clock);
    const [a, b] = await Promise.all([
      step(t, 'APPROVE', id, director, clock),
      step(t, 'DENY', id, deputy, clock),
    ]);
    const outcomes = [a, b]
      .map((r) => r.body.data?.r.status ?? r.body.errors?.[0]?.extensions?.code)
      .sort();
    expect([
      ['APPROVED', 'INVALID_TRANSITION'],
      ['DENIED', 'INVALID_TRANSITION'],
    ]).toContainEqual(outcomes);
    expect((await snapshot(t, id)).events).toBe(3);
  });
});

describe('the history is append-only', () => {
  test('reg. 2: UPDATE, DELETE and TRUNCATE of disclosure_events are refused by the database', async () => {
    const before = await t.db.raw(
      `select * from disclosure_events where request_id = 'dr_approved' order by sequence`,
    );
    await expect(
      t.db.raw(`update disclosure_events set note = 'edited' where request_id = 'dr_approved'`),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.raw(`delete from disclosure_events where request_id = 'dr_approved'`),
    ).rejects.toThrow(/append-only/);
    await expect(t.db.raw(`truncate disclosure_events`)).rejects.toThrow(/append-only/);
    expect(
      await t.db.raw(
        `select * from disclosure_events where request_id = 'dr_approved' order by sequence`,
      ),
    ).toEqual(before);
  });

  test('reg. 5: deleting a whole closed request (retention) still removes its history with it', async () => {
    await t.db.raw(`delete from disclosure_requests where id = 'dr_withdrawn'`);
    expect(
      await t.db.raw(
        `select count(*)::int as n from disclosure_events where request_id = 'dr_withdrawn'`,
      ),
    ).toEqual([{ n: 0 }]);
  });
});

describe('the request’s full history', () => {
  test('reg. 2: events are listed oldest first with actor, authority and note', async () => {
    const id = await receive(t, { note: 'Served at the front desk.' });
    const r = await readRequest(t, id);
    expect(r.events).toEqual([{ ...intake(), note: 'Served at the front desk.' }]);
  });

  test('reg. 3: the staff member who took a request in reads it; another staff member does not', async () => {
    const id = await receive(t);
    expect((await readRequest(t, id, circulation)).status).toBe('RECEIVED');
    const other = await t.gql(`query($id: ID!) { disclosureRequest(id: $id) { id status } }`, {
      as: AS.reference,
      purpose: 'REFERENCE_SERVICE',
      variables: { id },
    });
    expect(other.body).toMatchObject({
      data: { disclosureRequest: null },
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
  });
});

/**
 * Regulation 3 holds twice: the root rules refuse a non-custodian first, and the transition table
 * refuses them again. Each is proved here without the other.
 */
describe('reg. 3: only the custodian decides, in the transition table itself (the root rules aside)', () => {
  const actor = (over: Partial<Actor>): Actor => ({
    id: 'x',
    role: 'circulation',
    authority: null,
    designationId: null,
    staff: false,
    responder: false,
    requesterId: null,
    ...over,
  });
  const request = (status: DisclosureRequestRow['status']) =>
    ({
      id: 'dr_x',
      status,
      requesterId: 'court_x',
      instrument: 'EMERGENCY',
      instrumentReference: 'ref',
      issuingAuthority: 'court',
      ratifiedAt: null,
      repudiatedAt: null,
    }) as DisclosureRequestRow;
  const refusal = (fn: () => unknown) => {
    try {
      fn();
      return 'allowed';
    } catch (e) {
      return (e as GraphQLError).extensions?.code;
    }
  };
  const decisions = TRANSITIONS.filter((x) => x.by === 'custodian');
  const others: [string, Actor][] = [
    ['circulation staff with a purpose', actor({ id: 'staff_circ', staff: true, responder: true })],
    [
      'the requester named on the request',
      actor({ id: 'court_x', role: 'requester', requesterId: 'court_x' }),
    ],
    ['the clock', CLOCK],
  ];
  test.each(
    others.flatMap(([label, a]) => decisions.map((x) => [x.action, x.from, label, a] as const)),
  )('%s from %s by %s is FORBIDDEN', (action, from, _label, a) => {
    expect(refusal(() => transitionFor(action, request(from!), a))).toBe('FORBIDDEN');
  });
  test('the Director and an active designee pass the same check (an emergency is approved only through its own release)', () => {
    for (const a of [
      actor({ id: 'staff_director', role: 'director', authority: 'DIRECTOR', staff: true }),
      actor({ id: 'staff_alt', authority: 'DESIGNATION', designationId: 'des_x', staff: true }),
    ])
      expect(
        decisions.map((x) => [
          x.action,
          x.from,
          refusal(() => transitionFor(x.action, request(x.from!), a)),
        ]),
      ).toEqual(
        decisions.map((x) => [
          x.action,
          x.from,
          x.action === 'APPROVE' && x.from === 'RECEIVED' ? 'INVALID_TRANSITION' : 'allowed',
        ]),
      );
  });
});

/**
 * The root rules alone, over resolvers that accept anyone and count their calls (as designations
 * test the Director-only rules): the transition table would refuse too, but need not be reached.
 */
describe('reg. 3: the custodian-only root rules refuse everyone else even when the service would not', () => {
  const MUTATIONS_REACHED = [
    'beginDisclosureReview',
    'approveDisclosureRequest',
    'denyDisclosureRequest',
    'fulfillDisclosureRequest',
    'ratifyEmergencyDisclosure',
    'repudiateEmergencyDisclosure',
  ] as const;
  const DOCS: Record<(typeof MUTATIONS_REACHED)[number], string> = {
    beginDisclosureReview: `mutation { d: beginDisclosureReview(id: "dr_x") { __typename } }`,
    approveDisclosureRequest: `mutation { d: approveDisclosureRequest(id: "dr_x", input: { accessExpiresAt: "2030-01-01T00:00:00Z" }) { __typename } }`,
    denyDisclosureRequest: `mutation { d: denyDisclosureRequest(id: "dr_x", reason: "x") { __typename } }`,
    fulfillDisclosureRequest: `mutation { d: fulfillDisclosureRequest(id: "dr_x") { __typename } }`,
    ratifyEmergencyDisclosure: `mutation { d: ratifyEmergencyDisclosure(id: "dr_x") { __typename } }`,
    repudiateEmergencyDisclosure: `mutation { d: repudiateEmergencyDisclosure(id: "dr_x", reason: "x") { __typename } }`,
  };
  const callers: [string, TokenSpec | null, string | null, string][] = [
    ['circulation staff', AS.circulation, 'DISCLOSURE_REVIEW', 'FORBIDDEN'],
    ['a requester', AS.court, null, 'FORBIDDEN'],
    ['a patron', AS.ben, null, 'FORBIDDEN'],
    ['the Director without a purpose', AS.director, null, 'PURPOSE_REQUIRED'],
  ];
  const {
    reached,
    call: run,
    expectRefused,
  } = rootRulesOnly(() => t, clock.now, MUTATIONS_REACHED);
  const call = (m: keyof typeof DOCS, who: TokenSpec | null, purpose: string | null) =>
    run(DOCS[m], who, purpose);
  test.each(
    callers.flatMap(([label, who, purpose, code]) =>
      MUTATIONS_REACHED.map((m) => [m, label, who, purpose, code] as const),
    ),
  )('%s: %s is refused before the service', (m, _label, who, purpose, code) =>
    expectRefused(DOCS[m], who, purpose, code),
  );
  test('the same resolvers are reached by the Director with a purpose (the refusals above are the rule)', async () => {
    reached.length = 0;
    for (const m of MUTATIONS_REACHED)
      expect(await call(m, AS.director, 'DISCLOSURE_REVIEW')).toEqual({
        data: { d: { __typename: 'DisclosureRequest' } },
      });
    expect(reached).toEqual([...MUTATIONS_REACHED]);
  });
});
