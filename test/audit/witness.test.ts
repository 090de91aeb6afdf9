// Witnessed heads (DESIGN "Trust model": a superuser or a restored backup must not roll back, wipe
// or fork the log unseen). The server runs with its default head cadence and a witness directory;
// then the database is attacked the way the issue describes, with the append-only triggers
// switched off, and audit:verify must name the first sequence number that fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chainHash } from '../../src/audit/canonical.js';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { signHead, type SignedHead } from '../../src/audit/heads.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import {
  DirectoryWitness,
  latestWitnessedHead,
  WitnessConflictError,
} from '../../src/audit/witness.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import type { AuditEventRow } from '../../src/db/schema/audit.sql.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.js';
import { AS, AUDIENCE, ISSUER, createTestIssuer, type TestIssuer } from '../support/tokens.js';

const SECRET = 'witness-test-checkpoint-key-0123456789abcdef';
const CHAIN = 'witness-test';
const key = checkpointKey(SECRET);

describe('the directory witness', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'witness-unit-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps one read-only file per head, never rewrites it, and refuses a different head at the same seq', async () => {
    const witness = new DirectoryWitness(dir);
    const first = signHead(
      key,
      [{ chain: 'audit_events', seq: 7, hash: 'a'.repeat(64) }],
      new Date(1000),
    );
    await witness.publish(first);
    // The same position again (another replica signed it later): accepted, the file unchanged.
    await witness.publish(signHead(key, first.heads, new Date(2000)));
    const files = readdirSync(dir);
    expect(files).toEqual(['audit_events-0000000000000007.json']);
    expect(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'))).toEqual(first);
    // A fork: another hash at seq 7.
    const fork = signHead(
      key,
      [{ chain: 'audit_events', seq: 7, hash: 'b'.repeat(64) }],
      new Date(3000),
    );
    await expect(witness.publish(fork)).rejects.toBeInstanceOf(WitnessConflictError);
    expect(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'))).toEqual(first);
    await witness.publish(
      signHead(key, [{ chain: 'audit_events', seq: 12, hash: 'c'.repeat(64) }], new Date(4000)),
    );
    // What the privacy console's log health shows: the highest head a witness holds.
    const latest = await latestWitnessedHead([witness]);
    expect([latest?.heads, latest?.witness]).toEqual([
      [{ chain: 'audit_events', seq: 12, hash: 'c'.repeat(64) }],
      `directory:${dir}`,
    ]);
  });
});

describe('production without a witness', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_PUBLIC_KEY: 'unused-here',
    VENDOR_PSEUDONYM_KEY: Buffer.alloc(32, 1).toString('base64'),
    ROUTER_SECRET: 'r'.repeat(40),
    AUDIT_CHECKPOINT_KEY: SECRET,
    TLS_TERMINATED_UPSTREAM: 'true',
  };

  test('refuses to start unless AUDIT_UNWITNESSED says it is deliberate', () => {
    expect(() => loadConfig(production)).toThrow(
      new ConfigError(
        'invalid configuration:\n  AUDIT_WITNESS_DIR: production needs AUDIT_WITNESS_DIR (signed heads kept outside the database), or AUDIT_UNWITNESSED=true to run without a witness on purpose',
      ),
    );
    expect(
      loadConfig({ ...production, AUDIT_WITNESS_DIR: '/var/lib/witness' }).AUDIT_WITNESS_DIR,
    ).toBe('/var/lib/witness');
    expect(loadConfig({ ...production, AUDIT_UNWITNESSED: 'true' }).AUDIT_UNWITNESSED).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The attacks, on PostgreSQL (a copy of the database per attack).

let db: TestDatabase | null = null;
let issuer: TestIssuer;
let witnessDir: string;
/** The head witnessed when the first run shut down, and the last one. */
let a = 0;
let b = 0;
let firstHeadFile = '';
const copies: string[] = [];

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function urlOf(name: string): string {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The server with its default head cadence and the witness directory; some reads; then stop. */
async function run(database: Database, requests: number, waitForTimerHead = false) {
  const logs: Record<string, unknown>[] = [];
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    AUDIT_CHECKPOINT_KEY: SECRET,
    AUDIT_WITNESS_DIR: witnessDir,
    // Both runs write one chain (a replica restarted under its writer id).
    AUDIT_WRITER_ID: CHAIN,
  });
  const logger = createLogger('info', {
    write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>),
  } as never);
  const server = await startServer({ config, logger, database, verifier: issuer.verifier });
  const token = await issuer.mint(AS.director);
  for (let i = 0; i < requests; i++) {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-access-purpose': 'RECORDS_AUDIT',
      },
      body: JSON.stringify({
        query: '{ patron(id: "pat_adalovelace") { name email loans { nodes { dueAt } } } }',
      }),
    });
    expect(res.status).toBe(200);
  }
  let timerMs: number | null = null;
  if (waitForTimerHead && database.kind === 'postgres') {
    // While rows arrive, a head is witnessed within AUDIT_CHECKPOINT_INTERVAL_MS (2 s by default).
    const started = Date.now();
    const { rows } = await database.pool.query<{ s: number }>(
      'select max(chain_seq)::int as s from audit_events',
    );
    const target = rows[0]!.s;
    const reached = async () => headSeq(await latestWitnessedHead(witnessed())) === target;
    while (!(await reached()) && Date.now() - started < 5000)
      await new Promise((r) => setTimeout(r, 50));
    timerMs = Date.now() - started;
  }
  await server.stop();
  expect(logs.filter((l) => l.level === 50 || l.level === 'error')).toEqual([]);
  return timerMs;
}

