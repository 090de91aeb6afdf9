import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chainHash } from '../../src/audit/canonical.js';
import { checkpointHeads, checkpointKey, writeSignedHead } from '../../src/audit/checkpoints.js';
import { signHead } from '../../src/audit/heads.js';
import { shredSubjectKeys } from '../../src/audit/keys.js';
import { releasesOf } from '../../src/audit/releases.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { auditEvents } from '../../src/db/schema/audit.sql.js';
import { asc } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../support/server.js';
import { AS, type TokenSpec } from '../support/tokens.js';
import { onPostgres } from '../support/database.js';

const SECRET = 'test-audit-checkpoint-key-0123456789abcdef';
const key = checkpointKey(SECRET);
let t: TestServer;
let last = 0;
let chain = '';
const MIDDLE = 5;

const verify = () => verifyAuditLog(t.db.database.db, key);
/** Runs statements as a superuser would: with the append-only triggers switched off. */
const asSuperuser = (...statements: string[]) =>
  t.db.raw(
    `do $$ begin perform set_config('session_replication_role', 'replica', true); ${statements.join('; ')}; end $$`,
  );

beforeAll(async () => {
  t = await startTestServer({
    env: {
      AUDIT_CHECKPOINT_KEY: SECRET,
      AUDIT_CHECKPOINT_EVERY: '1000000',
      AUDIT_CHECKPOINT_INTERVAL_MS: '0',
    },
  });
  const ask = (q: string, as: TokenSpec, purpose?: string) => t.gql(q, { as, purpose });
  await ask(
    '{ patron(id: "pat_adalovelace") { name birthDate loans { nodes { dueAt } } } }',
    AS.circulation,
    'CIRCULATION_DESK',
  );
  await ask(
    '{ patron(id: "pat_adalovelace") { name email loans { nodes { dueAt } } } }',
    AS.police,
  );
  // A token subject is free text: the canonical form must escape it exactly as PostgreSQL does
  // (quote, backslash, tab, a control character, non-ASCII, outside the BMP).
  const odd = await ask(
    '{ patron(id: "pat_adalovelace") { name } }',
    { sub: 'staff_"\\\t\u0001-Ω-😀', roles: ['circulation'] },
    'CIRCULATION_DESK',
  );
  expect(odd.body.data).toEqual({ patron: { name: 'Ada Lovelace' } });
  await ask('{ patron(id: "pat_danidiaz") { name loans { nodes { dueAt } } } }', AS.carmen);
  await ask(
    '{ patrons(search: { namePrefix: "Demo" }, first: 5) { nodes { name } } }',
    AS.director,
    'RECORDS_AUDIT',
  );
  // One writer (the server's), one chain: its positions are the log's sequence numbers here.
  chain = t.server.audit.writerId;
  last = Number((await t.db.raw('select max(chain_seq) as s from audit_events'))[0]!.s);
  expect(Number((await t.db.raw('select max(seq) as s from audit_events'))[0]!.s)).toEqual(last);
  const [middle] = await t.db.raw('select row_hash from audit_events where chain_seq = $1', [
    MIDDLE,
  ]);
  await writeSignedHead(
    t.db.database.db,
    'checkpoint',
    signHead(key, [{ chain, seq: MIDDLE, hash: middle!.row_hash as string }], new Date(0)),
  );
  await checkpointHeads(t.db.database.db, key, new Date());
});
afterAll(() => t?.stop());

describe('inv. 5: the audit log is append-only', () => {
  for (const table of ['audit_events', 'audit_heads']) {
    test(`UPDATE, DELETE and TRUNCATE on ${table} are refused`, async () => {
      const column = table === 'audit_heads' ? 'head' : 'row_hash';
      await expect(t.db.raw(`update ${table} set ${column} = 'x'`)).rejects.toThrow(
        `${table} is append-only: UPDATE refused`,
      );
      await expect(t.db.raw(`delete from ${table}`)).rejects.toThrow(
        `${table} is append-only: DELETE refused`,
      );
      await expect(t.db.raw(`truncate ${table}`)).rejects.toThrow(
        `${table} is append-only: TRUNCATE refused`,
      );
      expect(Number((await t.db.raw(`select count(*) as n from ${table}`))[0]!.n)).toBeGreaterThan(
        0,
      );
    });
  }
});

