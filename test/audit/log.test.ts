import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoCardNumber } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS } from '../support/tokens.js';
import { decisionsOf, nextRequestId } from '../support/audit.js';
import type { TokenSpec } from '../support/tokens.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    env: { AUDIT_CHECKPOINT_EVERY: '1000000', AUDIT_CHECKPOINT_INTERVAL_MS: '0' },
  });
});
afterAll(() => t?.stop());

const ADA = 'pat_adalovelace';

async function asking(label: string, query: string, as: TokenSpec, purpose?: string) {
  const requestId = nextRequestId(label);
  const res = await t.gql(query, { as, purpose, headers: { 'x-request-id': requestId } });
  return { res, requestId, decisions: await decisionsOf(t, requestId) };
}

describe('inv. 3: every resolution of a protected field is recorded, no more, no fewer', () => {
  test('reg. 4: circulation staff, the police under dr_approved, the patron, a guardian and a vendor find exactly their decisions in the log', async () => {
    const seqBefore = Number(
      (await t.db.raw('select coalesce(max(seq), 0) as s from audit_events'))[0]!.s,
    );
    const circ = await asking(
      'circ',
      `query Desk { patron(id: "${ADA}") { name birthDate loans { nodes { dueAt } } } }`,
      AS.circulation,
      'CIRCULATION_DESK',
    );
    expect(circ.decisions).toEqual([
      `${ADA}|Loan|dueAt|GRANTED|STAFF_PURPOSE|-`,
      `${ADA}|Patron|birthDate|DENIED|-|-`,
      `${ADA}|Patron|loans|GRANTED|STAFF_PURPOSE|-`,
      `${ADA}|Patron|name|GRANTED|STAFF_PURPOSE|-`,
    ]);

    const police = await asking(
      'police',
      `{ patron(id: "${ADA}") { name email birthDate fines { nodes { id } } } }`,
      AS.police,
    );
    expect(police.decisions).toEqual([
      `${ADA}|Patron|birthDate|GRANTED|DISCLOSURE|dr_approved`,
      `${ADA}|Patron|email|GRANTED|DISCLOSURE|dr_approved`,
      `${ADA}|Patron|fines|DENIED|-|-`,
      `${ADA}|Patron|name|GRANTED|DISCLOSURE|dr_approved`,
    ]);

    const self = await asking('self', `{ patron(id: "${ADA}") { name n2: name } }`, AS.ada);
    expect(self.decisions).toEqual([`${ADA}|Patron|name|GRANTED|SELF|-`]);

    const guardian = await asking(
      'guardian',
      '{ patron(id: "pat_danidiaz") { name loans { nodes { dueAt } } } }',
      AS.carmen,
    );
    expect(guardian.decisions).toEqual([
      'pat_danidiaz|Loan|dueAt|GRANTED|GUARDIAN_GRANT|gg_danitocarmen',
      'pat_danidiaz|Patron|loans|GRANTED|GUARDIAN_GRANT|gg_danitocarmen',
      'pat_danidiaz|Patron|name|DENIED|-|-',
    ]);

    const vendor = await asking(
      'vendor',
      `{ _entities(representations: [{ __typename: "Patron", id: "${ADA}" }]) { ... on Patron { cardNumber name } } }`,
      AS.vendor,
    );
    expect(vendor.decisions).toEqual([
      `${ADA}|Patron|cardNumber|GRANTED|VENDOR_SCOPE|ven_ebooks`,
      `${ADA}|Patron|name|DENIED|-|-`,
    ]);

    // reg. 3: the volunteer is refused at the root; no protected field resolves, and the refusal
    // itself is recorded: the field, the rule and why (in basisRef), about Ada.
    const volunteer = await asking(
      'vol',
      `{ patron(id: "${ADA}") { name } }`,
      AS.volunteer,
      'CIRCULATION_DESK',
    );
    expect(volunteer.res.body.data).toEqual({ patron: null });
    expect(volunteer.decisions).toEqual([`${ADA}|Query|patron|DENIED|-|FORBIDDEN`]);

    // Nothing else was written meanwhile: the rows after seqBefore are exactly these requests' rows.
    const others = await t.db.raw(
      'select count(*)::int as n from audit_events where seq > $1 and request_id <> all($2)',
      [
        seqBefore,
        [
          circ.requestId,
          police.requestId,
          self.requestId,
          guardian.requestId,
          vendor.requestId,
          volunteer.requestId,
        ],
      ],
    );
    expect(others[0]!.n).toEqual(0);

    // Every column of one row: who, why, which operation, through what.
    const [row] = await t.db.raw(
      "select operation_name, document_hash, principal_kind, principal_id, principal_roles, purpose, category, rule, via_router from audit_events where request_id = $1 and type_name = 'Patron' and outcome = 'DENIED'",
      [circ.requestId],
    );
    expect(row).toEqual({
      operation_name: 'Desk',
      document_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      principal_kind: 'user',
      principal_id: 'staff_circ',
      principal_roles: ['circulation'],
      purpose: 'CIRCULATION_DESK',
      category: 'IDENTITY',
      rule: 'pii:IDENTITY:custodian',
      via_router: false,
    });
  });

  test('reg. 4: a page of patrons is one row per decision group, listing every patron it covered', async () => {
    const page = await asking(
      'page',
      '{ patrons(search: { status: ACTIVE }, first: 10) { nodes { id name email birthDate } } }',
      AS.circulation,
      'CIRCULATION_DESK',
    );
    const ids = (page.res.body.data as { patrons: { nodes: { id: string }[] } }).patrons.nodes.map(
      (n) => n.id,
    );
    expect(ids.length).toBeGreaterThan(2);
    const rows = await t.db.raw(
      'select format, type_name, fields, outcome, cardinality(subjects) as n, (subjects_from - chain_seq)::int as back from audit_events where request_id = $1 order by seq',
      [page.requestId],
    );
    // The second group covers the same patrons: it points back to the first row's list (format 3).
    expect(rows).toEqual([
      {
        format: 3,
        type_name: 'Patron',
        fields: ['birthDate'],
        outcome: 'DENIED',
        n: ids.length,
        back: null,
      },
      {
        format: 3,
        type_name: 'Patron',
        fields: ['email', 'name'],
        outcome: 'GRANTED',
        n: null,
        back: -1,
      },
    ]);
    expect(page.decisions).toEqual(
      ids
        .flatMap((id) => [
          `${id}|Patron|birthDate|DENIED|-|-`,
          `${id}|Patron|email|GRANTED|STAFF_PURPOSE|-`,
          `${id}|Patron|name|GRANTED|STAFF_PURPOSE|-`,
        ])
        .sort(),
    );
  });

  test('reg. 4: no raw patron id reaches an audit row; a patron principal is a pseudonym too', async () => {
    const self = await asking('selfpid', `{ patron(id: "${ADA}") { email } }`, AS.ada);
    const rows = await t.db.raw('select * from audit_events where request_id = $1', [
      self.requestId,
    ]);
    expect(rows).toHaveLength(1);
    const [pseudonym] = await t.db.raw(
      'select audit_pseudonym(pads, patron_id) as p from audit_subject_keys where patron_id = $1',
      [ADA],
    );
    expect(rows[0]!.subjects).toEqual([pseudonym!.p]);
    expect(rows[0]!.subject).toBeNull();
    expect(rows[0]!.principal_id).toEqual(pseudonym!.p);
    const all = JSON.stringify(await t.db.raw('select * from audit_events'));
    for (const id of [
      'pat_adalovelace',
      'pat_danidiaz',
      'pat_carmendiaz',
      'user_ada',
      demoCardNumber(1),
    ])
      expect(all).not.toContain(id);
  });

  test('a document hash blanks literal values: the same operation with another card number hashes the same', async () => {
    const q = (card: string) => `{ patronByCardNumber(cardNumber: "${card}") { name } }`;
    const a = await asking('card1', q(demoCardNumber(1)), AS.circulation, 'CIRCULATION_DESK');
    const b = await asking('card2', q(demoCardNumber(2)), AS.circulation, 'CIRCULATION_DESK');
    const hashOf = async (id: string) =>
      (
        await t.db.raw('select distinct document_hash from audit_events where request_id = $1', [
          id,
        ])
      ).map((r) => r.document_hash);
    expect(a.decisions).toEqual([`${ADA}|Patron|name|GRANTED|STAFF_PURPOSE|-`]);
    expect(b.decisions).toEqual(['pat_benokafor|Patron|name|GRANTED|STAFF_PURPOSE|-']);
    expect(await hashOf(a.requestId)).toEqual(await hashOf(b.requestId));
  });

  test('a resolver that fails after its grant is recorded FAILED, not GRANTED', async () => {
    await t.db.raw('alter table loans rename to loans_away');
    try {
      const r = await asking(
        'failing',
        `{ patron(id: "${ADA}") { name loans { nodes { id } } } }`,
        AS.director,
        'RECORDS_AUDIT',
      );
      expect(r.res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [['patron', 'loans'], 'INTERNAL_SERVER_ERROR'],
      ]);
      expect(r.decisions).toEqual([
        `${ADA}|Patron|loans|FAILED|DIRECTOR|-`,
        `${ADA}|Patron|name|GRANTED|DIRECTOR|-`,
      ]);
    } finally {
      await t.db.raw('alter table loans_away rename to loans');
    }
  });

  test('cost: a 20-patron page is audited in one statement', async () => {
    const before = { ...t.server.audit.stats };
    const r = await asking(
      'page',
      '{ patrons(search: { namePrefix: "Demo" }, first: 20) { nodes { name email cardNumber } } }',
      AS.circulation,
      'CIRCULATION_DESK',
    );
    expect((r.res.body.data as { patrons: { nodes: unknown[] } }).patrons.nodes).toHaveLength(20);
    expect(r.decisions).toHaveLength(60);
    expect(t.server.audit.stats).toEqual({
      appends: before.appends + 1,
      checkpoints: before.checkpoints,
    });
  });
});