async function copyOf(template: string): Promise<Database> {
  const name = `${template}_c${copies.length}`;
  await admin(`create database ${name} template ${template}`);
  copies.push(name);
  return openDatabase({ url: urlOf(name), poolSize: 1 });
}

/** Statements as a superuser who switched the append-only triggers off first. */
async function tamper(database: Database, ...statements: string[]): Promise<void> {
  if (database.kind !== 'postgres') throw new Error('unreachable');
  const c = await database.pool.connect();
  try {
    await c.query('begin');
    await c.query("set local session_replication_role = 'replica'");
    for (const s of statements) await c.query(s);
    await c.query('commit');
  } finally {
    c.release();
  }
}

const witnessed = () => [new DirectoryWitness(witnessDir)];
const headSeq = (h: SignedHead | null) => h?.heads.find((c) => c.chain === CHAIN)?.seq;

/** Rolls the chain's head back to position `seq` (as a superuser would, to hide a deleted tail). */
const rewind = (seq: number) =>
  `update audit_chains c set head_seq = ${seq}, head_hash = coalesce((select e.row_hash from audit_events e
    where e.chain = c.id and e.chain_seq = ${seq}), repeat('0', 64)) where c.name = '${CHAIN}'`;
/** Deletes the checkpoints signed after the one at position `seq`. */
const dropHeadsAfter = (seq: number) =>
  `delete from audit_heads where signed_at_ms > (select min(signed_at_ms) from audit_heads
    where (head::jsonb -> 'heads' -> 0 ->> 'seq')::int >= ${seq})`;

