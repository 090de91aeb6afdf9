// Runs the retention steps: a dry run counts, a confirmed run applies batch by batch. A session
// advisory lock makes replicas take turns: a second runner finds the lock held and skips the run
// (the first one does the work), instead of queueing behind it.
import type { Database } from '../db/client.js';
import type { RetentionStep, StepCounts } from './step.js';
import { retentionSteps, type RetentionPolicy } from './steps.js';

/** Advisory lock key of the retention run (migrations hold 72_001_001, audit appends 72_001_002). */
const RETENTION_LOCK = 72_001_003;

export interface RetentionProgress {
  category: string;
  batches: number;
  counts: StepCounts;
  done: boolean;
}

export interface CategoryReport {
  category: string;
  counts: StepCounts;
  batches: number;
}

export interface RetentionReport {
  dryRun: boolean;
  /** True when another runner held the lock and this run did nothing. */
  skipped: boolean;
  at: Date;
  categories: CategoryReport[];
  elapsedMs: number;
}

export interface RetentionJobOptions {
  database: Database;
  policy: RetentionPolicy;
  batchSize: number;
  /** The steps to run; defaults to every category of the policy. */
  steps?: RetentionStep[];
  /**
   * Called once per category that changed something, after its last batch (confirmed runs only).
   * The audit log records it here under the system principal.
   */
  onAction?: (category: string, counts: StepCounts) => void | Promise<void>;
  /** Called after every batch and when a category is done (for progress lines). */
  onProgress?: (progress: RetentionProgress) => void;
}

const add = (total: StepCounts, more: StepCounts) => {
  for (const [k, v] of Object.entries(more)) total[k] = (total[k] ?? 0) + v;
};

const changed = (counts: StepCounts) => Object.values(counts).some((n) => n > 0);

export class RetentionJob {
  readonly steps: RetentionStep[];

  constructor(private readonly options: RetentionJobOptions) {
    this.steps = options.steps ?? retentionSteps(options.policy);
  }

  /** One run at `now` (a parameter, so tests and schedules use a fixed clock). */
  async run({
    dryRun,
    now = new Date(),
  }: {
    dryRun: boolean;
    now?: Date;
  }): Promise<RetentionReport> {
    const started = performance.now();
    const report = (skipped: boolean, categories: CategoryReport[]): RetentionReport => ({
      dryRun,
      skipped,
      at: now,
      categories,
      elapsedMs: Math.round(performance.now() - started),
    });
    const result = await withAdvisoryLock(this.options.database, RETENTION_LOCK, () =>
      dryRun ? this.preview(now) : this.apply(now),
    );
    return result === null ? report(true, []) : report(false, result);
  }

  private async preview(now: Date): Promise<CategoryReport[]> {
    const { database, batchSize } = this.options;
    const out: CategoryReport[] = [];
    for (const step of this.steps) {
      out.push({
        category: step.category,
        counts: await step.preview(database.db, { now, batchSize }),
        batches: 0,
      });
    }
    return out;
  }

  private async apply(now: Date): Promise<CategoryReport[]> {
    const { database, batchSize, onAction, onProgress } = this.options;
    const out: CategoryReport[] = [];
    for (const step of this.steps) {
      const counts: StepCounts = {};
      let batches = 0;
      let afterId: string | null = null;
      for (;;) {
        const b = await step.batch(database.db, { now, batchSize }, afterId);
        batches++;
        add(counts, b.counts);
        const done = b.rows < batchSize || b.lastId === null;
        onProgress?.({ category: step.category, batches, counts: { ...counts }, done });
        if (done) break;
        afterId = b.lastId;
      }
      out.push({ category: step.category, counts, batches });
      if (onAction && changed(counts)) await onAction(step.category, { ...counts });
    }
    return out;
  }
}

/**
 * Runs fn while holding a session advisory lock; null (fn not run) when another session holds it.
 * On PostgreSQL the lock lives on one pooled connection kept for the run; the batches use others.
 */
async function withAdvisoryLock<T>(
  database: Database,
  key: number,
  fn: () => Promise<T>,
): Promise<T | null> {
  // A session may take its own advisory lock twice, so overlapping runs in one process (one PGlite
  // connection, or a schedule and a manual run) are kept apart here.
  const held = heldLocks.get(database) ?? new Set<number>();
  if (held.has(key)) return null;
  held.add(key);
  heldLocks.set(database, held);
  try {
    return await lockedAcrossProcesses(database, key, fn);
  } finally {
    held.delete(key);
  }
}

const heldLocks = new WeakMap<Database, Set<number>>();

async function lockedAcrossProcesses<T>(
  database: Database,
  key: number,
  fn: () => Promise<T>,
): Promise<T | null> {
  if (database.kind === 'pglite') {
    const got = await database.client.query<{ ok: boolean }>(
      'select pg_try_advisory_lock($1) as ok',
      [key],
    );
    if (!got.rows[0]?.ok) return null;
    try {
      return await fn();
    } finally {
      await database.client.query('select pg_advisory_unlock($1)', [key]);
    }
  }
  const holder = await database.pool.connect();
  try {
    const got = await holder.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [key]);
    if (!got.rows[0]?.ok) return null;
    try {
      return await fn();
    } finally {
      await holder.query('select pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    holder.release();
  }
}
