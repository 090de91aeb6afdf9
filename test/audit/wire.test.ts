// What the writer sends audit_append_rows (migrations 0009, 0015, 0016): each distinct subject list
// once per request, as pseudonyms the database handed out (audit_subject_pseudonyms); and what is
// stored: the request's later groups over the same patrons pointing back to the first (format 3).
// Also how lists are stored.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  onTheWire,
  patronsOf,
  wireRows,
  type DecisionGroup,
  type WireRequest,
  type WireRow,
} from '../../src/audit/wire.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-wire-key-0123456789abcdef01');
const AT = Date.parse('2026-11-20T10:00:00Z');
// Patrons no earlier request has touched: their keys for the month are made by these lookups.
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
const request = (
  requestId: string,
  principalPatron: string | null,
  wire = onTheWire(groups()),
): WireRequest => ({
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
  ...wire,
});
/** The month's pseudonyms of the request's patrons, and the key epoch they were handed out under. */
async function pseudonymsOf(r: WireRequest) {
  const [row] = await d.raw(
    'select key_epoch::int as epoch, pseudonyms from audit_subject_pseudonyms($1, $2)',
    [r.atMs, patronsOf(r)],
  );
  return row as { epoch: number; pseudonyms: Record<string, string> };
}
const appendRows = (epoch: number | null, rows: WireRow[]) =>
  d.raw(`select * from audit_append_rows(audit_open_chain('wire-test'), $1, $2::jsonb)`, [
    epoch,
    JSON.stringify(rows),
  ]);
/** What the writer does: look the pseudonyms up, then append. */
async function append(r: WireRequest) {
  const names = await pseudonymsOf(r);
  return appendRows(
    names.epoch,
    wireRows(r, (p) => names.pseudonyms[p]),
  );
}
const count = async (requestId: string) =>
  (
    await d.raw(`select count(*)::int as n from audit_events where request_id = $1`, [requestId])
  )[0]!.n;
/** Every column but those that name the request or its place in the chain. */
const stored = (requestId: string) =>
  d.raw(
    `select format, at_ms::text, operation_name, principal_kind, principal_id, principal_roles, purpose, subjects,
    subjects_from - min(chain_seq) over () + 1 as subjects_from, type_name, fields, category, outcome, basis, basis_ref,
    rule, via_router from audit_events where request_id = $1 order by seq`,
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

  test('lists of the same length over different patrons stay two lists, however much they overlap', () => {
    const [a, b, c] = PAGE as [string, string, string];
    const wire = onTheWire([
      group('Patron', ['name'], 'IDENTITY', 'pii:IDENTITY', [a, b]),
      group('Patron', ['address'], 'CONTACT', 'pii:CONTACT', [b, c]),
      group('Loan', ['dueAt'], 'CIRCULATION', 'pii:CIRCULATION', [c, b]),
      group('Fine', ['amount'], 'FINES', 'pii:FINES', [a, b, c]),
    ]);
    expect(wire.subjectSets).toEqual([
      [a, b],
      [b, c],
      [a, b, c],
    ]);
    expect(wire.groups.map((g) => g.set)).toEqual([0, 1, 1, 2]);
  });

  test('a row lists its pseudonyms in byte order on the first group over them; later groups point back; a patron id never travels', () => {
    const names = Object.fromEntries(PAGE.map((p, i) => [p, `${'fedcba'[i]!.repeat(64)}`]));
    const rows = wireRows(request('wire-unit', 'pat_wire_self'), (p) =>
      p === 'pat_wire_self' ? '0'.repeat(64) : names[p],
    );
    expect(rows.map((r) => ('subjects' in r ? r.subjects : r.back))).toEqual([
      ['d'.repeat(64), 'e'.repeat(64), 'f'.repeat(64)],
      1,
      2,
      [],
    ]);
    expect(rows.every((r) => r.principalId === '0'.repeat(64))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('pat_wire');
    expect(() => wireRows(request('wire-unit', null), () => undefined)).toThrow(
      /no pseudonym for the period/,
    );
  });
});

