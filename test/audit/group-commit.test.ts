// Group commit (src/audit/writer.ts): requests that finish while an append is in flight go
// together in the next statement. Each still resolves only once its own rows are durable, a failed
// statement fails every request in it (fail closed, inv. 4), and the chain stays one chain (inv. 5).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { appendNameRead } from '../support/audit.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-group-commit-0123456789abcdef');
let d: TestDatabase;
let writer: AuditWriter;

/** One request reading one patron's name. */
const append = (requestId: string, patronId: string, operationName: string | null = null) =>
  appendNameRead(writer, requestId, patronId, operationName);

beforeAll(async () => {
  d = await createTestDatabase();
  writer = new AuditWriter(d.database.db, key, createLogger('silent'), {
    checkpointEvery: 1_000_000,
    checkpointIntervalMs: 0,
  });
});
afterAll(async () => {
  await writer.close();
  await d?.drop();
});

describe('inv. 4 and 5: requests finishing together share one append', () => {
  test('20 concurrent requests: two statements, every request recorded once, in order, and the chain verifies', async () => {
    const patrons = Object.values(DEMO.patrons);
    const before = writer.stats.appends;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        append(`gc-${String(i).padStart(2, '0')}`, patrons[i % patrons.length]!),
      ),
    );
    // The first goes alone; the 19 that arrive while it is in flight go together.
    expect(writer.stats.appends - before).toBe(2);
    const rows = await d.raw(
      `select request_id from audit_events where request_id like 'gc-%' order by seq`,
    );
    expect(rows.map((r) => r.request_id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `gc-${String(i).padStart(2, '0')}`),
    );
    await writer.close();
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 20 });
  });

  test('a failing append fails every request it carried, and records none of them', async () => {
    await d.raw(
      "create function gc_broken() returns trigger language plpgsql as $$ begin raise exception 'disk full (simulated)'; end $$",
    );
    await d.raw(
      'create trigger gc_broken before insert on audit_events for each statement execute function gc_broken()',
    );
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => append(`gc-fail-${i}`, DEMO.patrons.ada)),
    );
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    await d.raw('drop trigger gc_broken on audit_events');
    expect(
      await d.raw(`select count(*)::int as n from audit_events where request_id like 'gc-fail-%'`),
    ).toEqual([{ n: 0 }]);
    // The writer goes on once the database does.
    await append('gc-after', DEMO.patrons.ada);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 21 });
  });

  test('one request with a value the database refuses (a NUL byte) fails alone: its neighbours in the batch are recorded', async () => {
    const before = writer.stats.appends;
    const results = await Promise.allSettled([
      append('gc-nul-0', DEMO.patrons.ada),
      // These four arrive while the first is in flight, so they share the next statement.
      append('gc-nul-1', DEMO.patrons.ada),
      append('gc-nul-2', DEMO.patrons.ben, 'Bad\u0000Name'),
      append('gc-nul-3', DEMO.patrons.ada),
      append('gc-nul-4', DEMO.patrons.ben),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    // The first alone, the batch of four (refused), then each of the four on its own.
    expect(writer.stats.appends - before).toBe(6);
    const rows = await d.raw(
      `select request_id from audit_events where request_id like 'gc-nul-%' order by seq`,
    );
    expect(rows.map((r) => r.request_id)).toEqual(['gc-nul-0', 'gc-nul-1', 'gc-nul-3', 'gc-nul-4']);
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 25 });
  });
});
