// One test per condition of the policy, each naming the MNG-1 clause it proves, over the real
// HTTP server with real signed tokens. The leak test covers every field; these read as the policy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AccessControl } from '../../src/authz/policy/access-control.js';
import { patronFacts, recordFacts } from '../../src/authz/policy/records.js';
import { principalFromClaims } from '../../src/auth/principal.js';
import type { AccessPurpose } from '../../src/auth/purpose.js';
import { createRepositories } from '../../src/repositories/repositories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { buildWorld, type World } from './support/fixtures.js';

let t: TestServer;
let w: World;
beforeAll(async () => {
  const seededAt = new Date();
  t = await startTestServer();
  w = await buildWorld(t.db, seededAt);
});
afterAll(() => t?.stop());

const ADA = 'pat_adalovelace';
const BEN = 'pat_benokafor';
const DANI = 'pat_danidiaz';
const FORBIDDEN = {
  message: 'Not authorized to read or change this.',
  extensions: { code: 'FORBIDDEN' },
};
const UNAUTHENTICATED = {
  message: 'A valid bearer token is required.',
  extensions: { code: 'UNAUTHENTICATED' },
};
const PURPOSE_REQUIRED = {
  message: 'A stated purpose is required: send an X-Access-Purpose header.',
  extensions: {
    code: 'PURPOSE_REQUIRED',
    allowedPurposes: [
      'CIRCULATION_DESK',
      'ACCOUNT_SUPPORT',
      'FINES_COLLECTION',
      'REFERENCE_SERVICE',
      'DISCLOSURE_REVIEW',
      'RECORDS_AUDIT',
      'SAFETY_EMERGENCY',
    ],
  },
};
const name = (id: string) => `CANARY-${id}-Patron.name`;

/** data and errors (without locations, ordered by path: fields resolve concurrently), for exact comparison */
async function ask(query: string, as: TokenSpec | null, purpose?: string) {
  const r = await t.gql(query, { as: as ?? undefined, purpose });
  const errors = r.body.errors?.map(({ message, path, extensions }) => ({
    message,
    path,
    extensions,
  }));
  errors?.sort(byPath);
  return { data: r.body.data, errors };
}
const err = (e: object, ...path: (string | number)[]) => ({ ...e, path });
const byPath = (a: { path?: unknown }, b: { path?: unknown }) =>
  JSON.stringify(a.path).localeCompare(JSON.stringify(b.path));
const sorted = <T extends { path?: unknown }>(errors: T[]) => [...errors].sort(byPath);

describe("reg. 2: the Director's powers pass only through a designation inside its window, not revoked", () => {
  const q = `{ patron(id: "${ADA}") { birthDate } }`;
  test('reg. 2: an active designee reads what the Director reads (birth date), with a purpose', async () => {
    expect(await ask(q, AS.deputy, 'DISCLOSURE_REVIEW')).toEqual({
      data: { patron: { birthDate: '1985-12-10' } },
      errors: undefined,
    });
  });
  test('reg. 2: a designation whose window has ended gives no Director powers', async () => {
    expect(await ask(q, AS.formerDeputy, 'DISCLOSURE_REVIEW')).toEqual({
      data: { patron: { birthDate: null } },
      errors: sorted([err(FORBIDDEN, 'patron', 'birthDate')]),
    });
  });
  test('reg. 2: a designation whose window has not opened yet gives no Director powers', async () => {
    const future = { sub: 'staff_futuredeputy', roles: ['circulation'] } satisfies TokenSpec;
    expect(await ask(q, future, 'DISCLOSURE_REVIEW')).toEqual({
      data: { patron: { birthDate: null } },
      errors: sorted([err(FORBIDDEN, 'patron', 'birthDate')]),
    });
  });
  test('reg. 2: a revoked designation gives no Director powers, inside its window', async () => {
    const revoked = { sub: 'staff_revokeddeputy', roles: ['circulation'] } satisfies TokenSpec;
    expect(await ask(q, revoked, 'DISCLOSURE_REVIEW')).toEqual({
      data: { patron: { birthDate: null } },
      errors: sorted([err(FORBIDDEN, 'patron', 'birthDate')]),
    });
  });
  test('reg. 2, 4: the Director without a stated purpose gets PURPOSE_REQUIRED', async () => {
    expect(await ask(q, AS.director)).toEqual({
      data: { patron: null },
      errors: sorted([err(PURPOSE_REQUIRED, 'patron')]),
    });
  });
});

