// MNG-1 regulation 1: staff may identify someone at once to protect people. The release is an
// EMERGENCY request, APPROVED immediately, limited to IDENTITY and a short window, and waits in
// the Director's queue until ratified or repudiated. Also the Director's queue as a whole (reg. 2).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type CallOptions, type TestServer } from '../../support/server.js';
import { AS } from '../../support/tokens.js';
import {
  DAY,
  HOUR,
  codes,
  director,
  movableClock,
  readRequest,
  receive,
  snapshot,
  step,
} from './support.js';

const clock = movableClock();
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    now: clock.now,
    env: { EMERGENCY_ACCESS_HOURS: '12', EMERGENCY_RATIFICATION_HOURS: '48' },
  });
});
afterAll(() => t?.stop());
afterEach(() => {
  clock.offset = 0;
});

const responder: CallOptions = { as: AS.circulation, purpose: 'SAFETY_EMERGENCY' };
const RELEASE = `mutation($input: EmergencyDisclosureInput!) { r: releaseEmergencyDisclosure(input: $input) { id status } }`;
const QUEUE = `{ disclosureQueue { pendingReview { id } nearingExpiry { id } unratifiedEmergencies { id } } }`;
type Queue = {
  disclosureQueue: Record<
    'pendingReview' | 'nearingExpiry' | 'unratifiedEmergencies',
    { id: string }[]
  >;
};

async function release(patronIds = ['pat_benokafor'], who: CallOptions = responder) {
  return t.gql<{ r: { id: string; status: string } }>(RELEASE, {
    ...who,
    variables: {
      input: {
        requesterId: 'req_police',
        requesterName: 'Sgt. R. Lee',
        agency: 'Riley County Police',
        patronIds,
        justification: 'A patron threatened staff with a weapon.',
      },
    },
  });
}

const queue = async () => (await t.gql<Queue>(QUEUE, director)).body.data!.disclosureQueue;
const BEN = `{ patron(id: "pat_benokafor") { name cardNumber } }`;

