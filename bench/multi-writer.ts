// The multi-writer scenario: several protected server processes on one PostgreSQL database under
// the dashboard load, as replicas behind a router would be. While it runs, pg_stat_activity is
// sampled for backends of that database waiting on a lock (wait_event_type 'Lock') in a statement
// of the audit log, to tell how much of a request's latency is spent queueing for the audit's
// locks; afterwards the servers stop (each writes its final checkpoint) and `npm run audit:verify`
// must prove the log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { PostgresTarget } from './dataset.js';
import { closedLoop, Sender } from './http-load.js';
import { measure, serverEnv, type Measured, type ServerProcess } from './load.js';
import type { Scenario } from './scenarios.js';
import { root, startVariant } from './servers.js';

export interface MultiWriterResult {
  writers: number;
  run: Measured;
  /** Mean latency of the run's requests (ms). */
  meanLatencyMs: number;
  /** Backend-milliseconds spent waiting on any lock, and on a lock in an audit statement, per request. */
  lockWaitMsPerRequest: number;
  auditLockWaitMsPerRequest: number;
  /** The wait events seen on audit statements (e.g. advisory, transactionid). */
  auditWaitEvents: string[];
  samples: number;
  verify: { ok: boolean; output: string };
}

/** Samples lock waits every `everyMs` until stopped; waits are integrated over sample intervals. */
export function lockSampler(adminUrl: string, database: string, everyMs: number) {
  const client = new pg.Client({ connectionString: adminUrl });
  let running = true;
  let lockMs = 0;
  let auditMs = 0;
  let samples = 0;
  const events = new Set<string>();
  const done = (async () => {
    await client.connect();
    let last = performance.now();
    while (running) {
      const { rows } = await client.query<{ event: string; audit: boolean }>(
        `select wait_event as event, query ilike '%audit%' as audit from pg_stat_activity
          where datname = $1 and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        [database],
      );
      const now = performance.now();
      const dt = now - last;
      last = now;
      samples++;
      lockMs += rows.length * dt;
      for (const r of rows.filter((r) => r.audit)) {
        auditMs += dt;
        events.add(r.event);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { lockMs, auditMs, samples, events: [...events] };
    },
  };
}

export async function multiWriter(o: {
  target: PostgresTarget;
  adminUrl: string;
  env: Record<string, string>;
  scenario: Scenario;
  writers: number;
  connections: number;
  seconds: number;
  warmup: number;
  log: (msg: string) => void;
}): Promise<MultiWriterResult> {
  const db = await o.target.copy();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-mw-'));
  const servers: ServerProcess[] = [];
  try {
    const env = { ...o.env, DATABASE_URL: db.url, DATA_DIR: dataDir };
    for (let i = 0; i < o.writers; i++) servers.push(await startVariant('protected', env));
    const senders = () => servers.map((s) => new Sender(s.base, o.scenario, o.connections));
    if (o.warmup > 0) {
      const warm = senders();
      await measure(servers, db.name, 'multi-writer warm-up', () =>
        closedLoop(warm, o.connections, o.warmup),
      ).finally(() => warm.forEach((s) => s.close()));
    }
    const sampler = lockSampler(o.adminUrl, db.name, 20);
    const load = senders();
    let run: Measured;
    try {
      run = await measure(servers, db.name, `multi-writer (${o.writers} servers)`, () =>
        closedLoop(load, o.connections, o.seconds),
      );
    } finally {
      load.forEach((s) => s.close());
    }
    const waits = await sampler.stop();
    for (const s of servers.splice(0)) await s.stop();
    const verify = spawnSync('npm', ['run', '--silent', 'audit:verify'], {
      cwd: root,
      env: serverEnv(env),
      encoding: 'utf8',
    });
    const output = `${verify.stdout}${verify.stderr}`.trim().split('\n').slice(-3).join(' ');
    const result: MultiWriterResult = {
      writers: o.writers,
      run,
      meanLatencyMs: run.histogram.mean,
      lockWaitMsPerRequest: waits.lockMs / run.requests,
      auditLockWaitMsPerRequest: waits.auditMs / run.requests,
      auditWaitEvents: waits.events,
      samples: waits.samples,
      verify: { ok: verify.status === 0, output },
    };
    o.log(
      `multi-writer: ${run.rps.toFixed(0)} req/s, mean ${result.meanLatencyMs.toFixed(0)} ms, audit lock wait ${result.auditLockWaitMsPerRequest.toFixed(2)} ms/req (${waits.samples} samples); audit:verify ${verify.status}: ${output}`,
    );
    return result;
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