describe('reg. 3, 4: a third party reads exactly an approved, unexpired disclosure that names it', () => {
  test('reg. 3: an approved request gives the patrons, categories and date range it names, lists narrowed to the range', async () => {
    const r = await ask(
      `{ patron(id: "${ADA}") { name loans { nodes { id branch } } } }`,
      AS.police,
    );
    // loan_adaancient (400 days ago) is outside the approved last 365 days: absent, not nulled.
    expect(r).toEqual({
      data: {
        patron: {
          name: name(ADA),
          loans: {
            nodes: [
              { id: 'loan_adacurrent', branch: 'CANARY-loan_adacurrent-Loan.branch' },
              { id: 'loan_adareturned', branch: 'CANARY-loan_adareturned-Loan.branch' },
            ],
          },
        },
      },
      errors: undefined,
    });
  });
  test('reg. 3: a loan outside the approved date range is refused when asked for by id', async () => {
    expect(await ask(`{ loan(id: "loan_adaancient") { id } }`, AS.police)).toEqual({
      data: { loan: null },
      errors: sorted([err(FORBIDDEN, 'loan')]),
    });
  });
  test('reg. 3: an approved request does not extend to another category (fines)', async () => {
    expect(await ask(`{ patron(id: "${ADA}") { fines { nodes { id } } } }`, AS.police)).toEqual({
      data: { patron: { fines: null } },
      errors: sorted([err(FORBIDDEN, 'patron', 'fines')]),
    });
  });
  test('reg. 3: an approved request does not extend to another patron', async () => {
    expect(await ask(`{ patron(id: "pat_carmendiaz") { name } }`, AS.police)).toEqual({
      data: { patron: null },
      errors: sorted([err(FORBIDDEN, 'patron')]),
    });
  });
  test('reg. 3: an expired disclosure gives nothing (ben)', async () => {
    expect(
      await ask(`{ patron(id: "${BEN}") { name } loan(id: "loan_bencurrent") { id } }`, AS.police),
    ).toEqual({
      data: { patron: null, loan: null },
      errors: sorted([err(FORBIDDEN, 'patron'), err(FORBIDDEN, 'loan')]),
    });
  });
  test('reg. 3: only an APPROVED request inside its access window gives access: not once withdrawn, not once the window has closed (before the sweep marks it EXPIRED)', async () => {
    // dr_approved's copy naming dani, still APPROVED: only its access window decides.
    await t.db.raw(
      `insert into disclosure_requests (id, requester_id, requester_name, agency, instrument, instrument_reference,
         issuing_authority, categories, scope_from, scope_to, status, received_by, received_at, decided_by,
         decision_authority, decided_at, access_expires_at)
       select 'dr_lapsing', requester_id, requester_name, agency, instrument, 'RC-LAPSING', issuing_authority,
         categories, scope_from, scope_to, status, received_by, received_at, decided_by, decision_authority,
         decided_at, now() + interval '1 hour'
       from disclosure_requests where id = 'dr_approved'`,
    );
    await t.db.raw(
      `insert into disclosure_request_patrons (request_id, patron_id) values ('dr_lapsing', $1)`,
      [DANI],
    );
    const q = `{ patron(id: "${DANI}") { name } }`;
    expect(await ask(q, AS.police)).toEqual({
      data: { patron: { name: name(DANI) } },
      errors: undefined,
    });
    await t.db.raw(`update disclosure_requests set status = 'WITHDRAWN' where id = 'dr_lapsing'`);
    expect(await ask(q, AS.police)).toEqual({
      data: { patron: null },
      errors: sorted([err(FORBIDDEN, 'patron')]),
    });
    await t.db.raw(
      `update disclosure_requests set status = 'APPROVED', access_expires_at = now() - interval '1 minute' where id = 'dr_lapsing'`,
    );
    expect(await ask(q, AS.police)).toEqual({
      data: { patron: null },
      errors: sorted([err(FORBIDDEN, 'patron')]),
    });
    expect(
      (await t.db.raw(`select status from disclosure_requests where id = 'dr_lapsing'`))[0],
    ).toEqual({
      status: 'APPROVED',
    });
  });
  test('reg. 3: a denied disclosure gives nothing (eve); the requester still sees its own request was denied', async () => {
    expect(
      await ask(
        `{ patron(id: "pat_evegrant") { name } disclosureRequest(id: "dr_denied") { status patrons { id name } } }`,
        AS.police,
      ),
    ).toEqual({
      data: {
        patron: null,
        disclosureRequest: { status: 'DENIED', patrons: [{ id: 'pat_evegrant', name: null }] },
      },
      errors: sorted([
        err(FORBIDDEN, 'patron'),
        err(FORBIDDEN, 'disclosureRequest', 'patrons', 0, 'name'),
      ]),
    });
  });
  test("reg. 3: a requester cannot read another requester's request", async () => {
    expect(await ask(`{ disclosureRequest(id: "dr_approved") { status } }`, AS.court)).toEqual({
      data: { disclosureRequest: null },
      errors: sorted([err(FORBIDDEN, 'disclosureRequest')]),
    });
  });
  test('reg. 6: consent gives the consented category only (ben: fines, not name)', async () => {
    expect(
      await ask(`{ patron(id: "${BEN}") { name fines { nodes { id reason } } } }`, AS.lawfirm),
    ).toEqual({
      data: {
        patron: {
          name: null,
          fines: { nodes: [{ id: 'fine_benowed', reason: 'CANARY-fine_benowed-Fine.reason' }] },
        },
      },
      errors: sorted([err(FORBIDDEN, 'patron', 'name')]),
    });
  });
});

