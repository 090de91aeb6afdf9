// The benchmark's databases: an embedded PGlite folder, or on the PostgreSQL server of
// DATABASE_URL a seeded dataset kept between runs and a copy of it per run (dropped at the end),
// each migrated and loaded with the demo library plus the scale dataset.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase, migrationsFolder } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
import { seedScale } from './seed-scale.js';

export interface BenchTarget {
  kind: 'pglite' | 'postgres';
  patrons: number;
  loans: number;
  /** Env for a server on this dataset; `copy` names the process's own PGlite folder. */
  env(copy: string): Record<string, string>;
  seedSeconds: number;
  dispose(): Promise<void>;
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function load(
  open: Parameters<typeof openDatabase>[0],
  patrons: number,
  loansPerPatron: number,
): Promise<number> {
  const started = performance.now();
  const database = await openDatabase(open);
  await migrateDatabase(database);
  await seedDemo(database.db);
  await seedScale(database.db, { patrons, loansPerPatron });
  await database.close();
  return (performance.now() - started) / 1000;
}

/**
 * PGlite is one process per folder (the data folder lock refuses a second), so every server gets
 * its own folder: one is seeded and closed, the others are copies of it (a closed folder copies
 * whole; npm run test:pglite-scale checks such folders index by index).
 */
export async function pgliteTarget(
  patrons: number,
  loansPerPatron: number,
  copies: readonly string[],
): Promise<BenchTarget> {
  const root = mkdtempSync(join(tmpdir(), 'bench-pglite-'));
  const [seeded, ...others] = copies;
  if (!seeded) throw new Error('no PGlite folder to seed');
  const seedSeconds = await load({ dataDir: join(root, seeded) }, patrons, loansPerPatron);
  for (const copy of others) cpSync(join(root, seeded), join(root, copy), { recursive: true });
  return {
    kind: 'pglite',
    patrons,
    loans: patrons * loansPerPatron,
    seedSeconds,
    env(copy) {
      if (!copies.includes(copy)) throw new Error(`no PGlite folder seeded for ${copy}`);
      return { DATA_DIR: join(root, copy) };
    },
    async dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const COMPLETE = 'bench dataset complete';

/**
 * The name of the seeded dataset for these sizes and this code: a hash of the migrations and the
 * seeding code, so a dataset seeded before a schema change is never reused after it.
 */
function datasetName(patrons: number, loansPerPatron: number): string {
  const hash = createHash('sha256');
  const files = [
    ...readdirSync(migrationsFolder)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => join(migrationsFolder, f)),
    join(migrationsFolder, 'meta', '_journal.json'),
    fileURLToPath(new URL('./seed-scale.ts', import.meta.url)),
    fileURLToPath(new URL('../src/seed/demo.ts', import.meta.url)),
  ];
  for (const f of files) hash.update(readFileSync(f));
  return `bench_tpl_${patrons}_${loansPerPatron}_${hash.digest('hex').slice(0, 10)}`;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/** A database of its own for one run, copied from the seeded dataset (CREATE DATABASE ... TEMPLATE). */
export interface RunDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface PostgresTarget extends BenchTarget {
  kind: 'postgres';
  /** The seeded dataset's database (seedSeconds 0 when an earlier run's was reused). */
  dataset: string;
  reused: boolean;
  /** Another copy of the dataset, for a scenario that wants a fresh audit log (multi-writer). */
  copy(): Promise<RunDatabase>;
}

/**
 * Seeds the dataset once into a named database on the server of `url` (bench_tpl_<size>_<hash>),
 * marked complete by a comment only after the seed finished, and reuses it on later runs; each run
 * then works on its own copy of it (a file copy, seconds), dropped at the end, so the audit rows one
 * run writes never reach the next.
 */
export async function postgresTarget(
  url: string,
  patrons: number,
  loansPerPatron: number,
  log: (msg: string) => void,
): Promise<PostgresTarget> {
  const dataset = datasetName(patrons, loansPerPatron);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let seedSeconds = 0;
  let reused: boolean;
  try {
    const { rows } = await client.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [dataset],
    );
    reused = rows[0]?.comment === COMPLETE;
    if (!reused) {
      // An interrupted seed, or an older dataset of the same size: neither is reused.
      const stale = await client.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or datname like $2`,
        [dataset, `bench_tpl_${patrons}_${loansPerPatron}_%`],
      );
      for (const { datname } of stale.rows)
        await client.query(`drop database if exists ${datname} with (force)`);
      log(`seeding ${dataset} (${patrons} patrons, ${patrons * loansPerPatron} loans)`);
      await client.query(`create database ${dataset}`);
      seedSeconds = await load({ url: withDatabase(url, dataset) }, patrons, loansPerPatron);
      await client.query(`comment on database ${dataset} is '${COMPLETE}'`);
    }
  } finally {
    await client.end();
  }
  const copy = async (): Promise<RunDatabase> => {
    const name = `bench_run_${randomBytes(5).toString('hex')}`;
    await admin(url, `create database ${name} template ${dataset}`);
    return {
      name,
      url: withDatabase(url, name),
      drop: () => admin(url, `drop database if exists ${name} with (force)`),
    };
  };
  const own = await copy();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  return {
    kind: 'postgres',
    patrons,
    loans: patrons * loansPerPatron,
    seedSeconds,
    dataset,
    reused,
    copy,
    env: () => ({ DATABASE_URL: own.url, DATA_DIR: dataDir }),
    async dispose() {
      await own.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