describe('emergency disclosure', () => {
  test('reg. 1: staff release identity at once: APPROVED, IDENTITY only, a 12-hour window, ratification due in 48 hours, flagged EMERGENCY', async () => {
    const released = await release();
    const id = released.body.data!.r.id;
    expect(released.body.data).toEqual({ r: { id, status: 'APPROVED' } });
    const r = await readRequest(t, id);
    expect(r).toMatchObject({
      status: 'APPROVED',
      instrument: 'EMERGENCY',
      categories: ['IDENTITY'],
      receivedBy: 'staff_circ',
      decidedBy: 'staff_circ',
      decisionAuthority: 'EMERGENCY',
      ratifiedAt: null,
      repudiatedAt: null,
      patrons: [{ id: 'pat_benokafor' }],
    });
    const [row] = await t.db.raw(
      'select received_at, access_expires_at, ratification_due_at from disclosure_requests where id = $1',
      [id],
    );
    const received = (row!.received_at as Date).getTime();
    expect((row!.access_expires_at as Date).getTime() - received).toBe(12 * HOUR);
    expect((row!.ratification_due_at as Date).getTime() - received).toBe(48 * HOUR);
    expect(r.events).toEqual([
      {
        sequence: 1,
        action: 'RELEASE_EMERGENCY',
        fromStatus: null,
        toStatus: 'APPROVED',
        actorId: 'staff_circ',
        authority: 'EMERGENCY',
        designationId: null,
        note: null,
      },
    ]);
    // The requester reads Ben's identity at once, and nothing else of Ben's.
    expect((await t.gql(BEN, { as: AS.police })).body.data).toEqual({
      patron: { name: 'Ben Okafor', cardNumber: expect.stringMatching(/^2\d{13}$/) },
    });
    const more = await t.gql(
      `{ patron(id: "pat_benokafor") { loans { nodes { id } } fines { nodes { id } } referenceConsults { nodes { id } } } }`,
      { as: AS.police },
    );
    expect(more.body.data).toEqual({
      patron: { loans: null, fines: null, referenceConsults: null },
    });
    expect(codes(more)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    // ... and only inside the window.
    clock.offset = 12 * HOUR + 60_000;
    expect(codes(await t.gql(BEN, { as: AS.police }))).toEqual(['FORBIDDEN']);
    expect((await readRequest(t, id)).status).toBe('EXPIRED');
  });

  test('reg. 1: an unratified emergency appears in the Director’s queue until ratified, even after its window closed', async () => {
    const id = (await release(['pat_evegrant'])).body.data!.r.id;
    expect((await queue()).unratifiedEmergencies.map((r) => r.id)).toContain(id);
    clock.offset = 13 * HOUR; // the window closed: EXPIRED, still to be ratified
    expect((await queue()).unratifiedEmergencies.map((r) => r.id)).toContain(id);
    expect((await step(t, 'RATIFY', id, director, clock)).body.data).toEqual({
      r: { id, status: 'EXPIRED' },
    });
    expect((await queue()).unratifiedEmergencies.map((r) => r.id)).not.toContain(id);
    const r = await readRequest(t, id);
    expect(r).toMatchObject({ status: 'EXPIRED', emergencyReviewedBy: 'staff_director' });
    expect(r.ratifiedAt).not.toBeNull();
    expect(r.events.map((e) => [e.action, e.fromStatus, e.toStatus, e.authority])).toEqual([
      ['RELEASE_EMERGENCY', null, 'APPROVED', 'EMERGENCY'],
      ['EXPIRE', 'APPROVED', 'EXPIRED', null],
      ['RATIFY', 'EXPIRED', 'EXPIRED', 'DIRECTOR'],
    ]);
    // Ratified once: a second ratification or a repudiation is refused and changes nothing.
    const before = await snapshot(t, id);
    expect(codes(await step(t, 'RATIFY', id, director, clock))).toEqual(['INVALID_TRANSITION']);
    expect(codes(await step(t, 'REPUDIATE', id, director, clock))).toEqual(['INVALID_TRANSITION']);
    expect(await snapshot(t, id)).toEqual(before);
  });

  test('reg. 1: the Director repudiates an emergency while access is open: DENIED, access ends at once', async () => {
    const id = (await release()).body.data!.r.id;
    expect((await t.gql(BEN, { as: AS.police })).body.data).toMatchObject({
      patron: { name: 'Ben Okafor' },
    });
    expect(
      (await step(t, 'REPUDIATE', id, { as: AS.deputy, purpose: 'DISCLOSURE_REVIEW' }, clock)).body
        .data,
    ).toEqual({ r: { id, status: 'DENIED' } });
    expect(codes(await t.gql(BEN, { as: AS.police }))).toEqual(['FORBIDDEN']);
    const r = await readRequest(t, id);
    expect(r).toMatchObject({ status: 'DENIED', emergencyReviewedBy: 'staff_deputy' });
    expect(r.events.at(-1)).toEqual({
      sequence: 2,
      action: 'REPUDIATE',
      fromStatus: 'APPROVED',
      toStatus: 'DENIED',
      actorId: 'staff_deputy',
      authority: 'DESIGNATION',
      designationId: 'des_deputyactive',
      note: 'No danger to anyone.',
    });
    expect((await queue()).unratifiedEmergencies.map((q) => q.id)).not.toContain(id);
  });

  test('reg. 1: ratification of an emergency that was fulfilled or withdrawn keeps its status', async () => {
    const a = (await release()).body.data!.r.id;
    await step(t, 'FULFILL', a, director, clock);
    expect((await step(t, 'RATIFY', a, director, clock)).body.data).toEqual({
      r: { id: a, status: 'FULFILLED' },
    });
    const b = (await release()).body.data!.r.id;
    await step(t, 'WITHDRAW', b, { as: AS.police }, clock);
    expect((await step(t, 'REPUDIATE', b, director, clock)).body.data).toEqual({
      r: { id: b, status: 'WITHDRAWN' },
    });
  });

  test('reg. 3: an emergency release needs the SAFETY_EMERGENCY purpose and a staff member other than a volunteer; staff cannot ratify', async () => {
    expect(
      codes(await release(['pat_benokafor'], { as: AS.circulation, purpose: 'CIRCULATION_DESK' })),
    ).toEqual(['PURPOSE_REQUIRED']);
    expect(
      codes(await release(['pat_benokafor'], { as: AS.volunteer, purpose: 'SAFETY_EMERGENCY' })),
    ).toEqual(['FORBIDDEN']);
    expect(codes(await release(['pat_benokafor'], { as: AS.police }))).toEqual(['FORBIDDEN']);
    const id = (await release()).body.data!.r.id;
    expect(
      codes(
        await step(t, 'RATIFY', id, { as: AS.circulation, purpose: 'CIRCULATION_DESK' }, clock),
      ),
    ).toEqual(['FORBIDDEN']);
    await step(t, 'REPUDIATE', id, director, clock);
  });

  test('reg. 1: an emergency names at most 5 patrons, who must exist; a failed release records nothing', async () => {
    const [{ n: before }] = (await t.db.raw(
      'select count(*)::int as n from disclosure_requests',
    )) as [{ n: number }];
    const six = [
      'pat_adalovelace',
      'pat_benokafor',
      'pat_carmendiaz',
      'pat_danidiaz',
      'pat_evegrant',
      'pat_demoapatron',
    ];
    expect((await release(six)).body.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'patronIds',
    });
    expect(codes(await release(['pat_benokafor', 'pat_nosuchpatron']))).toEqual(['NOT_FOUND']);
    const [{ n: after }] = (await t.db.raw(
      'select count(*)::int as n from disclosure_requests',
    )) as [{ n: number }];
    expect(after).toBe(before);
  });
});

describe('the Director’s queue', () => {
  test('reg. 2: pending review lists RECEIVED and UNDER_REVIEW requests, oldest first; a decision removes one', async () => {
    const id = await receive(t);
    const pending = (await queue()).pendingReview.map((r) => r.id);
    expect(pending.slice(0, 2).sort()).toEqual(['dr_received', 'dr_underreview']);
    expect(pending.at(-1)).toBe(id);
    await step(t, 'DENY', id, director, clock);
    expect((await queue()).pendingReview.map((r) => r.id)).not.toContain(id);
  });

  test('reg. 2: nearing expiry lists approved requests whose access closes within 7 days', async () => {
    expect((await queue()).nearingExpiry.map((r) => r.id)).not.toContain('dr_approved'); // closes in 25 days
    clock.offset = 20 * DAY;
    expect((await queue()).nearingExpiry.map((r) => r.id)).toContain('dr_approved');
  });

  test('reg. 2: the queue is the custodian’s: not staff, not a requester', async () => {
    expect(codes(await t.gql(QUEUE, { as: AS.circulation, purpose: 'CIRCULATION_DESK' }))).toEqual([
      'FORBIDDEN',
    ]);
    expect(codes(await t.gql(QUEUE, { as: AS.police }))).toEqual(['FORBIDDEN']);
    expect(
      (await t.gql<Queue>(QUEUE, { as: AS.deputy, purpose: 'DISCLOSURE_REVIEW' })).body.errors,
    ).toBeUndefined();
  });
});