describe('reg. 7: a vendor reads the card number of patrons enrolled in its service, nothing else', () => {
  const q = (id: string) =>
    `{ _entities(representations: [{ __typename: "Patron", id: "${id}" }]) { ... on Patron { cardNumber name } } }`;
  test('reg. 7: an enrolled patron: card number only', async () => {
    expect(await ask(q(ADA), AS.vendor)).toEqual({
      data: { _entities: [{ cardNumber: w.cardNumbers.get(ADA), name: null }] },
      errors: sorted([err(FORBIDDEN, '_entities', 0, 'name')]),
    });
  });
  test("reg. 7: a patron not enrolled in the vendor's service: not even the card number, refused like an unknown id", async () => {
    expect(await ask(q('pat_nosuchpatron'), AS.vendor)).toEqual(
      await ask(q('pat_carmendiaz'), AS.vendor),
    );
    expect(await ask(q('pat_carmendiaz'), AS.vendor)).toEqual({
      data: { _entities: [null] },
      errors: [err(FORBIDDEN, '_entities', 0)],
    });
  });
  test('reg. 7: an inactive vendor reads no card number, even of a patron enrolled with it', async () => {
    const defunct = {
      sub: 'svc_defunct',
      roles: ['vendor'],
      vendorId: 'ven_defunct',
      scope: 'card:read',
    } satisfies TokenSpec;
    expect(await ask(q(ADA), defunct)).toEqual({
      data: { _entities: [null] },
      errors: [err(FORBIDDEN, '_entities', 0)],
    });
  });
});