describe.skipIf(!onPostgres)(
  'audit:verify against the witnessed heads (PostgreSQL, default cadence)',
  () => {
    let timerMs: number | null = null;

    beforeAll(async () => {
      witnessDir = mkdtempSync(join(tmpdir(), 'witness-'));
      issuer = await createTestIssuer();
      db = await createTestDatabase();
      // Run 1: some reads, then shutdown, which witnesses the head.
      await run(db.database, 3);
      a = headSeq(await latestWitnessedHead(witnessed()))!;
      firstHeadFile = readFileSync(
        join(witnessDir, readdirSync(witnessDir).sort().at(-1)!),
        'utf8',
      );
      // An operator's backup of that moment.
      await admin(`create database ${db.name}_old template ${db.name}`);
      copies.push(`${db.name}_old`);
      // Run 2: more reads; a head is witnessed on the timer before shutdown.
      const again = await openDatabase({ url: db.url!, poolSize: 5 });
      timerMs = await run(again, 4, true);
      b = headSeq(await latestWitnessedHead(witnessed()))!;
    }, 120_000);

    afterAll(async () => {
      for (const name of copies) await admin(`drop database if exists ${name} with (force)`);
      await db?.drop();
      rmSync(witnessDir, { recursive: true, force: true });
    });

    test('a head is witnessed within the default interval while rows arrive, and at shutdown; files are never rewritten', () => {
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(a);
      expect(timerMs).toBeLessThan(3000);
      // The first run's shutdown head is still there, byte for byte.
      const files = readdirSync(witnessDir).sort();
      const first = files.find((f) => f.endsWith(`${String(a).padStart(16, '0')}.json`))!;
      expect(readFileSync(join(witnessDir, first), 'utf8')).toEqual(firstHeadFile);
    });

    test('an untouched log verifies against every witnessed head', async () => {
      const copy = await copyOf(db!.name!);
      try {
        const result = await verifyAuditLog(copy.db, key, witnessed());
        expect(result).toEqual({
          intact: true,
          events: b,
          chains: 1,
          checkpoints: readdirSync(witnessDir).length,
          witnessedHeads: readdirSync(witnessDir).length,
          droppedRows: 0,
        });
      } finally {
        await copy.close();
      }
    });

    test('the tail deleted together with its checkpoints: the first deleted row is named', async () => {
      const copy = await copyOf(db!.name!);
      try {
        await tamper(
          copy,
          `delete from audit_events where chain_seq > ${a}`,
          dropHeadsAfter(a),
          rewind(a),
        );
        // Without the witness, the database alone looks intact: the attack the issue describes.
        expect((await verifyAuditLog(copy.db, key)).intact).toBe(true);
        expect(await verifyAuditLog(copy.db, key, witnessed())).toEqual({
          intact: false,
          chain: CHAIN,
          firstBadSeq: a + 1,
          reason: `rows ${a + 1}..${b} are missing: directory:${witnessDir} witnessed a head at seq ${b} (rolled back, wiped or restored from an older copy)`,
        });
      } finally {
        await copy.close();
      }
    });

    test('everything deleted: the first failing sequence number is 1', async () => {
      const copy = await copyOf(db!.name!);
      try {
        await tamper(
          copy,
          'delete from audit_events',
          'delete from audit_heads',
          'delete from audit_chains',
        );
        expect((await verifyAuditLog(copy.db, key)).intact).toBe(true);
        const result = await verifyAuditLog(copy.db, key, witnessed());
        expect([result.intact, !result.intact && result.firstBadSeq]).toEqual([false, 1]);
      } finally {
        await copy.close();
      }
    });

    test('the tail replaced by a re-hashed forgery, its checkpoints deleted: the first forged row is named', async () => {
      const copy = await copyOf(db!.name!);
      try {
        if (copy.kind !== 'postgres') throw new Error('unreachable');
        const rows = (
          await copy.pool.query<Record<string, unknown>>(
            `select * from audit_events where chain_seq >= ${a} order by chain_seq`,
          )
        ).rows;
        // The forger rewrites who asked, and recomputes every hash from the row before the tail.
        let previous = rows[0]!.row_hash as string;
        const forged = rows.slice(1).map((r) => {
          const row = { ...r, purpose: 'CIRCULATION_DESK' };
          const hash = chainHash(previous, camel(row));
          previous = hash;
          return { ...row, row_hash: hash };
        });
        await tamper(copy, `delete from audit_events where chain_seq > ${a}`, dropHeadsAfter(a));
        const c = await copy.pool.connect();
        try {
          await c.query("set session_replication_role = 'replica'");
          for (const r of forged) {
            const cols = Object.keys(r);
            await c.query(
              `insert into audit_events (${cols.join(',')}) values (${cols.map((_, i) => `$${i + 1}`).join(',')})`,
              Object.values(r),
            );
          }
          await c.query(rewind(a + forged.length));
          await c.query("set session_replication_role = 'origin'");
        } finally {
          c.release();
        }
        // The chain is consistent again and the database has no checkpoint above the forgery.
        expect((await verifyAuditLog(copy.db, key)).intact).toBe(true);
        const result = await verifyAuditLog(copy.db, key, witnessed());
        expect(result).toMatchObject({ intact: false, firstBadSeq: a + 1 });
        expect(!result.intact && result.reason).toMatch(
          new RegExp(
            `^rows ${a + 1}\\.\\.\\d+ disagree with the head directory:.* witnessed at seq \\d+ \\(rewritten or forked\\)$`,
          ),
        );
      } finally {
        await copy.close();
      }
    });

    test('a database restored from an older backup: the first row it lacks is named, by npm run audit:verify (exit 1)', async () => {
      const old = `${db!.name}_old`;
      const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/audit-verify.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: urlOf(old),
          AUDIT_CHECKPOINT_KEY: SECRET,
          AUDIT_WITNESS_DIR: witnessDir,
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
      });
      expect([cli.status, cli.stdout]).toEqual([
        1,
        `audit log NOT intact: chain ${CHAIN}, first bad sequence number ${a + 1} (rows ${a + 1}..${b} are missing: directory:${witnessDir} witnessed a head at seq ${b} (rolled back, wiped or restored from an older copy))\n`,
      ]);
      // The same backup is intact by its own checkpoints: only the witness sees the rollback.
      const backup = await openDatabase({ url: urlOf(old), poolSize: 1 });
      try {
        expect((await verifyAuditLog(backup.db, key)).intact).toBe(true);
      } finally {
        await backup.close();
      }
    }, 60_000);
  },
);

/** A row from node-postgres (snake_case) as drizzle reads it, for the canonical hash. */
function camel(r: Record<string, unknown>): AuditEventRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  for (const k of ['seq', 'atMs', 'chainSeq']) out[k] = Number(out[k]);
  if (out.subjectsFrom !== null) out.subjectsFrom = Number(out.subjectsFrom);
  return out as unknown as AuditEventRow;
}
