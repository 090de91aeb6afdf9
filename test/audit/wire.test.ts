// What the writer sends audit_append_requests (migration 0009): each distinct subject list once,
// groups naming their list by index. The previous writer put the subjects in each group; a
// database shared by both releases during a deploy must store the same rows for either, so the
// log reads and verifies the same whichever process wrote it. Also how the lists are stored.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onTheWire, type DecisionGroup } from '../../src/audit/writer.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-wire-key-0123456789abcdef01');
const AT = Date.parse('2026-11-20T10:00:00Z');
// Patrons no earlier request has touched: their keys for the month are made by these appends.
const PAGE = ['pat_wire_c', 'pat_wire_a', 'pat_wire_b'];
let d: TestDatabase;

const group = (
  typeName: string,
  fields: string[],
  category: string,
  rule: string,
  subjects: string[],
): DecisionGroup => ({
  typeName,
  fields,
  category: category as DecisionGroup['category'],
  outcome: 'GRANTED',
  basis: 'STAFF_PURPOSE',
  basisRef: null,
  rule,
  subjects,
});
/** A dashboard page: two Patron rules and the Loan rule over the same patrons, and a group about no patron. */
const groups = (): DecisionGroup[] => [
  group('Loan', ['dueAt', 'id'], 'CIRCULATION', 'pii:CIRCULATION', [...PAGE].reverse()),
  group('Patron', ['address'], 'CONTACT', 'pii:CONTACT', [...PAGE]),
  group('Patron', ['name'], 'IDENTITY', 'pii:IDENTITY', [PAGE[1]!, PAGE[0]!, PAGE[2]!]),
  group('Loan', ['returnedAt'], 'CIRCULATION', 'pii:CIRCULATION', []),
];
const request = (requestId: string, principalPatron: string | null) => ({
  atMs: AT,
  requestId,
  operationName: 'Dashboard',
  documentHash: null,
  principalKind: 'user',
  principalId: principalPatron ? null : 'staff_circ',
  principalPatron,
  principalRoles: ['circulation'],
  purpose: 'CIRCULATION_DESK',
  viaRouter: true,
});
const append = (requests: object[]) =>
  d.raw('select * from audit_append_requests($1::jsonb)', [JSON.stringify(requests)]);
/** Every column but those that name the request or its place in the chain. */
const stored = (requestId: string) =>
  d.raw(
    `select format, at_ms::text, operation_name, principal_kind, principal_id, principal_roles, purpose, subjects, type_name,
    fields, category, outcome, basis, basis_ref, rule, via_router from audit_events where request_id = $1 order by seq`,
    [requestId],
  );

beforeAll(async () => {
  d = await createTestDatabase({ seed: false });
});
afterAll(() => d?.drop());

describe('the writer sends each subject list once', () => {
  test('three groups over the same patrons, read in different orders, are one list; a group about no patron has its own', () => {
    const wire = onTheWire(groups());
    expect(wire.subjectSets).toEqual([[...PAGE].reverse(), []]);
    expect(wire.groups.map((g) => [g.typeName, g.rule, g.set])).toEqual([
      ['Loan', 'pii:CIRCULATION', 0],
      ['Patron', 'pii:CONTACT', 0],
      ['Patron', 'pii:IDENTITY', 0],
      ['Loan', 'pii:CIRCULATION', 1],
    ]);
    expect(wire.groups.some((g) => 'subjects' in g)).toBe(false);
  });
});

describe('inv. 5: both request layouts store the same rows', () => {
  test("a patron's first access of the month: keys are made once, and both layouts give identical rows", async () => {
    const shared = { ...request('wire-lists', null), ...onTheWire(groups()) };
    const previous = { ...request('wire-per-group', null), groups: groups() };
    await append([shared, previous]);
    const rows = await stored('wire-lists');
    expect(rows).toEqual(await stored('wire-per-group'));
    expect(rows.map((r) => [r.type_name, r.rule, (r.subjects as string[]).length])).toEqual([
      ['Loan', 'pii:CIRCULATION', 3],
      ['Patron', 'pii:CONTACT', 3],
      ['Patron', 'pii:IDENTITY', 3],
      ['Loan', 'pii:CIRCULATION', 0],
    ]);
    // Stored as pseudonyms in byte order, never as patron ids.
    const pseudonyms = await d.raw(
      `select pseudonym from audit_subject_keys where patron_id = any($1) order by pseudonym collate "C"`,
      [PAGE],
    );
    expect(rows[0]!.subjects).toEqual(pseudonyms.map((k) => k.pseudonym));
    expect(await d.raw('select count(*)::int as n from audit_subject_keys')).toEqual([{ n: 3 }]);
  });

  test("a patron principal is stored as their pseudonym, made on the patron's first request", async () => {
    await append([
      {
        ...request('wire-self', 'pat_wire_self'),
        ...onTheWire([group('Patron', ['name'], 'IDENTITY', 'pii:IDENTITY', ['pat_wire_self'])]),
      },
    ]);
    const [key] = await d.raw(
      `select pseudonym from audit_subject_keys where patron_id = 'pat_wire_self'`,
    );
    expect((await stored('wire-self')).map((r) => [r.principal_id, r.subjects])).toEqual([
      [key!.pseudonym, [key!.pseudonym]],
    ]);
  });

  test('the log both layouts wrote verifies intact', async () => {
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 9 });
  });

  test('a list naming a patron twice is refused, and nothing is written', async () => {
    const twice = {
      ...request('wire-twice', null),
      subjectSets: [['pat_wire_a', 'pat_wire_a']],
      groups: [
        {
          ...group('Patron', ['name'], 'IDENTITY', 'pii:IDENTITY', []),
          subjects: undefined,
          set: 0,
        },
      ],
    };
    await expect(append([twice])).rejects.toThrow(/a subject has no key for the period/);
    expect(
      await d.raw(`select count(*)::int as n from audit_events where request_id = 'wire-twice'`),
    ).toEqual([{ n: 0 }]);
  });
});

describe('storage of the subject lists (migrations 0008, 0010)', () => {
  test('subjects are stored out of line uncompressed, and the GIN index flushes its pending list in small pieces', async () => {
    expect(
      await d.raw(
        `select attstorage from pg_attribute where attrelid = 'audit_events'::regclass and attname = 'subjects'`,
      ),
    ).toEqual([{ attstorage: 'e' }]);
    expect(
      await d.raw(`select reloptions from pg_class where relname = 'audit_events_subjects_idx'`),
    ).toEqual([{ reloptions: ['gin_pending_list_limit=256'] }]);
  });
});

describe('the canonical text is built with plain expressions (migration 0011)', () => {
  test('audit_json is inlined into the query that calls it, and returns what JSON.stringify does', async () => {
    // Declared IMMUTABLE around the STABLE to_json it could not be inlined, and every call site
    // started the SQL function executor each time audit_pending_rows ran.
    const plan = await d.raw(
      `explain (verbose, format json) select audit_json(v) from (values ('a"b'), (null)) t(v)`,
    );
    const output = JSON.stringify(plan[0]!['QUERY PLAN']);
    expect(output).toContain('to_json');
    expect(output).not.toContain('audit_json');
    const texts = ['a"b\\c\n\u0001é', null];
    const rows = await d.raw(
      `select audit_json(v) as j from unnest($1::text[]) with ordinality t(v, i) order by i`,
      [texts],
    );
    expect(rows.map((r) => r.j)).toEqual(texts.map((t) => JSON.stringify(t)));
  });
});