describe('inv. 5: each subject list is stored once per request', () => {
  test("a patron's first access of the month: keys are made once; the first group over a list carries it, the others point back", async () => {
    await append(request('wire-lists', null));
    const rows = await stored('wire-lists');
    expect(
      rows.map((r) => [
        r.format,
        r.type_name,
        r.rule,
        (r.subjects as string[] | null)?.length ?? null,
        r.subjects_from === null ? null : Number(r.subjects_from),
      ]),
    ).toEqual([
      [3, 'Loan', 'pii:CIRCULATION', 3, null],
      [3, 'Patron', 'pii:CONTACT', null, 1],
      [3, 'Patron', 'pii:IDENTITY', null, 1],
      [3, 'Loan', 'pii:CIRCULATION', 0, null],
    ]);
    // Stored as pseudonyms in byte order, never as patron ids.
    const pseudonyms = await d.raw(
      `select pseudonym from audit_subject_keys where patron_id = any($1) order by pseudonym collate "C"`,
      [PAGE],
    );
    expect(rows[0]!.subjects).toEqual(pseudonyms.map((k) => k.pseudonym));
    expect(await d.raw('select count(*)::int as n from audit_subject_keys')).toEqual([{ n: 3 }]);
    // Asked again, the month's keys are the ones already made.
    await append(request('wire-lists-again', null));
    expect(await d.raw('select count(*)::int as n from audit_subject_keys')).toEqual([{ n: 3 }]);
    // Every patron of the list finds all three groups (audit_events_about follows the pointers).
    const about = await d.raw(
      `select e.rule from audit_events e where e.seq in (select audit_events_about('pat_wire_b'))
      and e.request_id = 'wire-lists' order by e.seq`,
    );
    expect(about.map((r) => r.rule)).toEqual(['pii:CIRCULATION', 'pii:CONTACT', 'pii:IDENTITY']);
  });

  test("a patron principal is stored as their pseudonym, made on the patron's first request", async () => {
    await append(
      request(
        'wire-self',
        'pat_wire_self',
        onTheWire([group('Patron', ['name'], 'IDENTITY', 'pii:IDENTITY', ['pat_wire_self'])]),
      ),
    );
    const [key] = await d.raw(
      `select pseudonym from audit_subject_keys where patron_id = 'pat_wire_self'`,
    );
    expect((await stored('wire-self')).map((r) => [r.principal_id, r.subjects])).toEqual([
      [key!.pseudonym, [key!.pseudonym]],
    ]);
  });

  test('the log these requests wrote verifies intact', async () => {
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 9 });
  });

  test('pseudonyms are taken under the key epoch they were handed out in, and refused once keys were destroyed', async () => {
    const before = await pseudonymsOf(request('wire-cached', null));
    const rows = (requestId: string, names: typeof before) =>
      wireRows(request(requestId, null), (p) => names.pseudonyms[p]);
    await appendRows(before.epoch, rows('wire-cached', before));
    expect(await count('wire-cached')).toBe(4);
    // Retention destroys a key: the epoch moves, and rows made before are refused whole.
    await d.raw(`select audit_shred_subject_keys(null, array['pat_wire_a'])`);
    await expect(appendRows(before.epoch, rows('wire-stale', before))).rejects.toMatchObject({
      code: 'PRK01',
    });
    // Rows listing pseudonyms must say their epoch.
    await expect(appendRows(null, rows('wire-stale', before))).rejects.toMatchObject({
      code: 'PRK01',
    });
    expect(await count('wire-stale')).toBe(0);
    // Asked again: a new epoch, and a fresh key for the patron whose key was destroyed.
    const after = await pseudonymsOf(request('wire-fresh', null));
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.pseudonyms['pat_wire_a']).not.toBe(before.pseudonyms['pat_wire_a']);
    expect(after.pseudonyms['pat_wire_b']).toBe(before.pseudonyms['pat_wire_b']);
    await appendRows(after.epoch, rows('wire-fresh', after));
    expect(await count('wire-fresh')).toBe(4);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true });
  });

  test('a row with no list, or pointing back to no list of its request, is refused, and nothing is written', async () => {
    const names = await pseudonymsOf(request('wire-bad', null));
    const good = wireRows(request('wire-bad', null), (p) => names.pseudonyms[p]);
    const [first, second, third, fourth] = good as [WireRow, WireRow, WireRow, WireRow];
    const bad: WireRow[][] = [
      [{ ...first, back: 1 } as WireRow, second],
      [first, { ...second, back: 5 }],
      [first, { ...second, back: 1, requestId: 'wire-other' }],
      [first, third, { ...fourth, subjects: undefined } as unknown as WireRow],
    ];
    for (const rows of bad)
      await expect(appendRows(names.epoch, rows)).rejects.toMatchObject({ code: '22023' });
    expect(await count('wire-bad')).toBe(0);
    expect(await count('wire-other')).toBe(0);
  });
});

describe('storage of the subject lists (migrations 0008, 0010, 0015)', () => {
  test('in every partition, subjects are stored out of line uncompressed, and the GIN index flushes its pending list in small pieces', async () => {
    const partitions = await d.raw(
      `select c.relname, a.attstorage from pg_inherits i join pg_class c on c.oid = i.inhrelid
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'subjects'
      where i.inhparent = 'audit_events'::regclass order by c.relname`,
    );
    expect(partitions.length).toBeGreaterThanOrEqual(5);
    expect(new Set(partitions.map((p) => p.attstorage))).toEqual(new Set(['e']));
    const indexes = await d.raw(
      `select c.reloptions from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'audit_events_subjects_idx'::regclass`,
    );
    expect(indexes).toHaveLength(partitions.length);
    expect(new Set(indexes.map((i) => JSON.stringify(i.reloptions)))).toEqual(
      new Set([JSON.stringify(['gin_pending_list_limit=256'])]),
    );
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
