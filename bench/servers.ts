// The servers the bench measures, each a real process run the way `npm start` runs the subgraph.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  serverEnv as serverEnvOf,
  startProcess,
  waitForHealth,
  type ServerProcess,
} from './load.js';

export const ALL_VARIANTS = [
  'baseline',
  'protected',
  'default-shield',
  'default-shield-strict',
] as const;
export type VariantName = (typeof ALL_VARIANTS)[number];

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every server runs compiled, as `npm start` runs the real one (scripts/start.cjs: the bundle of
 * src/main.ts): the comparison servers are bundled the same way (run.ts compiles this bundle), so
 * the servers differ in their code, not in how it is loaded.
 */
export const variantBundle = `${root}dist/bench/variant-server.js`;

export function startVariant(v: VariantName, env: Record<string, string>): Promise<ServerProcess> {
  return v === 'protected'
    ? startProcess(`${root}scripts/start.cjs`, [], env)
    : startProcess(variantBundle, [v], env);
}

/** Spawn `npm start` on an existing database and time it to /health 200 (seconds). */
export async function coldStart(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...serverEnvOf(env), PORT: String(port) },
    stdio: 'ignore',
    detached: true,
  });
  try {
    await waitForHealth(`http://127.0.0.1:${port}`, child);
    return (performance.now() - started) / 1000;
  } finally {
    // npm → sh → node: stop the whole group and wait until every process of it is gone, so the
    // server closes PGlite cleanly (a killed one leaves the next start a recovery to do); SIGKILL
    // only if it hangs.
    const group = -child.pid!;
    process.kill(group, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (groupAlive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(group)) process.kill(group, 'SIGKILL');
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}
