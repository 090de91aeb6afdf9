// The log keeps rows of both layouts: format 1 (one subject a row, written by releases before
// migration 0008) and format 2 (one row per decision group). A database upgraded in place must
// still verify end to end, and its reads must find a patron's rows of either format. The format-1
// rows here are written by the previous release's own SQL function (drizzle/0006), recreated for
// the test, so the verifier is checked against what that writer really hashed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM, type Principal } from '../../src/auth/principal.js';
import { AuditBuffer } from '../../src/audit/buffer.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { AuditLogReader } from '../../src/audit/read-model.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { grant } from '../../src/domain/decision.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADA = DEMO.patrons.ada;
const BEN = DEMO.patrons.ben;
const key = checkpointKey('test-audit-formats-key-0123456789abcdef');
const now = () => new Date('2026-11-20T10:00:00Z');
const staff: Principal = {
  ...SYSTEM,
  kind: 'user',
  id: 'staff_circ',
  roles: new Set(['circulation']),
};
let d: TestDatabase;

beforeAll(async () => {
  d = await createTestDatabase();
  // The previous release: its audit_append, exactly as migration 0006 created it. The keys it made
  // are here already, as migration 0007 leaves them (with their pseudonym filled in).
  await d.raw(
    readFileSync(new URL('../../drizzle/0006_audit_append_set_based.sql', import.meta.url), 'utf8'),
  );
  await d.raw(
    `insert into audit_subject_keys (id, patron_id, period_start, period_end, pads, pseudonym)
    select 'ask_' || p, p, date_trunc('month', $2::timestamptz, 'UTC'), date_trunc('month', $2::timestamptz, 'UTC') + interval '1 month', pads, audit_pseudonym(pads, p)
    from (select p, audit_new_key_pads() as pads from unnest($1::text[]) p) k`,
    [[ADA, BEN], now().toISOString()],
  );
  const v1 = (subject: string | null, fields: string[]) => ({
    atMs: now().getTime() - 60_000,
    requestId: 'req-format-1',
    operationName: 'Desk',
    documentHash: null,
    principalKind: 'user',
    principalId: 'staff_circ',
    principalPatron: null,
    principalRoles: ['circulation'],
    purpose: 'CIRCULATION_DESK',
    subject,
    typeName: 'Patron',
    fields,
    category: 'IDENTITY',
    outcome: 'GRANTED',
    basis: 'STAFF_PURPOSE',
    basisRef: null,
    rule: 'pii:IDENTITY',
    viaRouter: false,
  });
  await d.raw('select * from audit_append($1::jsonb)', [
    JSON.stringify([v1(ADA, ['name']), v1(BEN, ['name']), v1(null, ['name'])]),
  ]);
  await d.raw('drop function audit_append(jsonb)');

  // This release: one request about Ada and Ben, written as decision groups.
  const buffer = new AuditBuffer();
  for (const patron of [ADA, BEN])
    for (const field of ['email', 'name'])
      buffer.record(patron, 'Patron', field, 'IDENTITY', 'pii:IDENTITY', grant('STAFF_PURPOSE'));
  const writer = new AuditWriter(
    d.database.db,
    key,
    createLogger('silent'),
    { checkpointEvery: 1, checkpointIntervalMs: 0 },
    now,
  );
  await writer.append(
    {
      principal: staff,
      requestId: 'req-format-2',
      purpose: 'CIRCULATION_DESK',
      viaRouter: false,
      now,
    },
    { operationName: 'Desk', documentHash: null },
    buffer.entries(),
  );
  await writer.close();
});
afterAll(() => d?.drop());

describe('inv. 5: a log of both formats verifies', () => {
  test('rows of format 1 (previous release) and format 2 chain on and verify intact under the signed checkpoint', async () => {
    expect(
      await d.raw(
        'select seq::int as seq, format, subject is not null as one, cardinality(subjects) as n from audit_events order by seq',
      ),
    ).toEqual([
      { seq: 1, format: 1, one: true, n: null },
      { seq: 2, format: 1, one: true, n: null },
      { seq: 3, format: 1, one: false, n: null },
      { seq: 4, format: 2, one: false, n: 2 },
    ]);
    expect(await verifyAuditLog(d.database.db, key)).toEqual({
      intact: true,
      events: 4,
      checkpoints: 1,
      lastCheckpointSeq: 4,
      witnessedHeads: 0,
      lastWitnessedSeq: null,
    });
  });
});

describe("reg. 4 and 11: a patron's rows are found in either format", () => {
  test('auditEvents by patron id returns the format-1 row and the format-2 group that name them', async () => {
    const reader = new AuditLogReader(d.database.db, now);
    const page = await reader.events({ patronId: BEN }, 10, null);
    expect(page.nodes.map((r) => [r.seq, r.format, r.fields])).toEqual([
      [4, 2, ['email', 'name']],
      [2, 1, ['name']],
    ]);
  });

  test("the patron's access log merges both formats, one entry a request", async () => {
    const reader = new AuditLogReader(d.database.db, now);
    const page = await reader.accessLog.load({ patronId: ADA, size: 10, afterSeq: null });
    expect(page.nodes.map((n) => [n.lastSeq, n.staffId, n.categories, n.basis])).toEqual([
      [4, 'staff_circ', ['IDENTITY'], 'STAFF_PURPOSE'],
      [1, 'staff_circ', ['IDENTITY'], 'STAFF_PURPOSE'],
    ]);
  });
});

// Last: these edit the log.
describe('inv. 5: an edited subject is found, in either format', () => {
  const superuserEdit = (edit: string, seq: number) =>
    d.raw(
      `do $$ begin perform set_config('session_replication_role', 'replica', true); update audit_events set ${edit} where seq = ${seq}; end $$`,
    );

  test('format 2: a patron dropped from a group row', async () => {
    await superuserEdit('subjects = subjects[1:1]', 4);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
      intact: false,
      firstBadSeq: 4,
    });
  });

  test('format 1: a subject replaced', async () => {
    await superuserEdit(`subject = repeat('f', 64)`, 2);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
      intact: false,
      firstBadSeq: 2,
    });
  });
});
