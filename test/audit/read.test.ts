import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { releasesOf } from '../../src/audit/releases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { decisionsOf, nextRequestId } from '../support/audit.js';

let t: TestServer;
const ADA = 'pat_adalovelace';
const started = new Date();

async function ask<T = Record<string, unknown>>(
  query: string,
  as: TokenSpec,
  purpose?: string,
  variables?: Record<string, unknown>,
) {
  const requestId = nextRequestId('read');
  const res = await t.gql<T>(query, {
    as,
    purpose,
    variables,
    headers: { 'x-request-id': requestId },
  });
  return { ...res, requestId };
}

beforeAll(async () => {
  t = await startTestServer();
  // Who accessed Ada: the desk, the police under dr_approved, Ada herself, the deputy (designee).
  await ask(`{ patron(id: "${ADA}") { name } }`, AS.circulation, 'CIRCULATION_DESK');
  await ask(
    `{ patron(id: "${ADA}") { name loans { nodes { dueAt } } } disclosureRequest(id: "dr_approved") { status } }`,
    AS.police,
  );
  await ask(`{ patron(id: "${ADA}") { name } }`, AS.ada);
  await ask(`{ patron(id: "${ADA}") { email } }`, AS.deputy, 'RECORDS_AUDIT');
});
afterAll(() => t?.stop());

const ACCESS_LOG = `{ patron(id: "${ADA}") { accessLog { nodes { roles staffId thirdPartyId categories basis basisRef at } pageInfo { hasNextPage } } } }`;
const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
const deputyEntry = {
  roles: ['circulation'],
  staffId: 'staff_deputy',
  thirdPartyId: null,
  categories: ['IDENTITY'],
  basis: 'DESIGNEE',
  basisRef: 'des_deputyactive',
  at,
};
const policeEntry = {
  roles: ['requester'],
  staffId: null,
  thirdPartyId: 'svc_police',
  categories: ['CIRCULATION', 'DISCLOSURE', 'IDENTITY'],
  basis: 'DISCLOSURE',
  basisRef: 'dr_approved',
  at,
};
const deskEntry = {
  roles: ['circulation'],
  staffId: 'staff_circ',
  thirdPartyId: null,
  categories: ['IDENTITY'],
  basis: 'STAFF_PURPOSE',
  basisRef: null,
  at,
};

describe("a patron's access log", () => {
  test('reg. 2: the patron sees who accessed their record (role, staff or third-party id, time, categories, basis), newest first, without their own reads', async () => {
    const r = await ask(ACCESS_LOG, AS.ada);
    expect(r.body).toEqual({
      data: {
        patron: {
          accessLog: {
            nodes: [deputyEntry, policeEntry, deskEntry],
            pageInfo: { hasNextPage: false },
          },
        },
      },
      extensions: { requestId: r.requestId },
    });
  });

  test('reading the access log is itself audited', async () => {
    const r = await ask(
      `{ patron(id: "${ADA}") { accessLog(first: 1) { nodes { basis staffId } } } }`,
      AS.ada,
    );
    expect(r.body.data).toEqual({
      patron: { accessLog: { nodes: [{ basis: 'DESIGNEE', staffId: 'staff_deputy' }] } },
    });
    expect(await decisionsOf(t, r.requestId)).toEqual([
      `${ADA}|AccessLogEntry|basis|GRANTED|SELF|-`,
      `${ADA}|AccessLogEntry|staffId|GRANTED|SELF|-`,
      `${ADA}|Patron|accessLog|GRANTED|SELF|-`,
    ]);
  });

  test('reg. 3: accesses under a disclosure whose nondisclosure order is in force are hidden until it expires', async () => {
    await t.db.raw(
      "update disclosure_requests set nondisclosure_until = now() + interval '30 days' where id = 'dr_approved'",
    );
    try {
      const hidden = await ask(ACCESS_LOG, AS.ada);
      expect(hidden.body.data).toEqual({
        patron: {
          accessLog: { nodes: [deputyEntry, deskEntry], pageInfo: { hasNextPage: false } },
        },
      });
      // The custodian still sees it in the log.
      const director = await ask<{ auditEvents: { nodes: unknown[] } }>(
        '{ auditEvents(filter: { basisRef: "dr_approved" }) { nodes { principalId } } }',
        AS.director,
        'RECORDS_AUDIT',
      );
      expect(director.body.data?.auditEvents.nodes).toHaveLength(4);
    } finally {
      await t.db.raw(
        "update disclosure_requests set nondisclosure_until = now() - interval '1 day' where id = 'dr_approved'",
      );
    }
    const shown = await ask(ACCESS_LOG, AS.ada);
    expect(shown.body.data).toEqual({
      patron: {
        accessLog: {
          nodes: [deputyEntry, policeEntry, deskEntry],
          pageInfo: { hasNextPage: false },
        },
      },
    });
  });

  test("reg. 3: circulation staff cannot read a patron's access log, and the refusal is recorded", async () => {
    const r = await ask(
      `{ patron(id: "${ADA}") { name accessLog { nodes { basis } } } }`,
      AS.circulation,
      'CIRCULATION_DESK',
    );
    expect(r.body.data).toEqual({ patron: { name: 'Ada Lovelace', accessLog: null } });
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await decisionsOf(t, r.requestId)).toEqual([
      `${ADA}|Patron|accessLog|DENIED|-|-`,
      `${ADA}|Patron|name|GRANTED|STAFF_PURPOSE|-`,
    ]);
  });
});

