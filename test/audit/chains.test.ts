// One hash chain per writer (drizzle/0015): several writers append at once, each to its own chain,
// and never wait for one another (no lock shared by the fleet); a writer whose connection dies
// inside its append transaction leaves nothing half-written and its chain verifiable; and
// audit:verify proves every chain afterwards. On PGlite (one connection) a single writer.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditBuffer } from '../../src/audit/buffer.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { patronsOf, requestOf, wireRows } from '../../src/audit/wire.js';
import { grant } from '../../src/domain/decision.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { DEMO } from '../../src/seed/demo.js';
import { CIRCULATION_STAFF } from '../support/audit.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.js';

const key = checkpointKey('test-audit-chains-key-0123456789abcdef0');
const PATRONS = Object.values(DEMO.patrons);
let d: TestDatabase;
const opened: Database[] = [];

beforeAll(async () => {
  d = await createTestDatabase({ seed: false });
});
afterAll(async () => {
  for (const o of opened) await o.close().catch(() => undefined);
  await d?.drop();
});

/** A dashboard-like request: three rules over the same patrons. */
function rowsOf(patrons: readonly string[]) {
  const buffer = new AuditBuffer();
  for (const p of patrons) {
    buffer.record(p, 'Patron', 'name', 'IDENTITY', 'pii:IDENTITY', grant('STAFF_PURPOSE'));
    buffer.record(p, 'Patron', 'email', 'IDENTITY', 'pii:CONTACT', grant('STAFF_PURPOSE'));
    buffer.record(p, 'Loan', 'dueAt', 'CIRCULATION', 'pii:CIRCULATION', grant('STAFF_PURPOSE'));
  }
  return buffer.entries();
}

/** An append's two statements (drizzle/0016) sent by hand on one connection, as the writer sends them. */
async function appendByHand(
  query: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }>,
  chainId: number,
  requestId: string,
) {
  const request = requestOf(
    { principal: CIRCULATION_STAFF, requestId, purpose: 'CIRCULATION_DESK', viaRouter: false },
    { operationName: 'Dashboard', documentHash: null },
    Date.now(),
    rowsOf(PATRONS),
  );
  const { rows } = await query(
    'select key_epoch, pseudonyms from audit_subject_pseudonyms($1, $2)',
    [request.atMs, patronsOf(request)],
  );
  const names = rows[0] as { key_epoch: number; pseudonyms: Record<string, string> };
  await query('select * from audit_append_rows($1, $2, $3::jsonb)', [
    chainId,
    names.key_epoch,
    JSON.stringify(wireRows(request, (p) => names.pseudonyms[p])),
  ]);
}

function writerOn(database: Database, writerId: string) {
  return new AuditWriter(
    database.db,
    key,
    createLogger('silent'),
    { checkpointEvery: 10, checkpointIntervalMs: 0, writerId },
    () => new Date(),
  );
}

const append = (w: AuditWriter, requestId: string) =>
  w.append(
    {
      principal: CIRCULATION_STAFF,
      requestId,
      purpose: 'CIRCULATION_DESK',
      viaRouter: false,
      now: () => new Date(),
    },
    { operationName: 'Dashboard', documentHash: null },
    rowsOf(PATRONS),
  );

/** Per chain: rows, lowest and highest position, and whether each request's rows are contiguous. */
const chainShape = () =>
  d.raw(
    `select c.name, count(e.*)::int as n, min(e.chain_seq)::int as lo, max(e.chain_seq)::int as hi, c.head_seq::int as head
    from audit_chains c left join audit_events e on e.chain = c.id where c.id > 0 group by c.id order by c.name`,
  );

