// The writer's pseudonym cache (src/audit/pseudonyms.ts): a patron's pseudonym is asked for once
// per month in the process, and a key destroyed since (retention's crypto-shredding) is never
// written again: its cached pseudonym is refused, the writer forgets and asks again.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { appendNameRead } from '../support/audit.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-pseudonym-cache-0123456789ab');
let d: TestDatabase;
let writer: AuditWriter;

/** One request reading a patron's name. */
const append = (requestId: string, patronId: string) => appendNameRead(writer, requestId, patronId);
const subjectsOf = async (requestId: string) =>
  (await d.raw('select subjects from audit_events where request_id = $1', [requestId]))[0]!
    .subjects as string[];
const keyOf = async (patronId: string) =>
  (await d.raw('select pseudonym from audit_subject_keys where patron_id = $1', [patronId])).map(
    (k) => k.pseudonym as string,
  );

beforeAll(async () => {
  d = await createTestDatabase({ seed: false });
  writer = new AuditWriter(d.database.db, key, createLogger('silent'), {
    checkpointEvery: 1_000_000,
    checkpointIntervalMs: 0,
  });
});
afterAll(async () => {
  await writer.close();
  await d?.drop();
});

describe('reg. 4: the pseudonyms the writer caches never outlive their keys', () => {
  test("a key destroyed after its pseudonym was cached: the next row carries the fresh key's pseudonym, never the destroyed one", async () => {
    const ada = DEMO.patrons.ada;
    await append('cache-1', ada);
    const [first] = await keyOf(ada);
    expect(await subjectsOf('cache-1')).toEqual([first]);

    // Cached: the second request is one statement, and names the same pseudonym.
    const before = writer.stats.appends;
    await append('cache-2', ada);
    expect(writer.stats.appends - before).toBe(1);
    expect(await subjectsOf('cache-2')).toEqual([first]);

    // Retention destroys Ada's key: the cached pseudonym is refused once, then asked for again.
    await d.raw('select audit_shred_subject_keys(null, $1)', [[ada]]);
    await append('cache-3', ada);
    expect(writer.stats.appends - before).toBe(3);
    const [fresh] = await keyOf(ada);
    expect(fresh).not.toBe(first);
    expect(await subjectsOf('cache-3')).toEqual([fresh]);
    expect(await d.raw('select count(*)::int as n from audit_events')).toEqual([{ n: 3 }]);
    await writer.close();
    expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, events: 3 });
  });
});
