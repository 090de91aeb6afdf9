// `npm start` runs the compiled server (scripts/start.cjs builds dist/main.js from src/ when a
// source changed). The rest of the suite runs src/ through vitest; this runs the bundle itself, as
// production does: it must find its SDL and migrations (bundled modules get their source file's
// import.meta.url back), migrate and seed a new embedded database, serve, and stop on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { DataDirInUseError, EXIT_DATA_DIR_IN_USE, LOCK_FILE } from '../../src/db/data-dir-lock.js';

const dataDir = mkdtempSync(join(tmpdir(), 'start-test-'));
let server: ChildProcess | null = null;
afterAll(() => {
  // A failed assertion must not leave the server running (and holding its folder).
  if (server?.exitCode === null) server.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('the compiled server starts on a new embedded database, serves the subgraph, and drains on SIGTERM', async () => {
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
  server = child;
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
      const ready = /"url":"([^"]+)".*subgraph ready/.exec(log);
      if (ready) resolve(ready[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${log}`)));
  });
  expect(log).toContain('demo library loaded');

  const health = await fetch(url.replace(/\/graphql$/, '/health'));
  expect(health.status).toBe(200);
  const post = (query: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }).then((r) => r.json());
  const sdl = (await post('{ _service { sdl } }')) as { data: { _service: { sdl: string } } };
  expect(sdl.data._service.sdl).toMatch(/type Patron\s+@key\(fields: "id"\)/);
  const anonymous = (await post('{ patron(id: "pat_adalovelace") { name } }')) as {
    data: unknown;
    errors: { extensions: { code: string } }[];
  };
  expect({ data: anonymous.data, codes: anonymous.errors.map((e) => e.extensions.code) }).toEqual({
    data: { patron: null },
    codes: ['UNAUTHENTICATED'],
  });

  // The folder is the server's while it runs: a second opener (here a CLI) is refused, not let in
  // to write beside it (docs/embedded-database.md: two PGlite processes on one folder lose rows).
  const inUse = await refusal();
  expect([inUse.reason, inUse.holder?.pid]).toEqual(['held', child.pid]);
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/scripts/migrate.ts'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'development', DATA_DIR: dataDir },
    encoding: 'utf8',
  });
  expect([cli.status, cli.stdout, cli.stderr]).toEqual([
    EXIT_DATA_DIR_IN_USE,
    '',
    expect.stringMatching(
      new RegExp(
        `^the embedded database is in use by process ${child.pid} \\(since .+\\); stop it first`,
      ),
    ),
  ]);

  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
  expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
}, 120_000);

async function refusal(): Promise<DataDirInUseError> {
  const err = await openDatabase({ dataDir }).then(
    async (db) => {
      await db.close();
      throw new Error('opened a folder the server holds');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof DataDirInUseError)) throw err;
  return err;
}
