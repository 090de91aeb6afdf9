// npm run bench -- [options]. Defaults are the full run the issue asks for; --quick is a smoke test
// of every part (seconds, not minutes), whose figures mean nothing.
import { parseArgs } from 'node:util';

export const SCENARIO_KEYS = ['1', '2', '2c', '3', '4'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Seconds of each closed-loop and open-loop run. */
  seconds: number;
  /** Paired closed-loop rounds (baseline and protected alternate, order swapped each round). */
  rounds: number;
  /** Paired open-loop rounds at the fixed rate. */
  openRounds: number;
  /** Seconds of warm-up per server and scenario, not counted. */
  warmup: number;
  connections: number;
  /** The open loop's rate as a fraction of the baseline's measured closed-loop req/s. */
  openFraction: number;
  targets: ('pglite' | 'postgres')[];
  pgPatrons: number;
  pglitePatrons: number;
  scenarios: ScenarioKey[];
  /** Also measure the graphql-shield references (default-shield, default-shield-strict). */
  references: boolean;
  /** Server processes of the multi-writer scenario (PostgreSQL); 0 skips it. */
  writers: number;
  coldStarts: number;
  out: string | null;
}

const HELP = `npm run bench -- [options]
  --quick               smoke test: 2 s runs, 2 rounds, 2,000 patrons (figures mean nothing)
  --seconds N           seconds per run (default 10)
  --rounds N            paired closed-loop rounds (default 5)
  --open-rounds N       paired open-loop rounds (default 3)
  --connections N       closed-loop connections (default 16)
  --open-fraction F     open-loop rate as a fraction of the baseline's req/s (default 0.7)
  --targets LIST        postgres,pglite (default: postgres when DATABASE_URL is set, else pglite)
  --patrons N           PostgreSQL dataset: N patrons, 10 loans each (default 100000)
  --pglite-patrons N    PGlite dataset (default 2000)
  --scenarios LIST      of 1,2,2c,3,4 (default all; 2c = scenario 2 as circulation staff)
  --references          also the graphql-shield references (default-shield, -strict)
  --writers N           multi-writer scenario's server processes (default 4; 0 skips it)
  --cold-starts N       cold \`npm start\` timings (default 3)
  --out FILE            where the report goes (default bench/RESULTS.md; quick: bench/.tmp/RESULTS.md)`;

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function positive(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}: ${v}`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      'open-rounds': { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'open-fraction': { type: 'string' },
      targets: { type: 'string' },
      patrons: { type: 'string' },
      'pglite-patrons': { type: 'string' },
      scenarios: { type: 'string' },
      references: { type: 'boolean', default: false },
      writers: { type: 'string' },
      'cold-starts': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const targets = values.targets
    ? list(values.targets)
    : env.DATABASE_URL
      ? ['postgres']
      : ['pglite'];
  for (const t of targets)
    if (t !== 'pglite' && t !== 'postgres') throw new Error(`--targets: unknown target ${t}`);
  if (targets.includes('postgres') && !env.DATABASE_URL)
    throw new Error('--targets postgres needs DATABASE_URL (the server to make databases on)');
  const scenarios = values.scenarios ? list(values.scenarios) : [...SCENARIO_KEYS];
  for (const s of scenarios)
    if (!(SCENARIO_KEYS as readonly string[]).includes(s))
      throw new Error(`--scenarios: unknown scenario ${s} (of ${SCENARIO_KEYS.join(', ')})`);
  return {
    quick,
    seconds: positive('seconds', values.seconds, quick ? 2 : 10, 0.5),
    rounds: positive('rounds', values.rounds, quick ? 2 : 5, 2),
    openRounds: positive('open-rounds', values['open-rounds'], quick ? 1 : 3),
    warmup: positive('warmup', values.warmup, quick ? 0.5 : 2, 0),
    connections: positive('connections', values.connections, 16),
    openFraction: positive('open-fraction', values['open-fraction'], 0.7, 0.01),
    targets: targets as BenchOptions['targets'],
    pgPatrons: positive('patrons', values.patrons, quick ? 2_000 : 100_000, 1_700),
    pglitePatrons: positive('pglite-patrons', values['pglite-patrons'], 2_000, 1_700),
    scenarios: scenarios as ScenarioKey[],
    references: values.references,
    writers: positive('writers', values.writers, 4, 0),
    coldStarts: positive('cold-starts', values['cold-starts'], quick ? 1 : 3, 0),
    out: values.out ?? null,
  };
}