describe('inv. 5: one chain per writer', () => {
  test.skipIf(!onPostgres)(
    'four writers on their own connections append at once; none waits for another, every chain is gap-free and verifies',
    async () => {
      const WRITERS = 4;
      const REQUESTS = 30;
      const writers: AuditWriter[] = [];
      for (let i = 0; i < WRITERS; i++) {
        const database = await openDatabase({ url: d.url!, poolSize: 2 });
        opened.push(database);
        writers.push(writerOn(database, `chains-test-${i}`));
      }
      // The month's pseudonym keys exist (a patron's first access of the month makes them once).
      await append(writers[0]!, 'warm-up');

      // Sample who waits on whom while the writers run: no backend may be blocked by another.
      // Except on 'extend', the relation extension lock: PostgreSQL takes it for a moment whenever
      // concurrent inserts grow the same file (any table, not a lock of the log's design).
      const sampler = new pg.Client({ connectionString: d.url! });
      await sampler.connect();
      let running = true;
      let samples = 0;
      const blocked: unknown[] = [];
      const sampling = (async () => {
        while (running) {
          const { rows } = await sampler.query(
            `select pid, wait_event_type, wait_event, pg_blocking_pids(pid) as by from pg_stat_activity
            where datname = current_database() and cardinality(pg_blocking_pids(pid)) > 0
              and wait_event is distinct from 'extend'`,
          );
          blocked.push(...rows);
          samples++;
        }
      })();
      await Promise.all(
        writers.map(async (w, i) => {
          for (let r = 0; r < REQUESTS; r += 3)
            await Promise.all([0, 1, 2].map((k) => append(w, `w${i}-${r + k}`)));
        }),
      );
      running = false;
      await sampling;
      await sampler.end();
      for (const w of writers) await w.close();

      expect(samples).toBeGreaterThan(0);
      expect(blocked).toEqual([]);
      // No advisory lock is taken by an append any more.
      expect(
        await d.raw(`select count(*)::int as n from pg_locks l join pg_database b on b.oid = l.database
          where l.locktype = 'advisory' and b.datname = current_database()`),
      ).toEqual([{ n: 0 }]);
      const shape = await chainShape();
      expect(shape.map((c) => c.name)).toEqual(writers.map((w) => w.writerId));
      for (const c of shape) expect([c.lo, c.hi, c.head]).toEqual([1, c.n, c.n]);
      // 3 groups over one list a request: 3 rows, the list on the first only.
      expect(shape.reduce((n, c) => n + (c.n as number), 0)).toBe((WRITERS * REQUESTS + 1) * 3);
      expect(
        await d.raw(
          `select request_id from audit_events group by request_id
          having count(distinct chain) <> 1 or max(chain_seq) - min(chain_seq) + 1 <> count(*) or count(subjects) <> 1`,
        ),
      ).toEqual([]);
      expect(await verifyAuditLog(d.database.db, key)).toMatchObject({
        intact: true,
        events: (WRITERS * REQUESTS + 1) * 3,
        chains: WRITERS,
      });
    },
    120_000,
  );

  test.skipIf(!onPostgres)(
    "a writer's connection killed inside its append transaction: nothing of it is written, its chain goes on and verifies, and the other writers never waited",
    async () => {
      const victim = writerOn(d.database, 'chains-crash');
      const other = writerOn(d.database, 'chains-other');
      await append(victim, 'crash-before');
      const [chain] = await d.raw(`select id from audit_chains where name = 'chains-crash'`);
      const before = await chainShape();

      // The victim's append, in flight: rows inserted, head moved, not committed.
      const doomed = new pg.Client({ connectionString: d.url! });
      await doomed.connect();
      doomed.on('error', () => undefined);
      const [{ pid }] = (await doomed.query('select pg_backend_pid() as pid')).rows as [
        { pid: number },
      ];
      await doomed.query('begin');
      await appendByHand(
        (text, params) => doomed.query(text, params),
        Number(chain!.id),
        'crash-in-flight',
      );
      // Meanwhile another writer appends to its own chain without waiting for the open transaction.
      const started = performance.now();
      await append(other, 'while-victim-holds-its-chain');
      expect(performance.now() - started).toBeLessThan(5000);

      // The crash: the victim's backend is terminated inside the transaction.
      await d.raw('select pg_terminate_backend($1)', [pid]);
      await doomed.end().catch(() => undefined);

      expect(
        await d.raw(
          `select count(*)::int as n from audit_events where request_id = 'crash-in-flight'`,
        ),
      ).toEqual([{ n: 0 }]);
      const after = await chainShape();
      expect(after.find((c) => c.name === 'chains-crash')).toEqual(
        before.find((c) => c.name === 'chains-crash'),
      );
      // The writer goes on: the next append takes the next position, no gap.
      await append(victim, 'crash-after');
      await victim.close();
      await other.close();
      const [crashed] = (await chainShape()).filter((c) => c.name === 'chains-crash');
      expect([crashed!.lo, crashed!.hi, crashed!.n]).toEqual([1, 6, 6]);
      expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true });
    },
    60_000,
  );

  test.skipIf(onPostgres)(
    'one writer (PGlite): an append rolled back half-way leaves nothing, and the chain goes on and verifies',
    async () => {
      const w = writerOn(d.database, 'chains-single');
      await append(w, 'single-1');
      if (d.database.kind !== 'pglite') throw new Error('unreachable');
      const [chain] = await d.raw(`select id from audit_chains where name = 'chains-single'`);
      await expect(
        d.database.client.transaction(async (tx) => {
          await appendByHand(
            (text, params) => tx.query(text, params),
            Number(chain!.id),
            'single-rolled-back',
          );
          throw new Error('crash');
        }),
      ).rejects.toThrow('crash');
      await append(w, 'single-2');
      await w.close();
      expect(await chainShape()).toEqual([{ name: 'chains-single', n: 6, lo: 1, hi: 6, head: 6 }]);
      expect(await verifyAuditLog(d.database.db, key)).toMatchObject({ intact: true, chains: 1 });
    },
  );
});
