// The embedded default at scale (npm run test:pglite-scale, its own CI step; not in npm test):
// 50,000 patrons and 500,000 loans loaded into a file-backed PGlite folder the way npm start opens
// it, the compiled server started on it, queried and stopped with SIGTERM, then every row checked
// through every index: amcheck's bt_index_parent_check with heapallindexed (each heap row has its
// index entry, each index entry points at a row) for the btree indexes, a bitmap scan against a
// sequential scan for the audit log's GIN index, and the row count and content of each table
// against those taken before the restart; then the same on a copy of the stopped folder.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { amcheck } from '@electric-sql/pglite/contrib/amcheck';
import { afterAll, expect, test } from 'vitest';
import { openDatabase, pgliteFolder } from '../../src/db/client.js';
import { lockDataDir } from '../../src/db/data-dir-lock.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { DEMO, seedDemo } from '../../src/seed/demo.js';
import { loadOrCreateDevKey } from '../../src/auth/keys.js';
import { mintToken } from '../../src/auth/jwt.js';
import { benchPatronId, seedScale } from '../../bench/seed-scale.js';

const PATRONS = Number(process.env.SCALE_PATRONS ?? 50_000);
const LOANS_PER_PATRON = 10;
const dataDir = mkdtempSync(join(tmpdir(), 'pglite-scale-'));
const copyDir = `${dataDir}-copy`;
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(copyDir, { recursive: true, force: true });
});

const log = (msg: string) => process.stderr.write(`[pglite-scale] ${msg}\n`);

/** Rows and an order-independent digest of every row, per table (sequential scans only). */
async function tableDigests(db: PGlite): Promise<Record<string, string>> {
  const tables = await db.query<{ t: string }>(
    `select format('%I.%I', schemaname, tablename) t from pg_tables
     where schemaname in ('public', 'drizzle') order by 1`,
  );
  await db.exec(
    'set enable_indexscan = off; set enable_indexonlyscan = off; set enable_bitmapscan = off',
  );
  const out: Record<string, string> = {};
  for (const { t } of tables.rows) {
    const r = await db.query<{ n: number; digest: string }>(
      `select count(*)::int n, coalesce(sum(hashtext(x::text)::bigint), 0)::text digest from ${t} x`,
    );
    out[t] = `${r.rows[0]!.n} rows, digest ${r.rows[0]!.digest}`;
  }
  await db.exec('reset all');
  return out;
}

test(`file-backed PGlite keeps every one of ${PATRONS} patrons and ${PATRONS * LOANS_PER_PATRON} loans across a server restart, through every index`, async () => {
  // 1. Load, as npm start opens the folder.
  let started = performance.now();
  const loading = await openDatabase({ dataDir });
  if (loading.kind !== 'pglite')
    throw new Error('DATABASE_URL is set: this test is for the embedded default');
  await migrateDatabase(loading);
  await seedDemo(loading.db);
  await seedScale(loading.db, { patrons: PATRONS, loansPerPatron: LOANS_PER_PATRON });
  const before = await tableDigests(loading.client);
  const benchRows = (
    await loading.client.query<{ patrons: number; loans: number }>(
      `select (select count(*)::int from patrons where id like 'pat_bench%') patrons,
              (select count(*)::int from loans where id like 'loan_bench%') loans`,
    )
  ).rows[0];
  await loading.close();
  log(
    `loaded in ${((performance.now() - started) / 1000).toFixed(1)} s: ${before['public.patrons']} patrons, ${before['public.loans']} loans`,
  );
  expect(benchRows).toEqual({ patrons: PATRONS, loans: PATRONS * LOANS_PER_PATRON });

  // 2. Restart: the compiled server on the folder, a few lookups, SIGTERM.
  started = performance.now();
  const served = await serveAndStop();
  log(
    `server started, answered and stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const last = PATRONS - 1;
  const middle = Math.floor(PATRONS / 2);
  expect(served).toEqual({
    first: { name: 'Bench Patron 0', cardNumber: '27000000000000' },
    middle: { name: `Bench Patron ${middle}`, cardNumber: `27${String(middle).padStart(12, '0')}` },
    last: { name: `Bench Patron ${last}`, cardNumber: `27${String(last).padStart(12, '0')}` },
    exit: 0,
  });

  // 3. The folder after the restart, and a copy of it taken while no process had it open (a backup
  // made as docs/embedded-database.md says), each checked index by index against its tables.
  cpSync(dataDir, copyDir, { recursive: true });
  started = performance.now();
  const restarted = await inspect(dataDir);
  log(
    `${restarted.btreeChecked.length} btree indexes checked with amcheck, the GIN index against the heap, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // The server's own requests appended audit rows and checkpoints; every other table is as it was.
  const unchanged = (d: Record<string, string>) =>
    Object.fromEntries(Object.entries(d).filter(([t]) => !t.startsWith('public.audit_')));
  expect(unchanged(restarted.digests)).toEqual(unchanged(before));
  expect(restarted.digests['public.audit_events']).not.toMatch(/^0 rows/);
  expect(restarted).toMatchObject({
    amcheckFailures: [],
    ginMismatches: [],
    uncheckedIndexes: [],
    patronsWithTheirLoans: PATRONS,
    planUsesPatronIndex: true,
  });
  expect(restarted.btreeChecked).toEqual(
    expect.arrayContaining([
      'public.patrons_pkey',
      'public.patrons_card_number_unique',
      'public.patrons_name_idx',
      'public.loans_pkey',
      'public.loans_patron_idx',
      'public.fines_patron_idx',
      'audit_partitions.audit_events_default_pkey',
    ]),
  );
  // audit_events is partitioned by month (drizzle/0015): the GIN index of every partition is checked.
  expect(restarted.gin.length).toBeGreaterThanOrEqual(5);
  for (const gin of restarted.gin)
    expect(gin).toMatch(/^audit_partitions\.audit_events_(default|\d{4}_\d{2})_subjects_idx$/);
  expect(await inspect(copyDir)).toEqual(restarted);
}, 900_000);

interface Inspection {
  digests: Record<string, string>;
  btreeChecked: string[];
  amcheckFailures: string[];
  gin: string[];
  ginMismatches: string[];
  uncheckedIndexes: string[];
  patronsWithTheirLoans: number;
  planUsesPatronIndex: boolean;
}

/** Opens the folder (taking its lock) with amcheck, and reports on every table and index. */
async function inspect(dir: string): Promise<Inspection> {
  const lock = lockDataDir(dir);
  const db = await PGlite.create(pgliteFolder(dir), { extensions: { amcheck } });
  try {
    const digests = await tableDigests(db);
    await db.exec('create extension if not exists amcheck');
    const indexes = await db.query<{ idx: string; am: string }>(
      `select format('%I.%I', n.nspname, c.relname) idx, am.amname am
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
       join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'drizzle', 'audit_partitions') and c.relkind = 'i' order by 1`,
    );
    const btreeChecked: string[] = [];
    const amcheckFailures: string[] = [];
    for (const { idx } of indexes.rows.filter((i) => i.am === 'btree')) {
      await db
        .query(`select bt_index_parent_check($1::regclass, heapallindexed => true)`, [idx])
        .then(
          () => btreeChecked.push(idx),
          (err: Error) => amcheckFailures.push(`${idx}: ${err.message}`),
        );
    }
    const gin = indexes.rows.filter((i) => i.am === 'gin').map((i) => i.idx);
    const ginMismatches = await subjectsMismatches(db);
    const uncheckedIndexes = indexes.rows
      .filter((i) => i.am !== 'btree' && i.am !== 'gin')
      .map((i) => `${i.idx} (${i.am})`);

    // The server's hottest path, through its index: every bench patron's ten loans.
    await db.exec(
      'set enable_seqscan = off; set enable_bitmapscan = off; set enable_hashjoin = off; set enable_mergejoin = off',
    );
    const perPatron = `select count(*)::int n from patrons p
      where p.id like 'pat_bench%' and (select count(*) from loans l where l.patron_id = p.id) = ${LOANS_PER_PATRON}`;
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`explain ${perPatron}`)).rows
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    const counted = await db.query<{ n: number }>(perPatron);
    await db.exec('reset all');
    return {
      digests,
      btreeChecked,
      amcheckFailures,
      gin,
      ginMismatches,
      uncheckedIndexes,
      patronsWithTheirLoans: counted.rows[0]!.n,
      planUsesPatronIndex: plan.includes('loans_patron_idx'),
    };
  } finally {
    await db.close();
    lock.release();
  }
}