describe("reg. 14: a guardian sees nothing of a child's record unless the child granted it", () => {
  test('reg. 14: with a grant (circulation, fines): current loans and owed fines only; no identity', async () => {
    const r = await ask(
      `{ patron(id: "${DANI}") { name loans { nodes { id } } fines { nodes { id } } } }`,
      AS.carmen,
    );
    expect(r).toEqual({
      data: {
        patron: {
          name: null,
          loans: { nodes: [{ id: 'loan_danicurrent' }] },
          fines: { nodes: [{ id: 'fine_daniowed' }] },
        },
      },
      errors: sorted([err(FORBIDDEN, 'patron', 'name')]),
    });
  });
  test('reg. 14: a returned loan of the child is refused to the guardian by id', async () => {
    expect(await ask(`{ loan(id: "loan_danireturned") { id } }`, AS.carmen)).toEqual({
      data: { loan: null },
      errors: sorted([err(FORBIDDEN, 'loan')]),
    });
  });
  test('reg. 14: a guardian without a grant (revoked) gets nothing', async () => {
    const eve = {
      sub: 'user_eve',
      roles: ['patron'],
      patronId: 'pat_evegrant',
    } satisfies TokenSpec;
    expect(await ask(`{ patron(id: "${DANI}") { loans { nodes { id } } } }`, eve)).toEqual({
      data: { patron: null },
      errors: sorted([err(FORBIDDEN, 'patron')]),
    });
  });
  test('reg. 14: once the child revokes the grant, the guardian loses access', async () => {
    await t.db.raw(`update guardian_grants set revoked_at = now() where id = 'gg_danitocarmen'`);
    try {
      expect(await ask(`{ patron(id: "${DANI}") { loans { nodes { id } } } }`, AS.carmen)).toEqual({
        data: { patron: null },
        errors: sorted([err(FORBIDDEN, 'patron')]),
      });
    } finally {
      await t.db.raw(`update guardian_grants set revoked_at = null where id = 'gg_danitocarmen'`);
    }
  });
});

