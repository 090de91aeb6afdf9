// Server processes and what a load run costs: spawn a server (the real src/main.ts, or a bench
// variant), wait for /health; while a run drives it, sample its resident memory and read the CPU
// time of the servers, of the database's backends and of the load generator itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { RunFailed, type LoadRun } from './http-load.js';
import type { Scenario } from './scenarios.js';

export interface ServerProcess {
  pid: number;
  base: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(
  base: string,
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('server did not become healthy');
}

/**
 * A server's environment: the bench's own, minus DATABASE_URL (the bench's DATABASE_URL names the
 * server to make scratch databases on; a PGlite target's servers must not inherit it), plus `env`.
 */
export function serverEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  // Scenarios that are refused on purpose must measure the refusal, not the 429 after the limit.
  return { REFUSAL_LIMIT: '1000000000', ...rest, ...env };
}

/**
 * The node options of `npm start` (package.json: `node <options> scripts/start.cjs`). Every server
 * the bench measures runs with them, so the servers differ in code, not in how node runs it.
 */
export function startNodeOptions(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const m = /^node((?: --[\w-]+(?:=\S+)?)*) scripts\/start\.cjs$/.exec(pkg.scripts.start);
  if (!m)
    throw new Error(
      `package.json start is not "node [--options] scripts/start.cjs": ${pkg.scripts.start}`,
    );
  return m[1]!.trim().split(' ').filter(Boolean);
}

/** `node <npm start's options> <script> ...args`, a compiled server (see run.ts): the pid is the server itself. */
export async function startProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...startNodeOptions(), script, ...args], {
    env: { ...serverEnv(env), PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, child);
  return {
    pid: child.pid!,
    base,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** CPU time (user + system, ms) a process has used, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time of the PostgreSQL backends serving `database` (their process title names it), by pid:
 * a backend of another database, or one that ends during the run, must not count.
 */
function postgresCpuByPid(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (title.includes(` ${database} `)) out.set(Number(pid), cpuMs(Number(pid)));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU the backends of `database` used between two snapshots (a backend new since the first counts from zero). */
function postgresCpuSince(database: string, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpuByPid(database)) total += ms - (before.get(pid) ?? 0);
  return total;
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // exited: its stop is reported elsewhere
  }
}

/** A load run with what it cost, per request: the servers', the database's and the generator's own CPU. */
export interface Measured extends LoadRun {
  rps: number;
  /** Largest resident set of any one server process during the run. */
  peakRss: number;
  /** CPU ms per request of the server processes (PGlite runs inside them). */
  serverCpuMs: number;
  /** CPU ms per request of the PostgreSQL backends serving the run's database (0 on PGlite). */
  postgresCpuMs: number;
  /** CPU ms per request of this process, the load generator, on the same cores. */
  generatorCpuMs: number;
}

/**
 * Runs `load` against `servers` and measures it; `database`: the PostgreSQL database they use,
 * whose backends' CPU counts (none for PGlite). Refuses a run with any failed answer (RunFailed).
 */
export async function measure(
  servers: ServerProcess[],
  database: string | undefined,
  what: string,
  load: () => Promise<LoadRun>,
): Promise<Measured> {
  let peakRss = Math.max(...servers.map((s) => rssBytes(s.pid)));
  const sampler = setInterval(() => {
    for (const s of servers) peakRss = Math.max(peakRss, rssBytes(s.pid));
  }, 50);
  const cpu0 = servers.map((s) => cpuMs(s.pid));
  const pg0 = database ? postgresCpuByPid(database) : new Map<number, number>();
  // The generator's window is the load alone: the /proc scans around it are the bench's, not its.
  const gen0 = process.cpuUsage();
  let run: LoadRun;
  let gen: NodeJS.CpuUsage;
  try {
    run = await load();
  } finally {
    gen = process.cpuUsage(gen0);
    clearInterval(sampler);
  }
  const serverCpu = servers.reduce((sum, s, i) => sum + cpuMs(s.pid) - cpu0[i]!, 0);
  const postgresCpu = database ? postgresCpuSince(database, pg0) : 0;
  for (const s of servers) peakRss = Math.max(peakRss, rssBytes(s.pid));
  if (run.failures)
    throw new RunFailed(
      `${what}: ${run.failures} of ${run.requests} answers failed, the first ${run.firstFailure}; the run does not count`,
    );
  const n = Math.max(1, run.requests);
  return {
    ...run,
    rps: run.requests / (run.elapsedMs / 1000),
    peakRss,
    serverCpuMs: serverCpu / n,
    postgresCpuMs: postgresCpu / n,
    generatorCpuMs: (gen.user + gen.system) / 1000 / n,
  };
}

/** One request, checked: HTTP 200, no errors, and a summary of what came back (to compare variants). */
export async function probe(server: ServerProcess, s: Scenario): Promise<string> {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: s.headers,
    body: s.body,
  });
  const body = (await res.json()) as {
    data?: unknown;
    errors?: { extensions?: { code?: string } }[];
  };
  if (res.status !== 200 || body.errors?.length) {
    throw new RunFailed(
      `scenario ${s.id}: HTTP ${res.status} ${JSON.stringify(body.errors?.map((e) => e.extensions?.code))}`,
    );
  }
  return summarise(body.data);
}

/** Counts of non-null leaf values: equal across variants when they served the same data. */
export function summarise(data: unknown): string {
  let values = 0;
  let nulls = 0;
  const walk = (v: unknown): void => {
    if (v === null) nulls++;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') Object.values(v as object).forEach(walk);
    else values++;
  };
  walk(data);
  return `${values} values, ${nulls} nulls`;
}
