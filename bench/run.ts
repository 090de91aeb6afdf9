// npm run bench [-- options]: the scenarios against the protected server (src/main.ts, as `npm
// start` runs it) and the unprotected baseline (and, with --references, the two graphql-shield
// references), each a real server process driven over HTTP by the bench's own load generator.
// Per scenario: paired closed-loop rounds (baseline and protected alternate, the order swapped each
// round; a ratio per round, the median and its bootstrap 95% interval), then paired open-loop
// rounds at a fixed rate (a share of the baseline's measured req/s; latency from each request's
// intended send time, histograms merged over the rounds). Then the multi-writer scenario and cold
// starts. The report goes to bench/RESULTS.md (options: bench/options.ts, or `-- --help`).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname } from 'node:path';
import {
  benchScenarios,
  BENCH_AUDIENCE,
  BENCH_ISSUER,
  ROUTER_SECRET,
  type Scenario,
} from './scenarios.js';
import { pgliteTarget, postgresTarget, type BenchTarget, type PostgresTarget } from './dataset.js';
import { closedLoop, openLoopRun, RunFailed, Sender } from './http-load.js';
import { measure, probe, type Measured, type ServerProcess } from './load.js';
import { countPerRequest } from './count.js';
import { multiWriter, type MultiWriterResult } from './multi-writer.js';
import { parseOptions } from './options.js';
import { machineFacts, render, type ScenarioResult, type TargetResult } from './report.js';
import {
  ALL_VARIANTS,
  coldStart,
  root,
  startVariant,
  variantBundle,
  type VariantName,
} from './servers.js';
import { median } from './stats.js';
import { compile, ensureBuilt } from '../scripts/build.js';

const env = process.env;
const opts = parseOptions(process.argv.slice(2), env);
const VARIANTS: readonly VariantName[] = opts.references ? ALL_VARIANTS : ['baseline', 'protected'];
const LOANS_PER_PATRON = 10;

const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const load1 = () => loadavg()[0]!;

function describeRun(what: string, r: Measured): string {
  return `${what}: ${r.rps.toFixed(1)} req/s, p50 ${r.histogram.percentile(50).toFixed(1)} p99 ${r.histogram.percentile(99).toFixed(1)} ms, cpu ${r.serverCpuMs.toFixed(2)}+${r.postgresCpuMs.toFixed(2)} ms/req, generator ${r.generatorCpuMs.toFixed(2)} ms/req,${r.retries ? ` ${r.retries} keep-alive retries,` : ''} rss ${(r.peakRss / 2 ** 20).toFixed(0)} MB, load ${load1().toFixed(2)}`;
}

async function closedRun(
  server: ServerProcess,
  s: Scenario,
  database: string | undefined,
  seconds: number,
  what: string,
) {
  const sender = new Sender(server.base, s, opts.connections);
  try {
    return await measure([server], database, what, () =>
      closedLoop([sender], opts.connections, seconds),
    );
  } finally {
    sender.close();
  }
}

async function openRun(
  server: ServerProcess,
  s: Scenario,
  database: string | undefined,
  rate: number,
  what: string,
) {
  // Sockets enough for the rate's worst queue; past them requests wait in the agent, on the clock.
  const sender = new Sender(server.base, s, 256);
  try {
    return await measure([server], database, what, () => openLoopRun(sender, rate, opts.seconds));
  } finally {
    sender.close();
  }
}

async function benchScenario(
  s: Scenario,
  servers: Map<VariantName, ServerProcess>,
  database: string | undefined,
  kind: string,
): Promise<Omit<ScenarioResult, 'counts'>> {
  const load = { before: load1(), after: 0 };
  const summaries = new Map<VariantName, string>();
  for (const v of VARIANTS) summaries.set(v, await probe(servers.get(v)!, s));
  if (opts.warmup > 0)
    for (const v of VARIANTS)
      await closedRun(servers.get(v)!, s, database, opts.warmup, `s${s.id} ${v} warm-up`);
  const closed = new Map<VariantName, Measured[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < opts.rounds; r++) {
    // Paired: both in the same stretch of background load; who goes first alternates.
    const order = r % 2 ? [...VARIANTS].reverse() : VARIANTS;
    for (const v of order) {
      const res = await closedRun(servers.get(v)!, s, database, opts.seconds, `s${s.id} ${v}`);
      closed.get(v)!.push(res);
      log(describeRun(`${kind} s${s.id} ${v} closed round ${r + 1}`, res));
    }
  }
  const rate = opts.openFraction * median(closed.get('baseline')!.map((r) => r.rps));
  const open = new Map<'baseline' | 'protected', Measured[]>([
    ['baseline', []],
    ['protected', []],
  ]);
  for (let r = 0; r < opts.openRounds; r++) {
    const order =
      r % 2 ? (['protected', 'baseline'] as const) : (['baseline', 'protected'] as const);
    for (const v of order) {
      const res = await openRun(servers.get(v)!, s, database, rate, `s${s.id} ${v} open loop`);
      open.get(v)!.push(res);
      log(
        describeRun(
          `${kind} s${s.id} ${v} open round ${r + 1} at ${rate.toFixed(1)}/s (sender lag ≤ ${res.maxSendLagMs?.toFixed(1)} ms)`,
          res,
        ),
      );
    }
  }
  load.after = load1();
  return { scenario: s, summaries, closed, open, openRate: rate, load };
}

