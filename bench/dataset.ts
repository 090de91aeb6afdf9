// The benchmark's databases: an embedded PGlite folder, or a scratch database on the PostgreSQL
// server of DATABASE_URL (created here, dropped at the end), each migrated and loaded with the
// demo library plus the scale dataset.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
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

export async function postgresTarget(
  url: string,
  patrons: number,
  loansPerPatron: number,
): Promise<BenchTarget> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  await admin(url, `create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const ownUrl = u.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  try {
    const seedSeconds = await load({ url: ownUrl }, patrons, loansPerPatron);
    return {
      kind: 'postgres',
      patrons,
      loans: patrons * loansPerPatron,
      seedSeconds,
      env: () => ({ DATABASE_URL: ownUrl, DATA_DIR: dataDir }),
      async dispose() {
        await admin(url, `drop database if exists ${name} with (force)`);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await admin(url, `drop database if exists ${name} with (force)`);
    throw err;
  }
}
