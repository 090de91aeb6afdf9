// Renders bench/RESULTS.md from one run: the machine it ran on, one table of paired closed-loop
// rounds, one of open-loop latency, the multi-writer scenario, and the issue's targets checked.
import { execSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { Counts } from './count.js';
import type { BenchTarget, PostgresTarget } from './dataset.js';
import { LogHistogram } from './histogram.js';
import type { Measured } from './load.js';
import type { MultiWriterResult } from './multi-writer.js';
import type { BenchOptions } from './options.js';
import type { Scenario } from './scenarios.js';
import type { VariantName } from './servers.js';
import { bootstrapMedian, median, type Interval } from './stats.js';

export interface ScenarioResult {
  scenario: Scenario;
  summaries: Map<VariantName, string>;
  closed: Map<VariantName, Measured[]>;
  open: Map<'baseline' | 'protected', Measured[]>;
  openRate: number;
  /** 1-minute load average before and after the scenario's runs. */
  load: { before: number; after: number };
  counts: Map<VariantName, Counts | undefined>;
}

export interface TargetResult {
  target: BenchTarget;
  variants: readonly VariantName[];
  scenarios: ScenarioResult[];
  multiWriter: MultiWriterResult | null;
  coldStart: number[];
  /** Set when a run was refused (a failed answer): the bench stopped there. */
  failure: string | null;
}

const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const mb = (b: number) => f(b / 2 ** 20);
const ci = (i: Interval, d = 2) => `**${f(i.median, d)}** [${f(i.low, d)}, ${f(i.high, d)}]`;
const range = (xs: number[], d = 2) => `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`;

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

export function machineFacts(
  started: Date,
  finished: Date,
  loadBefore: number[],
  loadAfter: number[],
  databaseUrl: string | undefined,
): string {
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  return [
    `- date: ${started.toISOString()}, took ${f((finished.getTime() - started.getTime()) / 1000)} s`,
    `- CPU: ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores; memory ${f(totalmem() / 2 ** 30)} GiB`,
    `- node ${process.version}; PostgreSQL ${databaseUrl ? sh(`psql "${databaseUrl}" -Atc 'show server_version'`) : 'not used'}`,
    `- load average (1 / 5 / 15 min) before ${la(loadBefore)}, after ${la(loadAfter)}: the cores are shared with other engineers' work, and the bench's load generator runs on them too (its CPU is in the tables)`,
  ].join('\n');
}

const cpuOf = (kind: string) => (r: Measured) =>
  r.serverCpuMs + (kind === 'postgres' ? r.postgresCpuMs : 0);

/** Per-round ratios of `variant` to the baseline (rounds are paired by index) and their interval. */
function paired(s: ScenarioResult, variant: VariantName, of: (r: Measured) => number) {
  const base = s.closed.get('baseline')!;
  const ratios = s.closed.get(variant)!.map((r, i) => of(r) / of(base[i]!));
  return { ratios, interval: bootstrapMedian(ratios) };
}

interface Derived {
  s: ScenarioResult;
  rps: ReturnType<typeof paired>;
  cpu: ReturnType<typeof paired>;
  merged: { baseline: LogHistogram; protected: LogHistogram };
  p99Ratio: number;
  p99Rounds: number[];
}

function derive(kind: string, s: ScenarioResult): Derived {
  const merged = {
    baseline: LogHistogram.merged(s.open.get('baseline')!.map((r) => r.histogram)),
    protected: LogHistogram.merged(s.open.get('protected')!.map((r) => r.histogram)),
  };
  const ob = s.open.get('baseline')!;
  return {
    s,
    rps: paired(s, 'protected', (r) => r.rps),
    cpu: paired(s, 'protected', cpuOf(kind)),
    merged,
    p99Ratio: merged.protected.percentile(99) / merged.baseline.percentile(99),
    p99Rounds: s.open
      .get('protected')!
      .map((r, i) => r.histogram.percentile(99) / ob[i]!.histogram.percentile(99)),
  };
}

function closedTable(kind: string, ds: Derived[]): string {
  const cpu = cpuOf(kind);
  const rows = ds.map(({ s, rps, cpu: c }) => {
    const b = s.closed.get('baseline')!;
    const p = s.closed.get('protected')!;
    const n = (v: VariantName) => s.counts.get(v);
    const same = s.summaries.get('protected') === s.summaries.get('baseline');
    return `| ${s.scenario.id}. ${s.scenario.name} | ${f(median(b.map((r) => r.rps)), 1)} | ${f(median(p.map((r) => r.rps)), 1)} | ${ci(rps.interval)} | ${rps.ratios.map((x) => f(x, 2)).join(' ')} | ${f(median(b.map(cpu)), 2)} | ${f(median(p.map(cpu)), 2)} | ${ci(c.interval)} | ${f(n('baseline')?.statements ?? NaN, 1)} / ${f(n('protected')?.statements ?? NaN, 1)} | ${f(n('protected')?.auditWrites ?? NaN, 1)} | ${s.summaries.get('protected')}${same ? '' : ` ≠ baseline's ${s.summaries.get('baseline')}`} |`;
  });
  return [
    `| scenario | baseline req/s | protected req/s | protected ÷ baseline req/s: median [95% CI] | per-round ratios | CPU ms/req baseline${kind === 'postgres' ? ' (server + database)' : ''} | CPU ms/req protected | CPU ÷ baseline: median [95% CI] | SQL statements/req baseline / protected | audit writes/req | answer |`,
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

function openTable(ds: Derived[]): string {
  const rows = ds.map(({ s, merged, p99Ratio, p99Rounds }) => {
    const b = merged.baseline;
    const p = merged.protected;
    return `| ${s.scenario.id} | ${f(s.openRate, 1)} | ${b.count} / ${p.count} | ${f(b.percentile(50), 1)} | ${f(p.percentile(50), 1)} | ${f(b.percentile(99), 1)} | ${f(p.percentile(99), 1)} | **${f(p99Ratio, 2)}** | ${p99Rounds.map((x) => f(x, 2)).join(' ')} | ${f(b.max, 0)} / ${f(p.max, 0)} |`;
  });
  return [
    '| scenario | rate req/s | requests baseline / protected | p50 ms baseline | p50 ms protected | p99 ms baseline | p99 ms protected | p99 ÷ baseline | per-round p99 ratios | max ms baseline / protected |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows,
  ].join('\n');
}

function noiseTable(ds: Derived[]): string {
  const rows = ds.map(({ s, rps }) => {
    const b = s.closed.get('baseline')!.map((r) => r.rps);
    const spread = (Math.max(...b) - Math.min(...b)) / median(b);
    const all = [...s.closed.values(), ...s.open.values()].flat();
    const closedAll = [...s.closed.values()].flat();
    const openAll = [...s.open.values()].flat();
    // The generator's share of one core: its CPU per request times requests per second.
    const share = median(all.map((r) => (r.generatorCpuMs * r.rps) / 1000));
    const retries = all.reduce((n, r) => n + r.retries, 0);
    return `| ${s.scenario.id} | ${range(b, 1)} (${f(spread * 100)}%) | ${f((rps.interval.high - rps.interval.low) * 100)} points | ${f(median(closedAll.map((r) => r.generatorCpuMs)), 2)} / ${f(median(openAll.map((r) => r.generatorCpuMs)), 2)} | ${f(share * 100)}% | ${retries} | ${f(s.load.before, 2)} → ${f(s.load.after, 2)} |`;
  });
  return [
    '| scenario | baseline req/s over the rounds (spread) | width of the req/s ratio CI | load generator CPU ms/req, closed / open loop | generator, share of a core | requests resent after a keep-alive reset | load average (1 min) before → after |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function referencesTable(kind: string, variants: readonly VariantName[], ds: Derived[]): string {
  const refs = variants.filter((v) => v !== 'baseline' && v !== 'protected');
  if (!refs.length) return '';
  const rows = ds.flatMap(({ s }) =>
    refs.map(
      (v) =>
        `| ${s.scenario.id} | ${v} | ${f(median(s.closed.get(v)!.map((r) => r.rps)), 1)} | ${ci(paired(s, v, (r) => r.rps).interval)} | ${ci(paired(s, v, cpuOf(kind)).interval)} |`,
    ),
  );
  return [
    '\n### graphql-shield references (closed loop, same rounds)\n',
    '| scenario | server | req/s | ÷ baseline req/s [95% CI] | CPU ÷ baseline [95% CI] |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function multiWriterSection(m: MultiWriterResult | null, kind: string): string {
  if (!m)
    return kind === 'postgres'
      ? 'Not run (--writers 0 or scenario 1 not selected).'
      : 'Not run: PGlite is one process per data folder.';
  const fraction = m.auditLockWaitMsPerRequest / m.meanLatencyMs;
  return [
    `${m.writers} protected server processes on one database, the dashboard (scenario 1) load spread over them round-robin; pg_stat_activity sampled every 20 ms (${m.samples} samples) for backends waiting on a lock.`,
    '',
    '| req/s | mean latency ms | p99 ms | audit lock wait ms/req | share of latency | any lock wait ms/req | wait events on audit statements | server + database CPU ms/req | `npm run audit:verify` |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    `| ${f(m.run.rps, 1)} | ${f(m.meanLatencyMs, 1)} | ${f(m.run.histogram.percentile(99), 1)} | ${f(m.auditLockWaitMsPerRequest, 2)} | **${f(fraction * 100, 1)}%** | ${f(m.lockWaitMsPerRequest, 2)} | ${m.auditWaitEvents.join(', ') || 'none seen'} | ${f(m.run.serverCpuMs + m.run.postgresCpuMs, 2)} | ${m.verify.ok ? 'exit 0' : 'FAILED'}: ${m.verify.output} |`,
  ].join('\n');
}

function verdicts(r: TargetResult, ds: Derived[]): string {
  const out: string[] = [];
  const check = (ok: boolean, text: string) =>
    out.push(`- ${ok ? 'holds' : 'DOES NOT HOLD'}: ${text}`);
  for (const d of ds.filter((d) => d.s.scenario.id !== '4')) {
    const id = d.s.scenario.id;
    check(
      d.rps.interval.median >= 0.9 && d.rps.interval.low >= 0.85,
      `scenario ${id}: protected ÷ baseline req/s ${f(d.rps.interval.median, 2)}, CI [${f(d.rps.interval.low, 2)}, ${f(d.rps.interval.high, 2)}] (target ≥ 0.9, lower bound ≥ 0.85)`,
    );
    check(
      d.cpu.interval.median <= 1.15,
      `scenario ${id}: CPU per request ÷ baseline ${f(d.cpu.interval.median, 2)}, CI [${f(d.cpu.interval.low, 2)}, ${f(d.cpu.interval.high, 2)}] (target ≤ 1.15)`,
    );
    check(
      d.p99Ratio <= 1.15,
      `scenario ${id}: open-loop p99 at ${f(d.s.openRate, 1)} req/s ${f(d.merged.protected.percentile(99), 1)} ÷ ${f(d.merged.baseline.percentile(99), 1)} ms = ${f(d.p99Ratio, 2)} (target ≤ 1.15)`,
    );
  }
  const m = r.multiWriter;
  if (m) {
    const fraction = m.auditLockWaitMsPerRequest / m.meanLatencyMs;
    check(
      fraction < 0.05,
      `multi-writer: audit lock wait ${f(m.auditLockWaitMsPerRequest, 2)} ms of a mean ${f(m.meanLatencyMs, 1)} ms per request = ${f(fraction * 100, 1)}% (target < 5%)`,
    );
    check(m.verify.ok, `multi-writer: \`npm run audit:verify\` afterwards: ${m.verify.output}`);
  }
  const peaks = ds.flatMap((d) =>
    [...d.s.closed.get('protected')!, ...d.s.open.get('protected')!].map((x) => x.peakRss),
  );
  const peak = Math.max(...peaks, ...(m ? [m.run.peakRss] : []));
  check(
    peak < 300 * 2 ** 20,
    `peak RSS of a protected server under load: ${mb(peak)} MB (target < 300)`,
  );
  if (r.coldStart.length)
    check(
      median(r.coldStart) < 3,
      `cold \`npm start\` to /health 200: median ${f(median(r.coldStart), 2)} s of ${r.coldStart.map((c) => f(c, 2)).join(', ')} (target < 3 s)`,
    );
  return out.join('\n');
}

function targetSection(o: BenchOptions, r: TargetResult): string {
  const kind = r.target.kind;
  const ds = r.scenarios.map((s) => derive(kind, s));
  const pg = kind === 'postgres' ? (r.target as PostgresTarget) : null;
  const dataset = `${r.target.patrons.toLocaleString('en')} patrons, ${r.target.loans.toLocaleString('en')} loans (2 current each), a fine for one patron in ten; ${pg ? (pg.reused ? `dataset ${pg.dataset} reused, copied for this run` : `seeded into ${pg.dataset} in ${f(r.target.seedSeconds)} s`) : `seeded in ${f(r.target.seedSeconds)} s`}`;
  const failed = r.failure
    ? `\n**THE BENCH FAILED: ${r.failure}.** It stopped there; the tables hold what was measured before.\n`
    : '';
  return `## ${kind === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded)'}
${failed}
${dataset}.

### Throughput and CPU: ${o.rounds} paired closed-loop rounds of ${o.seconds} s, ${o.connections} connections

${closedTable(kind, ds)}
${referencesTable(kind, r.variants, ds)}

### Latency at a fixed rate: ${o.openRounds} paired open-loop rounds of ${o.seconds} s at ${f(o.openFraction * 100)}% of the baseline's req/s

Latency is timed from each request's intended send time; each server's histogram is merged over its rounds.

${openTable(ds)}

### How noisy

${noiseTable(ds)}

### Multi-writer

${multiWriterSection(r.multiWriter, kind)}

### Targets

${verdicts(r, ds)}
`;
}

export function render(o: {
  options: BenchOptions;
  command: string;
  machine: string;
  results: TargetResult[];
}): string {
  const opt = o.options;
  return `# Benchmark results

Generated by \`npm run bench${opt.quick ? ' -- --quick' : ''}\` (bench/run.ts); do not edit by hand. ${opt.quick ? '**Quick mode: a smoke test, its figures mean nothing.** ' : ''}The
protected server is \`src/main.ts\` as \`npm start\` runs it (the rule tree and the audit log); the
baseline is the same app (\`createSubgraphApp\`) on \`buildUnprotectedSchema()\` with no shield, no
audit and no authorization call at all (bench/variant-server.ts). Each is a server process driven
over HTTP by the bench's own load generator; every answer must be HTTP 200 without GraphQL errors
or the run is refused. Ratios are per paired round (baseline and protected back to back, the order
swapped each round), with the median and a percentile-bootstrap 95% interval of the median
(10,000 resamples). CPU per request is the server process's CPU time${o.results.some((r) => r.target.kind === 'postgres') ? " plus that of the PostgreSQL backends serving the run's database" : ''} (from /proc),
divided by the requests answered. Warm-up ${opt.warmup} s per server and scenario, not counted.

## Machine

${o.machine}
- command: \`${o.command}\`

${o.results.map((r) => targetSection(opt, r)).join('\n')}`;
}