describe('reg. 3, 4: staff', () => {
  test('reg. 3: a volunteer reads no personal field, even with a purpose', async () => {
    expect(
      await ask(
        `{ patron(id: "${ADA}") { name } _entities(representations: [{ __typename: "Patron", id: "${ADA}" }]) { ... on Patron { name email } } }`,
        AS.volunteer,
        'CIRCULATION_DESK',
      ),
    ).toEqual({
      data: { patron: null, _entities: [null] },
      errors: sorted([err(FORBIDDEN, 'patron'), err(FORBIDDEN, '_entities', 0)]),
    });
  });
  test('reg. 4: circulation staff without a stated purpose get PURPOSE_REQUIRED, on every path', async () => {
    expect(
      await ask(
        `{ patron(id: "${ADA}") { name } _entities(representations: [{ __typename: "Patron", id: "${ADA}" }]) { ... on Patron { name } } }`,
        AS.circulation,
      ),
    ).toEqual({
      data: { patron: null, _entities: [null] },
      errors: sorted([err(PURPOSE_REQUIRED, 'patron'), err(PURPOSE_REQUIRED, '_entities', 0)]),
    });
  });
  test('reg. 4: circulation staff with a purpose: identity, current loans, fines; never birth date, returned loans or consults', async () => {
    const r = await ask(
      `{ patron(id: "${ADA}") { name birthDate loans { nodes { id } } fines { nodes { id } } referenceConsults { nodes { id } } } }`,
      AS.circulation,
      'CIRCULATION_DESK',
    );
    expect(r).toEqual({
      data: {
        patron: {
          name: name(ADA),
          birthDate: null,
          loans: { nodes: [{ id: 'loan_adacurrent' }] },
          fines: { nodes: [{ id: 'fine_adapaid' }] },
          referenceConsults: null,
        },
      },
      errors: sorted([
        err(FORBIDDEN, 'patron', 'birthDate'),
        err(FORBIDDEN, 'patron', 'referenceConsults'),
      ]),
    });
  });
  test('reg. 4: circulation staff never read a returned loan, in a list, by id or through _entities', async () => {
    const r = await ask(
      `{ loan(id: "loan_adareturned") { id branch } _entities(representations: [{ __typename: "Loan", id: "loan_adareturned" }, { __typename: "Loan", id: "loan_adacurrent" }]) { ... on Loan { id dueAt } } }`,
      AS.circulation,
      'CIRCULATION_DESK',
    );
    expect(r).toEqual({
      data: {
        loan: null,
        _entities: [null, { id: 'loan_adacurrent', dueAt: expect.any(String) }],
      },
      errors: sorted([err(FORBIDDEN, 'loan'), err(FORBIDDEN, '_entities', 0)]),
    });
  });
  test('reg. 5: an anonymised record is the custodian’s alone: circulation staff read nothing of an anonymised paid fine, by id or through _entities', async () => {
    await t.db.raw(
      `insert into fines (id, patron_id, amount_cents, reason, status, assessed_at, closed_at, anonymised_at)
       values ('fine_anonpaid', null, 40, '[removed by retention]', 'PAID', now() - interval '90 days', now() - interval '80 days', now() - interval '1 day')`,
    );
    const q = `{ fine(id: "fine_anonpaid") { id amountCents } _entities(representations: [{ __typename: "Fine", id: "fine_anonpaid" }]) { ... on Fine { id amountCents status } } }`;
    expect(await ask(q, AS.circulation, 'CIRCULATION_DESK')).toEqual({
      data: { fine: null, _entities: [null] },
      errors: sorted([err(FORBIDDEN, 'fine'), err(FORBIDDEN, '_entities', 0)]),
    });
    expect(await ask(q, AS.director, 'RECORDS_AUDIT')).toEqual({
      data: {
        fine: { id: 'fine_anonpaid', amountCents: 40 },
        _entities: [{ id: 'fine_anonpaid', amountCents: 40, status: 'PAID' }],
      },
      errors: undefined,
    });
  });
  test('reg. 4: a reference librarian sees only the consults they conducted, and no identity', async () => {
    const r = await ask(
      `{ patron(id: "${ADA}") { name referenceConsults { nodes { id question } } } referenceConsult(id: "rc_adaemail") { id } }`,
      AS.reference,
      'REFERENCE_SERVICE',
    );
    expect(r).toEqual({
      data: {
        patron: {
          name: null,
          referenceConsults: {
            nodes: [
              { id: 'rc_adainperson', question: 'CANARY-rc_adainperson-ReferenceConsult.question' },
            ],
          },
        },
        referenceConsult: null,
      },
      errors: sorted([err(FORBIDDEN, 'patron', 'name'), err(FORBIDDEN, 'referenceConsult')]),
    });
  });
});

describe('reg. 3, 4: denials name no one and do not reveal whether a record exists', () => {
  const cases: [string, string, TokenSpec | null, string | undefined][] = [
    ['patron', 'patron(id: "%")', AS.ben, undefined],
    ['loan', 'loan(id: "%")', AS.ben, undefined],
    ['fine', 'fine(id: "%")', AS.police, undefined],
    ['referenceConsult', 'referenceConsult(id: "%")', AS.circulation, 'CIRCULATION_DESK'],
    ['disclosureRequest', 'disclosureRequest(id: "%")', AS.ada, undefined],
  ];
  const someoneElses: Record<string, string> = {
    patron: ADA,
    loan: 'loan_adacurrent',
    fine: 'fine_adapaid',
    referenceConsult: 'rc_adainperson',
    disclosureRequest: 'dr_received',
  };
  const unknown: Record<string, string> = {
    patron: 'pat_nosuchpatron',
    loan: 'loan_nosuchloan',
    fine: 'fine_nosuchfine',
    referenceConsult: 'rc_nosuchconsult',
    disclosureRequest: 'dr_nosuchrequest',
  };
  test.each(cases)(
    "reg. 3: %s: an unknown id and someone else's id get the same FORBIDDEN",
    async (field, call, as, purpose) => {
      const existing = await ask(
        `{ ${call.replace('%', someoneElses[field]!)} { id } }`,
        as,
        purpose,
      );
      const missing = await ask(`{ ${call.replace('%', unknown[field]!)} { id } }`, as, purpose);
      expect(existing).toEqual({
        data: { [field]: null },
        errors: sorted([err(FORBIDDEN, field)]),
      });
      expect(missing).toEqual(existing);
    },
  );
  test('reg. 4: staff without a purpose hear PURPOSE_REQUIRED for an unknown id as for a known one', async () => {
    const known = await ask(`{ loan(id: "loan_adacurrent") { id } }`, AS.circulation);
    expect(known).toEqual({
      data: { loan: null },
      errors: sorted([err(PURPOSE_REQUIRED, 'loan')]),
    });
    expect(await ask(`{ loan(id: "loan_nosuchloan") { id } }`, AS.circulation)).toEqual(known);
  });
  test('an anonymous caller gets UNAUTHENTICATED (not FORBIDDEN) on root lookups and entity fields', async () => {
    expect(
      await ask(
        `{ patron(id: "${ADA}") { id } loan(id: "loan_adacurrent") { id } _entities(representations: [{ __typename: "Patron", id: "${ADA}" }]) { ... on Patron { name } } }`,
        null,
      ),
    ).toEqual({
      data: { patron: null, loan: null, _entities: [null] },
      errors: sorted([
        err(UNAUTHENTICATED, 'patron'),
        err(UNAUTHENTICATED, 'loan'),
        err(UNAUTHENTICATED, '_entities', 0),
      ]),
    });
  });
});