/** Subjects whose rows a bitmap scan of the GIN index misses or invents, against a sequential scan. */
async function subjectsMismatches(db: PGlite): Promise<string[]> {
  await db.exec(
    'set enable_indexscan = off; set enable_indexonlyscan = off; set enable_bitmapscan = off',
  );
  const seq = await db.query<{ s: string; n: number }>(
    `select s, count(*)::int n from audit_events, unnest(subjects) s group by s order by s`,
  );
  await db.exec('reset all; set enable_seqscan = off');
  const bad: string[] = [];
  for (const { s, n } of seq.rows) {
    const r = await db.query<{ n: number }>(
      `select count(*)::int n from audit_events where subjects @> array[$1::text]`,
      [s],
    );
    if (r.rows[0]!.n !== n) bad.push(`${s}: ${r.rows[0]!.n} through the index, ${n} in the table`);
  }
  await db.exec('reset all');
  if (!seq.rows.length) bad.push('no subjects to check');
  return bad;
}

interface Served {
  first: unknown;
  middle: unknown;
  last: unknown;
  exit: number | null;
}

/** npm start's server on the folder: the Director looks up three bench patrons by id, then SIGTERM. */
async function serveAndStop(): Promise<Served> {
  const child = spawn(process.execPath, ['scripts/start.cjs'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const ready = /"url":"([^"]+)".*subgraph ready/.exec(output);
      if (ready) resolve(ready[1]!);
    });
    void exit.then((code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  try {
    const { privateKey, kid } = await loadOrCreateDevKey(dataDir);
    const token = await mintToken(privateKey, {
      sub: DEMO.staff.director,
      roles: ['director'],
      issuer: 'urn:mpl:patron-records:dev',
      audience: 'urn:mpl:patron-records',
      expiresIn: '5m',
      kid,
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-access-purpose': 'RECORDS_AUDIT',
      },
      body: JSON.stringify({
        query: `query ($a: ID!, $b: ID!, $c: ID!) {
          first: patron(id: $a) { name cardNumber }
          middle: patron(id: $b) { name cardNumber }
          last: patron(id: $c) { name cardNumber }
        }`,
        variables: {
          a: benchPatronId(0),
          b: benchPatronId(Math.floor(PATRONS / 2)),
          c: benchPatronId(PATRONS - 1),
        },
      }),
    });
    const body = (await res.json()) as { data: Record<string, unknown>; errors?: unknown };
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    child.kill('SIGTERM');
    return { ...(body.data as Omit<Served, 'exit'>), exit: await exit };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
