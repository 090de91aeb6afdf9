// Inv. 3 ("granted, denied or failed") at the root fields: a refusal of `patron(id:)`, of a
// mutation or of an entity's fields is a DENIED row naming who asked, the patron (when the id names
// one), the field, the rule and why; the Director finds those rows by patron.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { decisionsOf, nextRequestId } from '../support/audit.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { AUDIT_CHECKPOINT_INTERVAL_MS: '0' } });
});
afterAll(() => t?.stop());

const ADA = 'pat_adalovelace';
const NOBODY = 'pat_nosuchpatronxyz';

async function attempt(label: string, query: string, as?: TokenSpec) {
  const requestId = nextRequestId(label);
  const res = await t.gql(query, { as, headers: { 'x-request-id': requestId } });
  return { res, requestId, decisions: await decisionsOf(t, requestId) };
}

describe("inv. 3: refusals at root fields are audited (who tried to look at Ada's record)", () => {
  test("a volunteer's, an anonymous caller's and another patron's attempt each leave a DENIED row, found by the Director under Ada", async () => {
    const query = `{ patron(id: "${ADA}") { name } }`;
    const volunteer = await attempt('vol', query, AS.volunteer);
    const anonymous = await attempt('anon', query);
    const ben = await attempt('ben', query, AS.ben);

    expect(volunteer.res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(anonymous.res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(ben.res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(volunteer.decisions).toEqual([`${ADA}|Query|patron|DENIED|-|FORBIDDEN`]);
    expect(anonymous.decisions).toEqual([`${ADA}|Query|patron|DENIED|-|UNAUTHENTICATED`]);
    expect(ben.decisions).toEqual([`${ADA}|Query|patron|DENIED|-|FORBIDDEN`]);

    const found = await t.gql<{
      auditEvents: { nodes: Record<string, unknown>[] };
    }>(
      `query ($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) {
        nodes { requestId principalKind principalId principalRoles typeName fields outcome basis basisRef rule } } }`,
      {
        as: AS.director,
        purpose: 'RECORDS_AUDIT',
        variables: { filter: { patronId: ADA, outcome: 'DENIED' } },
      },
    );
    const mine = new Set([volunteer.requestId, anonymous.requestId, ben.requestId]);
    const rows = found.body.data!.auditEvents.nodes.filter((n) => mine.has(n.requestId as string));
    const row = { typeName: 'Query', fields: ['patron'], outcome: 'DENIED', basis: null };
    expect(rows).toEqual([
      {
        ...row,
        requestId: ben.requestId,
        principalKind: 'user',
        // A patron who asks is named by pseudonym, like any subject.
        principalId: expect.stringMatching(/^[0-9a-f]{32,}$/),
        principalRoles: ['patron'],
        basisRef: 'FORBIDDEN',
        rule: 'reach:patron',
      },
      {
        ...row,
        requestId: anonymous.requestId,
        principalKind: 'anonymous',
        principalId: null,
        principalRoles: [],
        basisRef: 'UNAUTHENTICATED',
        rule: 'reach:patron',
      },
      {
        ...row,
        requestId: volunteer.requestId,
        principalKind: 'user',
        principalId: AS.volunteer.sub,
        principalRoles: ['volunteer'],
        basisRef: 'FORBIDDEN',
        rule: 'reach:patron',
      },
    ]);
  });

  test("an id that names nobody answers exactly like Ada's, and leaves no key and no trace of its text", async () => {
    const ada = await attempt('vol-ada', `{ patron(id: "${ADA}") { name } }`, AS.volunteer);
    const nobody = await attempt(
      'vol-nobody',
      `{ patron(id: "${NOBODY}") { name } }`,
      AS.volunteer,
    );
    const strip = (b: typeof ada.res.body) => ({ ...b, extensions: undefined });
    expect(strip(nobody.res.body)).toEqual(strip(ada.res.body));
    expect(nobody.res.status).toBe(ada.res.status);
    expect(nobody.decisions).toEqual(['-|Query|patron|DENIED|-|FORBIDDEN']);
    expect(
      await t.db.raw('select 1 from audit_subject_keys where patron_id = $1', [NOBODY]),
    ).toEqual([]);
    expect(
      await t.db.raw('select seq from audit_events e where row_to_json(e)::text like $1', [
        `%${NOBODY}%`,
      ]),
    ).toEqual([]);
  });

  test('staff without a purpose: the row says PURPOSE_REQUIRED', async () => {
    const circ = await attempt(
      'circ-nopurpose',
      `{ patron(id: "${ADA}") { name } }`,
      AS.circulation,
    );
    expect(circ.res.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    expect(circ.decisions).toEqual([`${ADA}|Query|patron|DENIED|-|PURPOSE_REQUIRED`]);
  });

  test('a refused mutation and a refused entity are audited too', async () => {
    const mutation = await attempt(
      'vol-update',
      `mutation { updatePatron(id: "${ADA}", input: { phone: "+1 555 0100" }) { id } }`,
      AS.volunteer,
    );
    expect(mutation.res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(mutation.decisions).toEqual([`${ADA}|Mutation|updatePatron|DENIED|-|FORBIDDEN`]);
    const consent = await attempt(
      'ben-consent',
      `mutation { revokeConsent(patronId: "${ADA}", consentId: "con_whatever") { id } }`,
      AS.ben,
    );
    expect(consent.decisions).toEqual([`${ADA}|Mutation|revokeConsent|DENIED|-|FORBIDDEN`]);

    const entity = await attempt(
      'vol-entity',
      `{ _entities(representations: [{ __typename: "Patron", id: "${ADA}" }]) { ... on Patron { name } } }`,
      AS.volunteer,
    );
    expect(entity.res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'FORBIDDEN'],
    ]);
    expect(entity.decisions).toEqual([`${ADA}|Query|_entities|DENIED|-|FORBIDDEN`]);
  });

  test('reg. 4: an entity reference to an unknown id is refused exactly like one to someone else, and names nobody in the log', async () => {
    const query = (id: string) =>
      `{ _entities(representations: [{ __typename: "Patron", id: "${id}" }, { __typename: "Loan", id: "${id === ADA ? 'loan_adacurrent' : 'loan_nosuchloan'}" }]) { ... on Patron { name } ... on Loan { dueAt } } }`;
    const known = await attempt('ben-entity-known', query(ADA), AS.ben);
    const unknown = await attempt('ben-entity-unknown', query(NOBODY), AS.ben);
    const answer = {
      data: { _entities: [null, null] },
      errors: [0, 1].map((i) => ({
        message: expect.any(String),
        locations: [{ line: 1, column: 3 }],
        path: ['_entities', i],
        extensions: { code: 'FORBIDDEN' },
      })),
      extensions: { requestId: expect.any(String) },
    };
    const byPath = (body: typeof known.res.body) => ({
      ...body,
      errors: [...(body.errors ?? [])].sort((x, y) => Number(x.path?.[1]) - Number(y.path?.[1])),
    });
    expect(byPath(known.res.body)).toEqual(answer);
    expect(byPath(unknown.res.body)).toEqual(answer);
    expect(known.res.body.errors?.[0]?.message).toBe(unknown.res.body.errors?.[0]?.message);
    expect([...known.decisions].sort()).toEqual([
      '-|Query|_entities|DENIED|-|FORBIDDEN',
      `${ADA}|Query|_entities|DENIED|-|FORBIDDEN`,
    ]);
    expect(unknown.decisions).toEqual([
      '-|Query|_entities|DENIED|-|FORBIDDEN',
      '-|Query|_entities|DENIED|-|FORBIDDEN',
    ]);
  });
});

describe('inv. 7: a bad id fails its own request only', () => {
  test('a NUL id beside valid requests: they get their data and their rows, it gets BAD_USER_INPUT with a request id', async () => {
    const director = { as: AS.director, purpose: 'RECORDS_AUDIT' };
    const good = Array.from({ length: 4 }, (_, i) => nextRequestId(`nul-good-${i}`));
    const badId = nextRequestId('nul-bad');
    const [bad, ...valid] = await Promise.all([
      t.gql('{ patron(id: "pat_\\u0000ada") { name } }', {
        ...director,
        headers: { 'x-request-id': badId },
      }),
      ...good.map((requestId) =>
        t.gql(`{ patron(id: "${ADA}") { name } }`, {
          ...director,
          headers: { 'x-request-id': requestId },
        }),
      ),
    ]);
    expect(bad!.status).toBe(200);
    expect(bad!.body).toEqual({
      data: { patron: null },
      errors: [
        {
          message: 'Invalid input at id: must not hold a NUL character.',
          locations: [{ line: 1, column: 3 }],
          path: ['patron'],
          extensions: { code: 'BAD_USER_INPUT', field: 'id' },
        },
      ],
      extensions: { requestId: badId },
    });
    for (const res of valid)
      expect(res.body).toEqual({
        data: { patron: { name: 'Ada Lovelace' } },
        extensions: { requestId: expect.any(String) },
      });
    for (const requestId of good)
      expect(await decisionsOf(t, requestId)).toEqual([`${ADA}|Patron|name|GRANTED|DIRECTOR|-`]);
    // The refusal is recorded without the text that was sent.
    expect(await decisionsOf(t, badId)).toEqual(['-|Query|patron|DENIED|-|BAD_USER_INPUT']);
  });

  test('an enormous id is refused the same way, through a variable', async () => {
    const requestId = nextRequestId('huge');
    const res = await t.gql('query ($id: ID!) { patron(id: $id) { name } }', {
      as: AS.volunteer,
      variables: { id: `pat_${'a'.repeat(50_000)}` },
      headers: { 'x-request-id': requestId },
    });
    expect(res.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', field: 'id' },
    ]);
    expect(await decisionsOf(t, requestId)).toEqual(['-|Query|patron|DENIED|-|BAD_USER_INPUT']);
  });

  test('a NUL character in any text argument (here a filter of auditEvents) is BAD_USER_INPUT naming the argument, never an internal error', async () => {
    const requestId = nextRequestId('nul-filter');
    const res = await t.gql(
      '{ auditEvents(filter: { basisRef: "pat_\\u0000ada" }) { nodes { seq } } }',
      {
        as: AS.director,
        purpose: 'RECORDS_AUDIT',
        headers: { 'x-request-id': requestId },
      },
    );
    expect(res.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Invalid input at filter: must not hold a NUL character.',
          locations: [{ line: 1, column: 3 }],
          path: ['auditEvents'],
          extensions: { code: 'BAD_USER_INPUT', field: 'filter' },
        },
      ],
      extensions: { requestId },
    });
    expect(await decisionsOf(t, requestId)).toEqual([
      '-|Query|auditEvents|DENIED|-|BAD_USER_INPUT',
    ]);
  });

  test('an entity representation with a NUL id resolves to null beside a valid one, with no internal error', async () => {
    const res = await t.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Patron { name } } }`,
      {
        as: AS.director,
        purpose: 'RECORDS_AUDIT',
        variables: {
          r: [
            { __typename: 'Patron', id: 'pat_\u0000ada' },
            { __typename: 'Patron', id: ADA },
            { __typename: 'Loan', id: 'loan_\u0000x' },
          ],
        },
      },
    );
    expect(res.body).toEqual({
      data: { _entities: [null, { name: 'Ada Lovelace' }, null] },
      extensions: { requestId: expect.any(String) },
    });
  });
});
