// The log keeps rows of every layout: format 1 (one subject a row, written by releases before
// migration 0008), format 2 (one row per decision group, one chain for the fleet) and format 3 (a
// writer's own chain, a request's subject list written once, drizzle/0015). A database upgraded in
// place must still verify end to end, and its reads must find a patron's rows of any format. The
// older rows here are written by the earlier releases' own SQL functions on the schema they ran
// on (migrations up to 0014), so the verifier is checked against what those writers really hashed.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditBuffer } from '../../src/audit/buffer.js';
import { checkpointKey, signCheckpoint } from '../../src/audit/checkpoints.js';
import { AuditLogReader } from '../../src/audit/read-model.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { grant } from '../../src/domain/decision.js';
import { migrateDatabase, migrationsFolder } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { CIRCULATION_STAFF } from '../support/audit.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const ADA = DEMO.patrons.ada;
const BEN = DEMO.patrons.ben;
const key = checkpointKey('test-audit-formats-key-0123456789abcdef');
const now = () => new Date('2026-11-20T10:00:00Z');
let d: TestDatabase;

/** Applies the migrations up to `last` only: the database as the release that shipped it left it. */
async function migrateUpTo(last: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  try {
    const journal = JSON.parse(
      readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8'),
    ) as {
      entries: { tag: string }[];
    };
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag === last) + 1,
    );
    mkdirSync(join(dir, 'meta'));
    writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries)
      copyFileSync(join(migrationsFolder, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
    const config = { migrationsFolder: dir, migrationsSchema: 'drizzle' };
    if (d.database.kind === 'pglite')
      await migratePglite(d.database.db as unknown as PgliteDatabase, config);
    else await migratePg(d.database.db as unknown as NodePgDatabase, config);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  d = await createTestDatabase({ migrate: false });
  await migrateUpTo('0014_refusal_limits');
  // The release before 0008: its audit_append, exactly as migration 0006 created it. The keys it
  // made are here already, as migration 0007 leaves them (with their pseudonym filled in).
  await d.raw(
    readFileSync(new URL('../../drizzle/0006_audit_append_set_based.sql', import.meta.url), 'utf8'),
  );
  await d.raw(
    `insert into audit_subject_keys (id, patron_id, period_start, period_end, pads, pseudonym)
    select 'ask_' || p, p, date_trunc('month', $2::timestamptz, 'UTC'), date_trunc('month', $2::timestamptz, 'UTC') + interval '1 month', pads, audit_pseudonym(pads, p)
    from (select p, audit_new_key_pads() as pads from unnest($1::text[]) p) k`,
    [[ADA, BEN], now().toISOString()],
  );
  const request = {
    atMs: now().getTime() - 60_000,
    requestId: 'req-format-1',
    operationName: 'Desk',
    documentHash: null,
    principalKind: 'user',
    principalId: 'staff_circ',
    principalPatron: null,
    principalRoles: ['circulation'],
    purpose: 'CIRCULATION_DESK',
    viaRouter: false,
  };
  const v1 = (subject: string | null, fields: string[]) => ({
    ...request,
    subject,
    typeName: 'Patron',
    fields,
    category: 'IDENTITY',
    outcome: 'GRANTED',
    basis: 'STAFF_PURPOSE',
    basisRef: null,
    rule: 'pii:IDENTITY',
  });
  await d.raw('select * from audit_append($1::jsonb)', [
    JSON.stringify([v1(ADA, ['name']), v1(BEN, ['name']), v1(null, ['name'])]),
  ]);
  await d.raw('drop function audit_append(jsonb)');
  // The release before 0015: format 2, through its own audit_append_requests, and its checkpoint.
  const [v2] = await d.raw(
    'select last_seq::int as seq, last_hash from audit_append_requests($1::jsonb)',
    [
      JSON.stringify([
        {
          ...request,
          atMs: now().getTime() - 30_000,
          requestId: 'req-format-2',
          subjectSets: [[ADA, BEN]],
          groups: [
            {
              typeName: 'Patron',
              fields: ['email', 'name'],
              category: 'IDENTITY',
              outcome: 'GRANTED',
              basis: 'STAFF_PURPOSE',
              basisRef: null,
              rule: 'pii:IDENTITY',
              set: 0,
            },
          ],
        },
      ]),
    ],
  );
  await d.raw(
    'insert into audit_checkpoints (seq, row_hash, signed_at_ms, key_id, signature) values ($1, $2, 0, $3, $4)',
    [
      v2!.seq,
      v2!.last_hash,
      key.id,
      signCheckpoint(key, v2!.seq as number, v2!.last_hash as string),
    ],
  );

  // The upgrade (0015), then this release: one request about Ada and Ben, two decision groups over
  // the same two patrons (format 3: the list written once).
  await migrateDatabase(d.database);
  const buffer = new AuditBuffer();
  for (const patron of [ADA, BEN]) {
    for (const field of ['email', 'name'])
      buffer.record(patron, 'Patron', field, 'IDENTITY', 'pii:IDENTITY', grant('STAFF_PURPOSE'));
    buffer.record(
      patron,
      'Patron',
      'loans',
      'CIRCULATION',
      'pii:CIRCULATION',
      grant('STAFF_PURPOSE'),
    );
  }
  const writer = new AuditWriter(
    d.database.db,
    key,
    createLogger('silent'),
    { checkpointEvery: 1, checkpointIntervalMs: 0, writerId: 'formats-test' },
    now,
  );
  await writer.append(
    {
      principal: CIRCULATION_STAFF,
      requestId: 'req-format-3',
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

describe('inv. 5: a log of every format verifies', () => {
  test('rows of formats 1 and 2 (chain 0) and format 3 (a writer chain) verify intact under their signed checkpoints', async () => {
    expect(
      await d.raw(
        `select seq::int as seq, c.name as chain, chain_seq::int as cs, format, subject is not null as one,
          cardinality(subjects) as n, subjects_from::int as from
        from audit_events e join audit_chains c on c.id = e.chain order by seq`,
      ),
    ).toEqual([
      { seq: 1, chain: 'audit_events', cs: 1, format: 1, one: true, n: null, from: null },
      { seq: 2, chain: 'audit_events', cs: 2, format: 1, one: true, n: null, from: null },
      { seq: 3, chain: 'audit_events', cs: 3, format: 1, one: false, n: null, from: null },
      { seq: 4, chain: 'audit_events', cs: 4, format: 2, one: false, n: 2, from: null },
      { seq: 5, chain: 'formats-test', cs: 1, format: 3, one: false, n: 2, from: null },
      { seq: 6, chain: 'formats-test', cs: 2, format: 3, one: false, n: null, from: 1 },
    ]);
    expect(await verifyAuditLog(d.database.db, key)).toEqual({
      intact: true,
      events: 6,
      chains: 2,
      checkpoints: 2,
      witnessedHeads: 0,
      droppedRows: 0,
    });
  });
});

describe("reg. 4 and 11: a patron's rows are found in any format", () => {
  test('auditEvents by patron id returns the format-1 row and the format-2 and format-3 groups that name them', async () => {
    const reader = new AuditLogReader(d.database.db, now);
    const page = await reader.events({ patronId: BEN }, 10, null);
    expect(page.nodes.map((r) => [r.seq, r.format, r.fields])).toEqual([
      [6, 3, ['loans']],
      [5, 3, ['email', 'name']],
      [4, 2, ['email', 'name']],
      [2, 1, ['name']],
    ]);
  });

  test("the patron's access log merges every format, one entry a request", async () => {
    const reader = new AuditLogReader(d.database.db, now);
    const page = await reader.accessLog.load({ patronId: ADA, size: 10, afterSeq: null });
    expect(page.nodes.map((n) => [n.lastSeq, n.staffId, n.categories, n.basis])).toEqual([
      [6, 'staff_circ', ['CIRCULATION', 'IDENTITY'], 'STAFF_PURPOSE'],
      [4, 'staff_circ', ['IDENTITY'], 'STAFF_PURPOSE'],
      [1, 'staff_circ', ['IDENTITY'], 'STAFF_PURPOSE'],
    ]);
  });
});

// Last: these edit the log.
describe('inv. 5: an edited subject is found, in any format', () => {
  const superuserEdit = (edit: string, seq: number) =>
    d.raw(
      `do $$ begin perform set_config('session_replication_role', 'replica', true); update audit_events set ${edit} where seq = ${seq}; end $$`,
    );

  test('format 3: a group pointed at another list', async () => {
    await superuserEdit('subjects_from = null', 6);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
      intact: false,
      chain: 'formats-test',
      firstBadSeq: 2,
    });
  });

  test('format 2: a patron dropped from a group row', async () => {
    await superuserEdit('subjects = subjects[1:1]', 4);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
      intact: false,
      chain: 'audit_events',
      firstBadSeq: 4,
    });
  });

  test('format 1: a subject replaced', async () => {
    await superuserEdit(`subject = repeat('f', 64)`, 2);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
      intact: false,
      chain: 'audit_events',
      firstBadSeq: 2,
    });
  });
});
