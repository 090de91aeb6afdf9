// `npm run retention -- --dry-run | --confirm`: like Koha's cleanup_database.pl, it refuses to
// change anything unless told to. Prints counts per category (never an id or a personal value) on
// stdout, and progress lines on stderr during long runs.
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { RetentionProgress, RetentionReport } from './job.js';
import type { AuditWriter } from '../audit/writer.js';
import { recordRetentionActions } from './audit.js';
import { retentionJob, retentionPolicy } from './schedule.js';

export const USAGE = `usage: npm run retention -- --dry-run | --confirm
  --dry-run   print what would change, per category; change nothing
  --confirm   apply the retention schedule (settings: RETENTION_* in the environment)
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Returns the process exit code: 0 done, 64 usage (EX_USAGE). */
export async function runRetentionCli(
  argv: readonly string[],
  deps: { config: Config; database: Database; audit: AuditWriter; now: Date; io: CliIo },
): Promise<number> {
  const { io } = deps;
  const dry = argv.includes('--dry-run');
  const confirm = argv.includes('--confirm');
  const unknown = argv.filter((a) => a !== '--dry-run' && a !== '--confirm');
  if (dry === confirm || unknown.length > 0) {
    io.err(
      `${dry && confirm ? 'give either --dry-run or --confirm, not both\n' : ''}${unknown.length ? `unknown argument(s): ${unknown.join(' ')}\n` : ''}${USAGE}`,
    );
    return 64;
  }
  let lastLine = 0;
  const progress = (p: RetentionProgress) => {
    const t = Date.now();
    if (!p.done && t - lastLine < 1000) return;
    lastLine = t;
    io.err(
      `retention: ${p.category} ${p.done ? 'done' : 'running'}, ${p.batches} batch(es), ${formatCounts(p.counts)}\n`,
    );
  };
  const job = retentionJob(deps.config, deps.database, {
    onProgress: progress,
    onAction: recordRetentionActions(deps.audit, () => deps.now),
  });
  const report = await job.run({ dryRun: dry, now: deps.now });
  io.out(formatReport(report, deps.config));
  return 0;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

function formatReport(report: RetentionReport, config: Config): string {
  const p = retentionPolicy(config);
  const head =
    `Retention ${report.dryRun ? 'dry run' : 'run'} at ${report.at.toISOString()} ` +
    `(loans ${p.loanDays} d, fines ${p.fineDays} d, consults ${p.consultDays} d, disclosures ${p.disclosureDays} d, audit links ${p.auditLinkDays} d, PIN failures ${p.pinFailureMinutes} min)\n`;
  if (report.skipped) return `${head}Another retention run holds the lock; nothing done.\n`;
  const rows = report.categories.flatMap((c) =>
    Object.entries(c.counts).map(([what, n]) => [c.category, what, String(n)]),
  );
  // The first two columns as wide as their longest entry, plus a space.
  const headers = ['category', 'change'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 1);
  const table = rows
    .map(([c, w, n]) => `  ${c!.padEnd(widths[0]!)}${w!.padEnd(widths[1]!)}${n!.padStart(9)}\n`)
    .join('');
  const tail = report.dryRun
    ? 'Nothing was changed. Run with --confirm to apply.\n'
    : `Applied in ${(report.elapsedMs / 1000).toFixed(1)} s.\n`;
  return `${head}  ${headers[0]!.padEnd(widths[0]!)}${headers[1]!.padEnd(widths[1]!)}${'count'.padStart(9)}\n${table}${tail}`;
}
