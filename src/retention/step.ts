// What a retention step is: the shape the job runs, apart from the schedule's steps themselves.
import type { Db } from '../db/client.js';

/** Counts per kind of change, e.g. { loansAnonymised: 12 }. Counts only: never ids or values. */
export type StepCounts = Record<string, number>;

interface StepContext {
  now: Date;
  batchSize: number;
}

interface BatchResult {
  counts: StepCounts;
  /** Candidate rows this batch handled; fewer than the batch size means the step is done. */
  rows: number;
  /** Keyset position for the next batch. */
  lastId: string | null;
}

/**
 * One category's schedule. The lead adds the audit-log step ("shred subject keys older than N
 * days") by implementing this interface and appending it to the job's steps.
 */
export interface RetentionStep {
  readonly category: string;
  preview(db: Db, ctx: StepContext): Promise<StepCounts>;
  batch(db: Db, ctx: StepContext, afterId: string | null): Promise<BatchResult>;
}
