// Four real server processes (`src/main.ts`) writing the audit log of one PostgreSQL database at
// once. Runs whenever DATABASE_URL is set (CI runs the suite on PostgreSQL too). On PGlite it is
// skipped: an embedded database belongs to one process, so there is no concurrent writer to test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { exportSPKI, generateKeyPair } from 'jose';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { checkpointKey } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { DirectoryWitness } from '../../src/audit/witness.js';
import { mintToken } from '../../src/auth/jwt.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.js';
import { AUDIENCE, AS, ISSUER } from '../support/tokens.js';

const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 40;
const CONCURRENCY = 8;
const SECRET = 'concurrency-test-checkpoint-key-0123456789';

let db: TestDatabase | null = null;
const children: ChildProcess[] = [];
// One witness directory shared by the four replicas, as an operator would mount it.
const witnessDir = mkdtempSync(join(tmpdir(), 'audit-witness-'));
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await db?.drop();
  rmSync(witnessDir, { recursive: true, force: true });
});

function startProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = line.startsWith('{')
        ? (JSON.parse(line) as { msg?: string; url?: string })
        : {};
      if (entry.msg === 'patron-records subgraph ready' && entry.url)
        resolve({ url: entry.url, child });
    });
  });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

test.skipIf(!onPostgres)(
  'inv. 5: four server processes writing under load leave one gap-free chain each, and the log verifies',
  async () => {
    db = await createTestDatabase({ seed: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: db.url!,
      DATABASE_POOL_SIZE: '4',
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      AUDIT_CHECKPOINT_KEY: SECRET,
      AUDIT_CHECKPOINT_EVERY: '25',
      AUDIT_WITNESS_DIR: witnessDir,
      LOG_LEVEL: 'info',
      APOLLO_TELEMETRY_DISABLED: '1',
    };
    const servers = await Promise.all(Array.from({ length: PROCESSES }, () => startProcess(env)));
    const tokens = {
      director: await mintToken(privateKey, { ...AS.director, issuer: ISSUER, audience: AUDIENCE }),
      circulation: await mintToken(privateKey, {
        ...AS.circulation,
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    };

    // Every request resolves Patron.name (IDENTITY), Patron.loans (CIRCULATION) and Loan.dueAt: 3 rows.
    const query = '{ patron(id: "pat_adalovelace") { name loans { nodes { dueAt } } } }';
    const statuses: number[] = [];
    await Promise.all(
      servers.map(async ({ url }, s) => {
        let next = 0;
        const worker = async () => {
          while (next < REQUESTS_PER_PROCESS) {
            const i = next++;
            const token = i % 2 ? tokens.director : tokens.circulation;
            const res = await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${token}`,
                'x-access-purpose': i % 2 ? 'RECORDS_AUDIT' : 'CIRCULATION_DESK',
                'x-request-id': `load-${s}-${i}-xxxxxxxx`,
              },
              body: JSON.stringify({ query }),
            });
            statuses.push(res.status);
            await res.arrayBuffer();
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // SIGTERM: each process drains and signs a last checkpoint of what it wrote.
    expect(await Promise.all(servers.map((s) => stopProcess(s.child)))).toEqual(
      Array(PROCESSES).fill(0),
    );

    const total = PROCESSES * REQUESTS_PER_PROCESS;
    const [shape] = await db.raw(
      'select count(*)::int as n, count(distinct seq)::int as seqs, count(distinct request_id)::int as requests from audit_events',
    );
    expect(shape).toEqual({ n: total * 3, seqs: total * 3, requests: total });
    // One chain per process, each gap-free from 1, its head at its last row.
    const chains = await db.raw(
      `select count(e.*)::int as n, min(e.chain_seq)::int as lo, max(e.chain_seq)::int as hi, c.head_seq::int as head
      from audit_chains c join audit_events e on e.chain = c.id group by c.id`,
    );
    expect(chains).toHaveLength(PROCESSES);
    for (const c of chains) expect([c.lo, c.hi, c.head]).toEqual([1, c.n, c.n]);
    // Each request's rows are one contiguous run of one chain: batches never interleave.
    const split = await db.raw(
      `select request_id from audit_events group by request_id
      having count(distinct chain) <> 1 or max(chain_seq) - min(chain_seq) + 1 <> count(*)`,
    );
    expect(split).toEqual([]);
    const [{ n: checkpoints, distinct }] = (await db.raw(
      'select count(*)::int as n, count(distinct head)::int as distinct from audit_heads',
    )) as [{ n: number; distinct: number }];
    expect(checkpoints).toBeGreaterThanOrEqual(PROCESSES);
    // Every checkpoint row's heads were witnessed first; a head signed twice is one file.
    const heads = readdirSync(witnessDir).length;
    expect(heads).toEqual(distinct);
    expect(
      await verifyAuditLog(db.database.db, checkpointKey(SECRET), [
        new DirectoryWitness(witnessDir),
      ]),
    ).toEqual({
      intact: true,
      events: total * 3,
      chains: PROCESSES,
      checkpoints,
      witnessedHeads: heads,
      droppedRows: 0,
    });
  },
  240_000,
);
