// Regulation 11 (and 5): the export is a complete, machine-readable copy of everything held about
// the patron. The test reads the database catalogue, so a new table or column about patrons that
// the export does not cover (or explicitly exclude, with a reason) fails here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORT_FORMAT, NOT_ABOUT_PATRONS } from '../../src/repositories/export.js';
import { DEMO } from '../../src/seed/demo.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { codes, inProcess } from './support.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  // One of each kind of row about Ada that the demo library lacks: a consent, a vendor lock, a
  // wrong current PIN at her own PIN change.
  await t.db.raw(
    `insert into consents (id, patron_id, requester_id, categories) values ('con_adatocourt', $1, 'req_court', '{IDENTITY}')`,
    [DEMO.patrons.ada],
  );
  await t.db.raw(
    `insert into vendor_pin_failures (vendor_id, patron_id, failures, last_failure_at) values ('ven_ebooks', $1, 2, now())`,
    [DEMO.patrons.ada],
  );
  await t.db.raw(
    `insert into account_pin_failures (patron_id, failures, last_failure_at) values ($1, 1, now())`,
    [DEMO.patrons.ada],
  );
});
afterAll(() => t?.stop());

interface ExportDoc {
  format: string;
  patron: Record<string, unknown>;
  dictionary: Record<
    string,
    { table: string; columns: Record<string, string>; derived?: Record<string, string> }
  >;
  coveredElsewhere: { table: string; column: string; by: string }[];
  excluded: { table: string; column: string; reason: string }[];
  [section: string]: unknown;
}

/** The request ids of exports, so the export's own audit rows (written after it) can be told apart. */
const exportRequest = new WeakMap<ExportDoc, string>();

const exportOf = async (as: TokenSpec): Promise<ExportDoc> => {
  const r = await t.gql('{ myDataExport }', { as });
  expect(r.body.errors).toBeUndefined();
  const doc = (r.body.data as { myDataExport: ExportDoc }).myDataExport;
  exportRequest.set(doc, r.body.extensions!.requestId as string);
  return doc;
};

/** Patron-reference column names, whether or not a foreign key declares them. */
const PERSON_COLUMN = /(^|_)(patron|child|guardian|subject|borrower|member)_id$/;
/** Columns that name a patron by a keyed pseudonym instead of an id (the audit log). */
const PSEUDONYM_COLUMN = /^subjects?$/;

/** Which rows of each table are about patron $1, stated independently of the export's own queries. */
const VISIBLE_REQUESTS = `select request_id from disclosure_request_patrons d join disclosure_requests r on r.id = d.request_id
  where d.patron_id = $1 and (r.nondisclosure_until is null or r.nondisclosure_until <= now())`;
const ROWS_OF: Record<string, string> = {
  patrons: 'id = $1',
  loans: 'patron_id = $1',
  fines: 'patron_id = $1',
  payments: 'fine_id in (select id from fines where patron_id = $1)',
  reference_consults: 'patron_id = $1',
  vendor_enrolments: 'patron_id = $1',
  vendor_pin_failures: 'patron_id = $1',
  account_pin_failures: 'patron_id = $1',
  vendors:
    'id in (select vendor_id from vendor_enrolments where patron_id = $1 union select vendor_id from vendor_pin_failures where patron_id = $1)',
  consents: 'patron_id = $1',
  guardian_grants: 'child_id = $1 or guardian_id = $1',
  disclosure_requests: `id in (${VISIBLE_REQUESTS})`,
  disclosure_events: `request_id in (${VISIBLE_REQUESTS})`,
  disclosure_request_patrons: `patron_id = $1 and request_id in (${VISIBLE_REQUESTS})`,
  audit_subject_keys: 'patron_id = $1',
  // Rows whose subject (format 1), one of whose subjects (formats 2 and 3, listed on the row or on
  // the row of the same request it points back to), or whose patron principal is
  // one of the patron's live pseudonyms; not accesses under a nondisclosure order still in force.
  audit_events: `(subject in (select audit_pseudonyms_of($1)) or subjects && array(select audit_pseudonyms_of($1))
    or (chain, subjects_from) in (select chain, chain_seq from audit_events where subjects && array(select audit_pseudonyms_of($1)))
    or principal_id in (select audit_pseudonyms_of($1)))
    and not (basis = 'DISCLOSURE' and basis_ref in (select id from disclosure_requests where nondisclosure_until > now()))`,
};

