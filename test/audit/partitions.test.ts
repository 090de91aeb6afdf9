// audit_events by month (drizzle/0015): retention may drop a month, but never silently. The drop
// writes a signed, witnessed record of what went (per chain, its runs of positions and the hash of
// each run's last row), and audit:verify accepts exactly that; a partition dropped without one
// (the owner's DROP TABLE) is found as missing rows.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditBuffer } from '../../src/audit/buffer.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { DirectoryWitness } from '../../src/audit/witness.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { grant } from '../../src/domain/decision.js';
import { createLogger } from '../../src/logger.js';
import { auditPartitionsBefore, dropAuditPartition } from '../../src/retention/partitions.js';
import { CIRCULATION_STAFF } from '../support/audit.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-partitions-key-0123456789abc');
let d: TestDatabase;
let witnessDir: string;
let clock = new Date('2026-09-15T10:00:00Z');

function writer(writerId: string) {
  return new AuditWriter(
    d.database.db,
    key,
    createLogger('silent'),
    {
      checkpointEvery: 1,
      checkpointIntervalMs: 0,
      writerId,
      witnesses: [new DirectoryWitness(witnessDir)],
    },
    () => clock,
  );
}
/** One request of three rows (three rules over one patron). */
function append(w: AuditWriter, requestId: string) {
  const buffer = new AuditBuffer();
  for (const rule of ['pii:IDENTITY', 'pii:CONTACT', 'pii:FINES'])
    buffer.record('pat_partition', 'Patron', 'name', 'IDENTITY', rule, grant('STAFF_PURPOSE'));
  const now = () => clock;
  return w.append(
    { principal: CIRCULATION_STAFF, requestId, purpose: 'CIRCULATION_DESK', viaRouter: false, now },
    { operationName: 'Desk', documentHash: null },
    buffer.entries(),
  );
}
const witnesses = () => [new DirectoryWitness(witnessDir)];

beforeAll(async () => {
  d = await createTestDatabase({ seed: false });
  witnessDir = mkdtempSync(join(tmpdir(), 'partitions-witness-'));
  // The owner made these months' partitions when they came (here, after the fact).
  await d.raw(`select audit_create_partition('2026-08-01'), audit_create_partition('2026-09-01')`);
  // One chain over two months: September, then this month.
  const w = writer('partitions-test');
  await append(w, 'september-1');
  await append(w, 'september-2');
  clock = new Date();
  await append(w, 'now-1');
  await w.close();
});
afterAll(async () => {
  await d?.drop();
  rmSync(witnessDir, { recursive: true, force: true });
});

describe('inv. 5 and 8: dropping a month of the log', () => {
  test("a month's rows are in its own partition; partitions of ended months are found by date", async () => {
    expect(
      await d.raw(
        `select tableoid::regclass::text as part, count(*)::int as n from audit_events group by 1 order by 1`,
      ),
    ).toEqual([
      { part: 'audit_partitions.audit_events_2026_09', n: 6 },
      {
        part: `audit_partitions.audit_events_${new Date().toISOString().slice(0, 7).replace('-', '_')}`,
        n: 3,
      },
    ]);
    expect(await auditPartitionsBefore(d.database.db, new Date('2026-10-01T00:00:00Z'))).toEqual([
      'audit_events_2026_08',
      'audit_events_2026_09',
    ]);
  });

  test('a drop first writes a signed, witnessed record of what it removes; the log then verifies, counting the dropped rows', async () => {
    const before = readdirSync(witnessDir).length;
    const record = await dropAuditPartition(
      d.database.db,
      key,
      witnesses(),
      'audit_events_2026_09',
      new Date(),
    );
    expect(record.dropped).toEqual({
      partition: 'audit_events_2026_09',
      rows: 6,
      chains: [
        {
          chain: 'partitions-test',
          runs: [{ from: 1, to: 6, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/) }],
        },
      ],
    });
    expect(readdirSync(witnessDir)).toHaveLength(before + 1);
    expect(await d.raw(`select kind from audit_heads where kind = 'drop'`)).toEqual([
      { kind: 'drop' },
    ]);
    expect(await d.raw(`select to_regclass('audit_partitions.audit_events_2026_09') as t`)).toEqual(
      [{ t: null }],
    );
    expect(await verifyAuditLog(d.database.db, key, witnesses())).toMatchObject({
      intact: true,
      events: 3,
      chains: 1,
      droppedRows: 6,
    });
  });

  test('a partition dropped without a record (the owner, by hand) is found as missing rows', async () => {
    clock = new Date('2026-08-20T10:00:00Z');
    const w = writer('partitions-silent');
    await append(w, 'august-1');
    clock = new Date();
    await append(w, 'now-2');
    await w.close();
    expect((await verifyAuditLog(d.database.db, key, witnesses())).intact).toBe(true);
    await d.raw('drop table audit_partitions.audit_events_2026_08');
    expect(await verifyAuditLog(d.database.db, key, witnesses())).toEqual({
      intact: false,
      chain: 'partitions-silent',
      firstBadSeq: 1,
      reason: 'row 1 is missing (next row is 4)',
    });
  });
});
