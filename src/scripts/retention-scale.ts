// npm run bench:retention [-- --loans 1000000 --keep]: retention over a million returned loans on
// PostgreSQL. Creates a scratch database on the server of DATABASE_URL (default: the local one),
// bulk-inserts patrons and returned loans with generate_series, runs a dry run, a confirmed run and
// a second (idempotent) run, and prints wall times, the longest batch and peak RSS. Drops the
// scratch database afterwards unless --keep.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { RetentionJob } from '../retention/job.js';

const { values } = parseArgs({
  options: {
    loans: { type: 'string', default: '1000000' },
    patrons: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
  },
});
const LOANS = Number(values.loans);
const PATRONS = Number(values.patrons);
const BATCH = Number(values.batch);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `retention_scale_${randomBytes(4).toString('hex')}`;
const say = (s: string) => void process.stdout.write(`${s}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function admin(statement: string) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

await admin(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString(), poolSize: 4 });
try {
  if (database.kind !== 'postgres') throw new Error('PostgreSQL only');
  await migrateDatabase(database);
  const q = (text: string, params: unknown[] = []) => database.pool.query(text, params);
  const now = new Date('2030-06-15T12:00:00Z');
  let t0 = performance.now();
  // One patron in ten keeps checkout history; loans of the last 1% carry an owed fine.
  await q(
    `insert into patrons (id, card_number, name, birth_date, card_expires_on, keep_checkout_history)
     select 'pat_s' || g, '2' || lpad(g::text, 13, '0'), 'Scale Patron ' || g, date '1950-01-01' + (g % 20000),
            date '2033-01-01', g % 10 = 0
     from generate_series(1, $1::int) g`,
    [PATRONS],
  );
  await q(
    `insert into loans (id, patron_id, item_id, item_type, branch, checked_out_at, due_at, returned_at, patron_age_band)
     select 'loan_s' || lpad(g::text, 8, '0'), 'pat_s' || (1 + g % $2::int), 'item_' || g,
            (array['book', 'dvd', 'cd', 'audiobook'])[1 + g % 4], (array['MAIN', 'EAST', 'WEST'])[1 + g % 3],
            $3::timestamptz - (g % 700 + 30) * interval '1 day', $3::timestamptz - (g % 700 + 9) * interval '1 day',
            $3::timestamptz - (g % 700 + 10) * interval '1 day', 'ADULT'
     from generate_series(1, $1::int) g`,
    [LOANS, PATRONS, now],
  );
  const blocked = Math.floor(LOANS / 100);
  await q(
    `insert into fines (id, patron_id, loan_id, amount_cents, reason, assessed_at)
     select 'fine_s' || g, l.patron_id, l.id, 100, 'Overdue item', $2::timestamptz - interval '5 days'
     from generate_series(1, $1::int) g join loans l on l.id = 'loan_s' || lpad((g * 100)::text, 8, '0')`,
    [blocked, now],
  );
  await q('analyze');
  const counts = (
    await q(`select count(*)::int as loans, count(*) filter (where p.keep_checkout_history)::int as keepers
                           from loans l join patrons p on p.id = l.patron_id`)
  ).rows[0] as { loans: number; keepers: number };
  say(
    `scratch database ${name}: ${counts.loans} returned loans linked to ${PATRONS} patrons (${counts.keepers} of a patron keeping history, ${blocked} with an owed fine); loaded in ${seconds(performance.now() - t0)}`,
  );

  let lastBatchAt = performance.now();
  let longestBatch = 0;
  const job = new RetentionJob({
    database,
    policy: {
      loanDays: 0,
      fineDays: 30,
      consultDays: 14,
      disclosureDays: 365,
      auditLinkDays: 180,
      pinFailureMinutes: 15,
    },
    batchSize: BATCH,
    onProgress: (p) => {
      const t = performance.now();
      longestBatch = Math.max(longestBatch, t - lastBatchAt);
      lastBatchAt = t;
      if (p.done || p.batches % 20 === 0)
        process.stderr.write(
          `retention: ${p.category} batch ${p.batches} ${JSON.stringify(p.counts)}\n`,
        );
    },
  });

  t0 = performance.now();
  const dry = await job.run({ dryRun: true, now });
  say(
    `dry run:       ${seconds(performance.now() - t0)}  ${JSON.stringify(dry.categories.map((c) => [c.category, c.counts]))}`,
  );
  t0 = performance.now();
  lastBatchAt = t0;
  const run = await job.run({ dryRun: false, now });
  const runMs = performance.now() - t0;
  const loans = run.categories.find((c) => c.category === 'loans')!;
  say(
    `confirmed run: ${seconds(runMs)}  loans anonymised ${loans.counts.loansAnonymised} in ${loans.batches} batches of ≤${BATCH}; longest batch ${Math.round(longestBatch)} ms`,
  );
  t0 = performance.now();
  const again = await job.run({ dryRun: false, now });
  say(
    `second run:    ${seconds(performance.now() - t0)}  ${JSON.stringify(again.categories.map((c) => [c.category, c.counts]))}`,
  );
  const left = (await q(`select count(*)::int as n from loans where patron_id is not null`))
    .rows[0] as { n: number };
  say(`loans still linked: ${left.n} (history keepers and loans with an owed fine)`);
  say(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
} finally {
  await database.close();
  if (!values.keep) await admin(`drop database if exists ${name} with (force)`);
}