describe("the custodian's audit query", () => {
  const EVENTS = `query Events($filter: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) { nodes { typeName fields outcome basis basisRef principalId purpose } pageInfo { hasNextPage endCursor } } }`;
  type Events = {
    auditEvents: {
      nodes: Record<string, unknown>[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };

  test('reg. 2: the Director filters by patron and principal and pages with a cursor', async () => {
    const filter = { patronId: ADA, principalId: 'svc_police' };
    const p1 = await ask<Events>(EVENTS, AS.director, 'RECORDS_AUDIT', { filter, first: 2 });
    const p2 = await ask<Events>(EVENTS, AS.director, 'RECORDS_AUDIT', {
      filter,
      first: 2,
      after: p1.body.data?.auditEvents.pageInfo.endCursor,
    });
    const police = {
      outcome: 'GRANTED',
      basis: 'DISCLOSURE',
      basisRef: 'dr_approved',
      principalId: 'svc_police',
      purpose: null,
    };
    // Newest first; a request's rows are written in (type, category, ...) order.
    expect(p1.body.data?.auditEvents.nodes).toEqual([
      { ...police, typeName: 'Patron', fields: ['name'] },
      { ...police, typeName: 'Patron', fields: ['loans'] },
    ]);
    expect(p1.body.data?.auditEvents.pageInfo.hasNextPage).toBe(true);
    expect(p2.body.data?.auditEvents).toEqual({
      nodes: [
        { ...police, typeName: 'Loan', fields: ['dueAt'] },
        { ...police, typeName: 'DisclosureRequest', fields: ['status'] },
      ],
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
  });

  test('reg. 2: filters by outcome, basis, basis reference, a patron as principal, and time range', async () => {
    const q = async (filter: Record<string, unknown>) =>
      (await ask<Events>(EVENTS, AS.director, 'RECORDS_AUDIT', { filter, first: 100 })).body.data
        ?.auditEvents.nodes;
    expect(await q({ basis: 'DESIGNEE' })).toEqual([
      {
        typeName: 'Patron',
        fields: ['email'],
        outcome: 'GRANTED',
        basis: 'DESIGNEE',
        basisRef: 'des_deputyactive',
        principalId: 'staff_deputy',
        purpose: 'RECORDS_AUDIT',
      },
    ]);
    expect(await q({ basisRef: 'des_deputyactive' })).toHaveLength(1);
    const denied = await q({ outcome: 'DENIED' });
    expect(denied?.map((n) => [n.typeName, n.fields, n.principalId])).toEqual([
      ['Patron', ['accessLog'], 'staff_circ'],
    ]);
    // Ada as principal is stored as her pseudonym; the filter finds her through it.
    const asAda = await q({ principalId: ADA });
    expect(new Set(asAda?.map((n) => n.basis))).toEqual(new Set(['SELF']));
    expect(asAda?.length).toBeGreaterThan(0);
    expect(await q({ from: new Date(Date.now() + 3_600_000).toISOString() })).toEqual([]);
    expect(await q({ to: new Date(started.getTime() - 3_600_000).toISOString() })).toEqual([]);
    expect(await q({ from: started.toISOString(), patronId: 'pat_benokafor' })).toEqual([]);
  });

  test('reading the audit log is itself audited, naming the patron searched for', async () => {
    const r = await ask(
      `{ auditEvents(filter: { patronId: "${ADA}" }, first: 1) { nodes { typeName outcome } } }`,
      AS.director,
      'RECORDS_AUDIT',
    );
    expect(await decisionsOf(t, r.requestId)).toEqual([
      '-|AuditEvent|outcome|GRANTED|DIRECTOR|-',
      '-|AuditEvent|typeName|GRANTED|DIRECTOR|-',
      `${ADA}|Query|auditEvents|GRANTED|DIRECTOR|-`,
    ]);
  });

  test('reg. 2: an active designee may query the log; an expired designee, circulation staff and a patron may not', async () => {
    const q = '{ auditEvents(first: 1) { nodes { seq } } }';
    const deputy = await ask<Events>(q, AS.deputy, 'RECORDS_AUDIT');
    expect(deputy.body.errors).toBeUndefined();
    expect(deputy.body.data?.auditEvents.nodes).toHaveLength(1);
    for (const who of [AS.formerDeputy, AS.circulation, AS.ada, AS.volunteer]) {
      const r = await ask(q, who, 'RECORDS_AUDIT');
      expect([r.body.data, r.body.errors?.map((e) => e.extensions?.code)]).toEqual([
        null,
        ['FORBIDDEN'],
      ]);
    }
    const noPurpose = await ask(q, AS.director);
    expect(noPurpose.body.errors?.map((e) => e.extensions?.code)).toEqual(['PURPOSE_REQUIRED']);
  });
});

describe('the release record of a disclosure request', () => {
  const expected = [
    { patronId: ADA, typeName: 'Loan', field: 'dueAt' },
    { patronId: ADA, typeName: 'Patron', field: 'loans' },
    { patronId: ADA, typeName: 'Patron', field: 'name' },
  ];

  test('reg. 3: lists exactly the (patron, type, field) the requester resolved under dr_approved', async () => {
    expect(
      (await releasesOf(t.db.database.db, 'dr_approved')).map(({ requestId: _r, ...x }) => x),
    ).toEqual(expected);
    const q = '{ disclosureRequest(id: "dr_approved") { releases { patronId typeName field } } }';
    for (const [who, purpose] of [
      [AS.director, 'RECORDS_AUDIT'],
      [AS.police, undefined],
    ] as const) {
      const r = await ask(q, who, purpose);
      expect(r.body).toEqual({
        data: { disclosureRequest: { releases: expected } },
        extensions: { requestId: r.requestId },
      });
    }
    // Ada reaches the request through her own record (no nondisclosure order on it).
    const ada = await ask(
      `{ patron(id: "${ADA}") { disclosureRequests(filter: { status: APPROVED }) { nodes { id releases { patronId typeName field } } } } }`,
      AS.ada,
    );
    expect(ada.body.data).toEqual({
      patron: { disclosureRequests: { nodes: [{ id: 'dr_approved', releases: expected }] } },
    });
    expect(await releasesOf(t.db.database.db, 'dr_denied')).toEqual([]);
  });
});