async function benchTarget(
  target: BenchTarget,
  scenarios: Scenario[],
  common: Record<string, string>,
): Promise<TargetResult> {
  const envOf = (v: VariantName) => ({ ...common, ...target.env(v) });
  const counts = new Map<VariantName, Awaited<ReturnType<typeof countPerRequest>>>();
  for (const v of VARIANTS) {
    log(`${target.kind}: counting statements, ${v}`);
    counts.set(v, await countPerRequest(v, envOf(v), scenarios));
  }
  // Whose PostgreSQL backends to measure: the run's database's (PGlite runs inside the server).
  const url = target.env('protected').DATABASE_URL;
  const database = url ? new URL(url).pathname.slice(1) : undefined;
  const servers = new Map<VariantName, ServerProcess>();
  const results: ScenarioResult[] = [];
  const done = (failure: string | null, multi: MultiWriterResult | null, cold: number[]) => ({
    target,
    variants: VARIANTS,
    scenarios: results,
    multiWriter: multi,
    coldStart: cold,
    failure,
  });
  try {
    for (const v of VARIANTS) servers.set(v, await startVariant(v, envOf(v)));
    for (const s of scenarios) {
      const r = await benchScenario(s, servers, database, target.kind);
      results.push({ ...r, counts: new Map(VARIANTS.map((v) => [v, counts.get(v)!.get(s.id)])) });
    }
  } catch (err) {
    // A refused run ends the bench; what was measured before it is still reported, under the failure.
    if (!(err instanceof RunFailed)) throw err;
    log(`FAILED: ${err.message}`);
    return done(err.message, null, []);
  } finally {
    for (const s of servers.values()) await s.stop();
  }
  const dashboard = scenarios.find((s) => s.id === '1');
  const multi =
    target.kind === 'postgres' && opts.writers > 0 && dashboard
      ? await multiWriter({
          target: target as PostgresTarget,
          adminUrl: env.DATABASE_URL!,
          env: common,
          scenario: dashboard,
          writers: opts.writers,
          connections: opts.connections,
          seconds: opts.seconds,
          warmup: opts.warmup,
          log,
        })
      : null;
  const cold: number[] = [];
  for (let i = 0; i < opts.coldStarts; i++) cold.push(await coldStart(envOf('protected')));
  if (cold.length) log(`cold npm start: ${cold.map((c) => c.toFixed(2)).join(', ')} s`);
  return done(null, multi, cold);
}

const started = new Date();
const loadBefore = loadavg();
const keys = await benchScenarios();
const scenarios = keys.scenarios.filter((s) => opts.scenarios.includes(s.id));
const common: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  JWT_ISSUER: BENCH_ISSUER,
  JWT_AUDIENCE: BENCH_AUDIENCE,
  JWT_PUBLIC_KEY: keys.publicKeyPem,
  ROUTER_SECRET,
  AUDIT_CHECKPOINT_KEY: randomBytes(32).toString('hex'),
  VENDOR_PSEUDONYM_KEY: randomBytes(32).toString('base64'),
  // Generous limits: the benchmark measures the request path, not the abuse limits.
  MAX_QUERY_COST: '10000000',
  MAX_QUERY_TOKENS: '10000',
  MAX_BODY_BYTES: '1000000',
  EXECUTION_TIMEOUT_MS: '60000',
  DATABASE_POOL_SIZE: '10',
  APOLLO_TELEMETRY_DISABLED: '1',
  // npm start's launcher sizes libuv's thread pool to the cores (scripts/start.cjs); every server gets the same.
  UV_THREADPOOL_SIZE: String(availableParallelism()),
};

await compile('bench/variant-server.ts', variantBundle);
await ensureBuilt();
const results: TargetResult[] = [];
for (const kind of opts.targets) {
  const target =
    kind === 'pglite'
      ? await pgliteTarget(opts.pglitePatrons, LOANS_PER_PATRON, VARIANTS)
      : await postgresTarget(env.DATABASE_URL!, opts.pgPatrons, LOANS_PER_PATRON, log);
  log(
    `${target.kind}: ${target.patrons} patrons, ${target.loans} loans ${target.seedSeconds ? `seeded in ${target.seedSeconds.toFixed(1)} s` : 'reused'}`,
  );
  try {
    results.push(await benchTarget(target, scenarios, common));
  } finally {
    await target.dispose();
  }
}
const doc = render({
  options: opts,
  command: ['npm run bench', ...process.argv.slice(2)].join(' '),
  machine: machineFacts(started, new Date(), loadBefore, loadavg(), env.DATABASE_URL),
  results,
});
if (results.some((r) => r.failure)) process.exitCode = 1;
const out = opts.out ?? (opts.quick ? `${root}bench/.tmp/RESULTS.md` : `${root}bench/RESULTS.md`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, doc);
process.stdout.write(doc);
log(`report written to ${out}`);