async function catalogue() {
  const columns = await t.db.raw(
    `select table_name, column_name from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`,
  );
  const fks = await t.db.raw(`
    select kcu.table_name, kcu.column_name, ccu.table_name as ref_table
    from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
    join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
    where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = 'public'`);
  const byTable = new Map<string, string[]>();
  for (const c of columns)
    byTable.set(c.table_name as string, [
      ...(byTable.get(c.table_name as string) ?? []),
      c.column_name as string,
    ]);
  const refs = fks.map((f) => ({
    from: f.table_name as string,
    column: f.column_name as string,
    to: f.ref_table as string,
  }));
  // About patrons: the patrons table, every table that references a patron (by key or by name), the
  // tables those reference (a disclosure request through its link table), then every table that
  // references any of these (payments of fines, events of requests), until nothing changes.
  const direct = new Set(['patrons']);
  for (const [table, cols] of byTable)
    if (cols.some((c) => PERSON_COLUMN.test(c) || PSEUDONYM_COLUMN.test(c))) direct.add(table);
  for (const r of refs) if (r.to === 'patrons') direct.add(r.from);
  const scope = new Set(direct);
  for (const r of refs) if (direct.has(r.from)) scope.add(r.to);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of refs)
      if (scope.has(r.to) && !scope.has(r.from)) {
        scope.add(r.from);
        grew = true;
      }
  }
  return { byTable, scope };
}

const OWN_SUBJECTS_ONLY = `to_jsonb(x) || jsonb_build_object('subjects', case when x.subjects is null then null else
  to_jsonb(array(select s from unnest(x.subjects) with ordinality u(s, i) where s in (select audit_pseudonyms_of($1)) order by i)) end)`;