describe('inv. 5: every partition of the log and every chain head is append-only', () => {
  test('TRUNCATE or DELETE on one month partition (or the default one) is refused, not only on the parent', async () => {
    const parts = await t.db.raw(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'audit_events'::regclass order by c.relname`,
    );
    // This month and the next three, and the default partition (drizzle/0015).
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const { name } of parts) {
      await expect(t.db.raw(`truncate audit_partitions.${name as string}`)).rejects.toThrow(
        'audit_events is append-only: TRUNCATE refused',
      );
    }
    const month = new Date().toISOString().slice(0, 7).replace('-', '_');
    await expect(t.db.raw(`delete from audit_partitions.audit_events_${month}`)).rejects.toThrow(
      'audit_events is append-only: DELETE refused',
    );
    expect(Number((await t.db.raw('select count(*) as n from audit_events'))[0]!.n)).toBe(last);
  });

  test("a chain's head moves forward only, through the append function; a chain is never deleted", async () => {
    await expect(
      t.db.raw('update audit_chains set head_seq = head_seq - 1 where name = $1', [chain]),
    ).rejects.toThrow('audit_chains: a head moves forward only');
    await expect(t.db.raw('delete from audit_chains')).rejects.toThrow(
      'audit_chains is append-only: DELETE refused',
    );
    await expect(t.db.raw('truncate audit_chains')).rejects.toThrow(
      'audit_chains is append-only: TRUNCATE refused',
    );
  });
});

describe('inv. 5: audit:verify proves the log intact and finds the first bad sequence number', () => {
  test('an untouched log is intact', async () => {
    expect(last).toBeGreaterThan(MIDDLE + 3);
    expect(await verify()).toEqual({
      intact: true,
      events: last,
      chains: 1,
      checkpoints: 2,
      witnessedHeads: 0,
      droppedRows: 0,
    });
  });

  test('an edited row (triggers disabled) is found', async () => {
    const [{ basis }] = (await t.db.raw('select basis from audit_events where seq = 3')) as [
      { basis: string | null },
    ];
    await t.db.raw('alter table audit_events disable trigger all');
    try {
      await t.db.raw("update audit_events set basis = 'DIRECTOR' where seq = 3");
      expect(await verify()).toEqual({
        intact: false,
        chain,
        firstBadSeq: 3,
        reason: 'row 3 does not match its hash (edited, moved or forged)',
      });
      await t.db.raw('update audit_events set basis = $1 where seq = 3', [basis]);
    } finally {
      await t.db.raw('alter table audit_events enable trigger all');
    }
    expect((await verify()).intact).toBe(true);
  });

  test('a deleted row is found', async () => {
    const [row] = await t.db.raw('select * from audit_events where seq = 4');
    await asSuperuser('delete from audit_events where seq = 4');
    expect(await verify()).toEqual({
      intact: false,
      chain,
      firstBadSeq: 4,
      reason: 'row 4 is missing (next row is 5)',
    });
    await reinsert([row!]);
    expect((await verify()).intact).toBe(true);
  });

  test('a reordered pair is found', async () => {
    await asSuperuser(
      'update audit_events set seq = -6 where seq = 6',
      'update audit_events set seq = 6 where seq = 7',
      'update audit_events set seq = 7 where seq = -6',
    );
    expect(await verify()).toEqual({
      intact: false,
      chain,
      firstBadSeq: 6,
      reason: 'row 6 does not match its hash (edited, moved or forged)',
    });
    await asSuperuser(
      'update audit_events set seq = -6 where seq = 6',
      'update audit_events set seq = 6 where seq = 7',
      'update audit_events set seq = 7 where seq = -6',
    );
    expect((await verify()).intact).toBe(true);
  });

  test('a truncated tail is found (the last checkpoint signed it)', async () => {
    const tail = await t.db.raw('select * from audit_events where seq > $1 order by seq', [
      last - 2,
    ]);
    await asSuperuser(`delete from audit_events where seq > ${last - 2}`);
    expect(await verify()).toEqual({
      intact: false,
      chain,
      firstBadSeq: last - 1,
      reason: `rows ${last - 1}..${last} are missing: a checkpoint signed seq ${last}`,
    });
    await reinsert(tail);
    expect((await verify()).intact).toBe(true);
  });

  test('a superuser rewrite that recomputes every later hash disagrees with the signed checkpoint', async () => {
    const original = await t.db.raw(
      'select seq, row_hash, fields from audit_events where seq >= $1 order by seq',
      [MIDDLE + 2],
    );
    await asSuperuser(`update audit_events set fields = array['name'] where seq = ${MIDDLE + 2}`);
    await rechain();
    expect(await verify()).toEqual({
      intact: false,
      chain,
      firstBadSeq: MIDDLE + 1,
      reason: `rows ${MIDDLE + 1}..${last} disagree with the checkpoint at seq ${last}`,
    });
    // Put it back exactly (the original fields, then the original hashes).
    await t.db.raw('alter table audit_events disable trigger all');
    try {
      await t.db.raw('update audit_events set fields = $1 where seq = $2', [
        original[0]!.fields,
        MIDDLE + 2,
      ]);
      for (const r of original)
        await t.db.raw('update audit_events set row_hash = $1 where seq = $2', [r.row_hash, r.seq]);
    } finally {
      await t.db.raw('alter table audit_events enable trigger all');
    }
    expect((await verify()).intact).toBe(true);
  });

  test('a forged checkpoint is found', async () => {
    const forged = { ...signHead(key, [{ chain, seq: 2, hash: 'abc' }], new Date(0)) };
    forged.signature = 'deadbeef';
    await t.db.raw(
      "insert into audit_heads (kind, signed_at_ms, key_id, head) values ('checkpoint', 0, $1, $2)",
      [key.id, JSON.stringify(forged)],
    );
    expect(await verify()).toEqual({
      intact: false,
      chain,
      firstBadSeq: 2,
      reason: 'the checkpoint signed at 1970-01-01T00:00:00.000Z is not signed by this key',
    });
    await asSuperuser("delete from audit_heads where signed_at_ms = 0 and head like '%deadbeef%'");
    expect((await verify()).intact).toBe(true);
  });
});

describe('inv. 8 (design for retention): crypto-shredding the subject keys', () => {
  test('after the keys are destroyed the log still verifies, unchanged, but no longer names the patron', async () => {
    const before = await t.db.raw('select seq, row_hash, subject from audit_events order by seq');
    const ada =
      '{ auditEvents(filter: { patronId: "pat_adalovelace" }, first: 100) { nodes { seq } } }';
    const found = await t.gql<{ auditEvents: { nodes: unknown[] } }>(ada, {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    expect(found.body.data!.auditEvents.nodes.length).toBeGreaterThan(0);
    expect((await releasesOf(t.db.database.db, 'dr_approved')).map((r) => r.patronId)).toEqual([
      'pat_adalovelace',
      'pat_adalovelace',
      'pat_adalovelace',
      'pat_adalovelace',
    ]);

    // A month that has not ended keeps its keys; naming the patron destroys theirs.
    expect(await shredSubjectKeys(t.db.database.db, { before: new Date() })).toEqual(0);
    expect(await shredSubjectKeys(t.db.database.db, { patronIds: ['pat_adalovelace'] })).toEqual(1);

    expect(
      (await t.db.raw('select seq, row_hash, subject from audit_events order by seq')).slice(
        0,
        before.length,
      ),
    ).toEqual(before);
    const after = await verify();
    expect(after.intact).toBe(true);
    const lost = await t.gql<{ auditEvents: { nodes: unknown[] } }>(ada, {
      as: AS.director,
      purpose: 'RECORDS_AUDIT',
    });
    expect(lost.body.data!.auditEvents.nodes).toEqual([]);
    expect((await releasesOf(t.db.database.db, 'dr_approved')).map((r) => r.patronId)).toEqual([
      null,
      null,
      null,
      null,
    ]);
    // Ada's log shows only what happened since: the Director's search above, under a fresh key.
    const own = await t.gql(
      '{ patron(id: "pat_adalovelace") { accessLog { nodes { basis categories } } } }',
      { as: AS.ada },
    );
    expect(own.body.data).toEqual({
      patron: { accessLog: { nodes: [{ basis: 'DIRECTOR', categories: ['DISCLOSURE'] }] } },
    });

    // Every month that ended before the given instant goes at once.
    const nextMonth = new Date(Date.now() + 32 * 86_400_000);
    expect(await shredSubjectKeys(t.db.database.db, { before: nextMonth })).toBeGreaterThan(0);
    expect(await t.db.raw('select count(*)::int as n from audit_subject_keys')).toEqual([{ n: 0 }]);
    expect((await verify()).intact).toBe(true);
  });
});

describe('npm run audit:verify', () => {
  test('prints intact (exit 0), or the first bad sequence number (exit 1)', async () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/audit-verify.ts'], {
        env: { ...process.env, ...env, AUDIT_CHECKPOINT_KEY: SECRET, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      });
    let env: Record<string, string>;
    let dir: string | null = null;
    if (onPostgres) {
      env = { DATABASE_URL: t.db.url! };
    } else {
      // The in-memory test database is out of reach of another process: copy the log into a data folder.
      dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
      const { openDatabase } = await import('../../src/db/client.js');
      const { migrateDatabase } = await import('../../src/db/migrate.js');
      const copy = await openDatabase({ dataDir: dir });
      if (copy.kind !== 'pglite') throw new Error('unreachable');
      await migrateDatabase(copy);
      // The writer's chain (chain 0 is made by the migration), the signed heads, then the rows.
      const copies: [string, string, string][] = [
        ['audit_chains', 'where id > 0 order by id', ''],
        ['audit_heads', 'order by id', ' overriding system value'],
        ['audit_events', 'order by seq', ''],
      ];
      for (const [table, which, overriding] of copies) {
        const rows = await t.db.raw(`select * from ${table} ${which}`);
        for (const r of rows) {
          const cols = Object.keys(r);
          await copy.client.query(
            `insert into ${table} (${cols.join(',')})${overriding} values (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
            Object.values(r),
          );
        }
      }
      await copy.close();
      env = { DATA_DIR: dir };
    }
    // The shredding test's reads were audited too: count the log as it is now.
    const events = Number((await t.db.raw('select max(seq) as s from audit_events'))[0]!.s);
    try {
      const ok = run(env);
      expect([ok.status, ok.stdout]).toEqual([
        0,
        `audit log intact: ${events} events in 1 chains, 2 signed heads; ` +
          'no witness configured (AUDIT_WITNESS_DIR): a rollback of the database cannot be seen\n',
      ]);
      if (onPostgres) {
        await asSuperuser('delete from audit_events where seq = 2');
      } else {
        const { openDatabase } = await import('../../src/db/client.js');
        const copy = await openDatabase({ dataDir: dir! });
        if (copy.kind !== 'pglite') throw new Error('unreachable');
        await copy.client.query('alter table audit_events disable trigger all');
        await copy.client.query('delete from audit_events where seq = 2');
        await copy.close();
      }
      const bad = run(env);
      expect([bad.status, bad.stdout]).toEqual([
        1,
        `audit log NOT intact: chain ${chain}, first bad sequence number 2 (row 2 is missing (next row is 3))\n`,
      ]);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function reinsert(rows: Record<string, unknown>[]) {
  for (const r of rows) {
    const cols = Object.keys(r);
    await t.db.raw(
      `insert into audit_events (${cols.join(',')}) values (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
      Object.values(r),
    );
  }
}

/** What a superuser with the source code can do: recompute every hash after an edit. */
async function rechain() {
  const rows = await t.db.database.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  let previous = '0'.repeat(64);
  await t.db.raw('alter table audit_events disable trigger all');
  try {
    for (const row of rows) {
      const hash = chainHash(previous, row);
      if (hash !== row.rowHash)
        await t.db.raw('update audit_events set row_hash = $1 where seq = $2', [hash, row.seq]);
      previous = hash;
    }
  } finally {
    await t.db.raw('alter table audit_events enable trigger all');
  }
}