describe('every granted decision names its basis and the row it rests on', () => {
  const control = (spec: TokenSpec, purpose: AccessPurpose | null = null) => {
    const { patronId, vendorId, requesterId, scope, ...rest } = spec;
    const p = principalFromClaims({
      ...rest,
      patron_id: patronId,
      vendor_id: vendorId,
      requester_id: requesterId,
      scope,
    });
    return new AccessControl(
      p,
      purpose,
      createRepositories(t.db.database.db, () => new Date()).access,
      () => new Date(),
    );
  };
  const flags = { staffVisible: true, vendorShared: false };
  const loan = (id: string) => t.db.raw(`select * from loans where id = $1`, [id]);
  test.each([
    ['SELF', AS.ada, null, ADA, null],
    ['DIRECTOR', AS.director, 'RECORDS_AUDIT', ADA, null],
    ['DESIGNEE', AS.deputy, 'RECORDS_AUDIT', ADA, 'des_deputyactive'],
    ['STAFF_PURPOSE', AS.circulation, 'CIRCULATION_DESK', ADA, null],
    ['DISCLOSURE', AS.police, null, ADA, 'dr_approved'],
    ['CONSENT', AS.lawfirm, null, BEN, 'con_bentolawfirm'],
    ['GUARDIAN_GRANT', AS.carmen, null, DANI, 'gg_danitocarmen'],
  ] as const)('%s', async (basis, spec, purpose, patron, ref) => {
    const category =
      basis === 'CONSENT' ? 'FINES' : basis === 'GUARDIAN_GRANT' ? 'CIRCULATION' : 'IDENTITY';
    expect(await control(spec, purpose).decide(patronFacts(patron), category, flags)).toEqual({
      granted: true,
      basis,
      ref,
    });
  });
  test('VENDOR_SCOPE (reg. 7)', async () => {
    expect(
      await control(AS.vendor).decide(patronFacts(ADA), 'IDENTITY', {
        staffVisible: true,
        vendorShared: true,
      }),
    ).toEqual({ granted: true, basis: 'VENDOR_SCOPE', ref: 'ven_ebooks' });
  });
  test('reg. 14: a guardian grant never covers a returned loan', async () => {
    const [row] = await loan('loan_danireturned');
    const facts = recordFacts.Loan({
      patronId: row!.patron_id,
      checkedOutAt: new Date(row!.checked_out_at as string),
      returnedAt: new Date(row!.returned_at as string),
    } as never);
    expect(await control(AS.carmen).decide(facts, 'CIRCULATION', flags)).toEqual({
      granted: false,
      reason: 'FORBIDDEN',
    });
  });
});
