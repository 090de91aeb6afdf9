// One process per embedded data folder: PGlite 0.5.17 lets a second opener in, and two writers
// lose rows (docs/embedded-database.md). The lock refuses a second open, a folder copied while
// held, and a lock it cannot check; it takes over a lock whose process is gone. Opening a PGlite
// folder costs seconds, so the tests share one, and the lock's own cases skip PGlite.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'data-dir-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refusal(dataDir: string): Promise<DataDirInUseError> {
  const err = await openDatabase({ dataDir }).then(
    async (db) => {
      await db.close();
      throw new Error('opened');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof DataDirInUseError)) throw err;
  return err;
}

const pglite = (db: Database) => {
  if (db.kind !== 'pglite') throw new Error('unreachable');
  return db.client;
};

describe('the embedded data folder lock', () => {
  const dir = join(root, 'original');
  let reopened: Database | null = null;
  afterAll(() => reopened?.close());

  test('a second open in the same process is refused until the first closes; the rows stay', async () => {
    const first = await openDatabase({ dataDir: dir });
    await pglite(first).exec(
      'create table t (id int primary key); insert into t select generate_series(1, 100)',
    );
    const err = await refusal(dir);
    expect([err.reason, err.holder?.pid]).toEqual(['held', process.pid]);
    await first.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    reopened = await openDatabase({ dataDir: dir });
    expect((await pglite(reopened).query('select count(*)::int n from t')).rows).toEqual([
      { n: 100 },
    ]);
  }, 120_000); // a new PGlite folder runs initdb: seconds, tens of them on a busy machine

  test('a copy of a held folder is refused, naming the folder it was copied from', async () => {
    expect(reopened).not.toBeNull(); // held since the test above
    const copy = join(root, 'copy');
    cpSync(dir, copy, { recursive: true });
    const err = await refusal(copy);
    expect([err.reason, err.holder?.dataDir, err.message]).toEqual([
      'copied',
      dir,
      expect.stringContaining(
        `copied or moved from ${dir} while process ${process.pid} had it open`,
      ),
    ]);
    await reopened!.close();
    reopened = null;
    // Still refused once the original is closed: the copy itself is what is suspect.
    expect((await refusal(copy)).reason).toBe('copied');
  });

  test('a lock from another host, or one that is not a lock, is refused and left as it is', () => {
    const bare = join(root, 'foreign');
    mkdirSync(bare);
    const lock = join(bare, LOCK_FILE);
    const foreign = JSON.stringify({
      pid: 1,
      hostname: `not-${hostname()}`,
      dataDir: bare,
      token: 'x',
      since: 'then',
    });
    writeFileSync(lock, foreign);
    expect(() => lockDataDir(bare)).toThrow(
      expect.objectContaining({
        reason: 'other-host',
        holder: expect.objectContaining({ pid: 1 }),
      }),
    );
    expect(readFileSync(lock, 'utf8')).toBe(foreign);
    writeFileSync(lock, 'garbage');
    expect(() => lockDataDir(bare)).toThrow(expect.objectContaining({ reason: 'unreadable' }));
    expect(readFileSync(lock, 'utf8')).toBe('garbage');
  });

  test('a lock left by a process that is gone is taken over, and released on close', () => {
    const bare = join(root, 'stale');
    mkdirSync(bare);
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const lock = join(bare, LOCK_FILE);
    writeFileSync(
      lock,
      JSON.stringify({
        pid: deadPid,
        hostname: hostname(),
        dataDir: bare,
        token: 'old',
        since: 'then',
      }),
    );
    const taken = lockDataDir(bare);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({
      pid: process.pid,
      dataDir: bare,
    });
    taken.release();
    expect(existsSync(lock)).toBe(false);
  });
});