/** Database values in the export's representation: instants as ISO strings in UTC. */
const normalise = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v).toISOString() : v;
const sortRows = (rows: Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();

describe('completeness', () => {
  test('reg. 11: every column of every table about patrons is exported or excluded with a reason', async () => {
    const doc = await exportOf(AS.ada);
    const { byTable, scope } = await catalogue();
    const exported = new Set<string>();
    for (const s of Object.values(doc.dictionary))
      for (const column of Object.values(s.columns)) exported.add(`${s.table}.${column}`);
    const accounted = new Set([
      ...exported,
      ...doc.excluded.map((e) => `${e.table}.${e.column}`),
      ...doc.coveredElsewhere.map((e) => `${e.table}.${e.column}`),
    ]);
    const missing = [...scope]
      .flatMap((table) => (byTable.get(table) ?? []).map((c) => `${table}.${c}`))
      .filter((c) => !accounted.has(c));
    expect(missing).toEqual([]);
    for (const e of doc.excluded) expect(e.reason.length).toBeGreaterThan(40);
    // Sanity of the scope itself: the tables the demo library fills are all in it.
    expect([...scope].sort()).toEqual(
      expect.arrayContaining([
        'consents',
        'disclosure_events',
        'disclosure_request_patrons',
        'disclosure_requests',
        'fines',
        'guardian_grants',
        'loans',
        'patrons',
        'payments',
        'reference_consults',
        'vendor_enrolments',
        'vendor_pin_failures',
        'account_pin_failures',
        'vendors',
      ]),
    );
  });

  test('reg. 11: every other table is declared as holding nothing about patrons, with a reason', async () => {
    const { byTable, scope } = await catalogue();
    const outside = [...byTable.keys()].filter((table) => !scope.has(table)).sort();
    expect(outside).toEqual(Object.keys(NOT_ABOUT_PATRONS).sort());
    // And every table about patrons has an independent statement of which rows are whose.
    expect([...scope].filter((table) => !(table in ROWS_OF))).toEqual([]);
  });

  test.each([
    ['ada', AS.ada],
    ['ben', AS.ben],
    ['carmen', AS.carmen],
    ['dani', AS.dani],
  ])(
    'reg. 11: the export of %s holds exactly the rows the database holds about them, value for value',
    async (_name, as) => {
      const doc = await exportOf(as);
      const patronId = as.patronId;
      const excluded = new Set(doc.excluded.map((e) => `${e.table}.${e.column}`));
      for (const [section, dict] of Object.entries(doc.dictionary)) {
        // A section of one row at most (the patron, the PIN-change lock) is that row or null.
        const value = doc[section] as Record<string, unknown>[] | Record<string, unknown> | null;
        const items = (Array.isArray(value) ? value : value ? [value] : []).map((item) =>
          Object.fromEntries(
            Object.entries(item)
              .filter(([k]) => !(k in (dict.derived ?? {})))
              .map(([k, v]) => [dict.columns[k] ?? `?${k}`, v]),
          ),
        );
        // The export's own access is recorded after the document was made, so it cannot be in it.
        const own =
          dict.table === 'audit_events' ? ` and request_id <> '${exportRequest.get(doc)}'` : '';
        // A format-2 audit row lists every patron of its decision group; the patron gets their own pseudonyms of it.
        const row = dict.table === 'audit_events' ? OWN_SUBJECTS_ONLY : 'to_jsonb(x)';
        const rows = await t.db.raw(
          `select ${row} as row from ${dict.table} x where (${ROWS_OF[dict.table]})${own}`,
          [patronId],
        );
        const expected = rows.map((r) =>
          Object.fromEntries(
            Object.entries(r.row as Record<string, unknown>)
              .filter(([c]) => !excluded.has(`${dict.table}.${c}`))
              .map(([c, v]) => [c, normalise(v)]),
          ),
        );
        expect({ section, rows: sortRows(items) }).toEqual({ section, rows: sortRows(expected) });
      }
      const links = await t.db.raw(
        `select request_id, patron_id from disclosure_request_patrons where ${ROWS_OF.disclosure_request_patrons}`,
        [patronId],
      );
      expect(links.map((l) => l.request_id).sort()).toEqual(
        (doc.disclosureRequests as { id: string }[]).map((r) => r.id).sort(),
      );
      expect(new Set(links.map((l) => l.patron_id))).toEqual(
        new Set(links.length ? [doc.patron.id] : []),
      );
    },
  );
});

describe('content', () => {
  test('reg. 11: the export is a self-describing JSON document; secrets are named as excluded, never included', async () => {
    const doc = await exportOf(AS.ada);
    expect(Object.keys(doc)).toEqual([
      'format',
      'generatedAt',
      'patronId',
      'notes',
      'patron',
      'loans',
      'fines',
      'payments',
      'referenceConsults',
      'onlineServices',
      'vendorCardLocks',
      'pinChangeLock',
      'vendors',
      'consents',
      'guardianGrants',
      'disclosureRequests',
      'disclosureEvents',
      'accessLog',
      'dictionary',
      'coveredElsewhere',
      'excluded',
    ]);
    expect(doc.format).toBe(EXPORT_FORMAT);
    expect(doc.patron).toMatchObject({
      id: DEMO.patrons.ada,
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      birthDate: '1985-12-10',
      keepCheckoutHistory: true,
      hasPin: true,
    });
    expect(doc.excluded.map((e) => `${e.table}.${e.column}`)).toEqual([
      'patrons.pin_hash',
      'audit_subject_keys.id',
      'audit_subject_keys.patron_id',
      'audit_subject_keys.period_start',
      'audit_subject_keys.period_end',
      'audit_subject_keys.pads',
      'audit_subject_keys.pseudonym',
      'payments.processor_token',
    ]);
    const raw = JSON.stringify(doc);
    expect(raw).not.toContain('scrypt$');
    expect(raw).not.toContain('tok_demo_ada_0001');
    expect((doc.loans as { id: string }[]).map((l) => l.id).sort()).toEqual([
      'loan_adacurrent',
      'loan_adareturned',
    ]);
    expect(doc.vendorCardLocks).toEqual([
      {
        vendorId: DEMO.vendor,
        patronId: DEMO.patrons.ada,
        failures: 2,
        lockedUntil: null,
        lastFailureAt: expect.any(String),
      },
    ]);
    expect(doc.pinChangeLock).toEqual({
      patronId: DEMO.patrons.ada,
      failures: 1,
      lockedUntil: null,
      lastFailureAt: expect.any(String),
    });
  });

  test('reg. 11: a disclosure under a nondisclosure order in force is not in the export, nor its events', async () => {
    const doc = await exportOf(AS.ada);
    expect((doc.disclosureRequests as { id: string }[]).map((r) => r.id)).toEqual(['dr_approved']);
    expect(
      new Set((doc.disclosureEvents as { requestId: string }[]).map((e) => e.requestId)),
    ).toEqual(new Set(['dr_approved']));
    expect(JSON.stringify(doc)).not.toContain('dr_fulfilled');
  });

  test('reg. 11 and 4: an access that covered several patrons at once shows the patron only their own pseudonym', async () => {
    const page = await t.gql(
      '{ patrons(search: { status: ACTIVE }, first: 10) { nodes { name } } }',
      { as: AS.circulation, purpose: 'CIRCULATION_DESK' },
    );
    expect(page.body.errors).toBeUndefined();
    const requestId = page.body.extensions!.requestId as string;
    const [stored] = await t.db.raw(
      `select seq, cardinality(subjects) as n from audit_events where request_id = $1 and type_name = 'Patron'`,
      [requestId],
    );
    expect(stored!.n).toBeGreaterThan(1);
    const [ada] = await t.db.raw(
      'select audit_pseudonym(pads, patron_id) as p from audit_subject_keys where patron_id = $1',
      [DEMO.patrons.ada],
    );
    const row = (await exportOf(AS.ada)).accessLog as {
      requestId: string;
      seq: number;
      subjects: string[];
    }[];
    expect(row.filter((r) => r.requestId === requestId).map((r) => r.subjects)).toEqual([[ada!.p]]);
  });

  test('reg. 14: a guardian grant is in both the child’s and the guardian’s export; nothing else of the child is in the guardian’s', async () => {
    const carmen = await exportOf(AS.carmen);
    expect((carmen.guardianGrants as { id: string }[]).map((g) => g.id)).toEqual([
      'gg_danitocarmen',
    ]);
    expect(carmen.loans).toEqual([]);
    expect(JSON.stringify(carmen)).not.toContain('loan_dani');
    expect(((await exportOf(AS.dani)).guardianGrants as { id: string }[]).map((g) => g.id)).toEqual(
      ['gg_danitocarmen'],
    );
  });

  test('reg. 11: only a patron exports, and only their own data; the export is audited on basis SELF', async () => {
    expect(codes((await t.gql('{ myDataExport }')).body.errors)).toEqual(['UNAUTHENTICATED']);
    for (const as of [AS.director, AS.circulation, AS.vendor, AS.police]) {
      expect(
        codes((await t.gql('{ myDataExport }', { as, purpose: 'RECORDS_AUDIT' })).body.errors),
      ).toEqual(['FORBIDDEN']);
    }
    const { audit } = await inProcess(t.db.database.db)('{ myDataExport }', AS.ben);
    expect(audit).toEqual(
      ['IDENTITY', 'CIRCULATION', 'FINES', 'REFERENCE', 'ONLINE_SERVICES', 'DISCLOSURE'].map(
        (category) => ({
          subjectId: DEMO.patrons.ben,
          typeName: 'DataExport',
          category,
          outcome: 'GRANTED',
          basis: 'SELF',
          basisRef: null,
          rule: 'self:export',
          fields: new Set(['myDataExport']),
        }),
      ),
    );
  });
});
