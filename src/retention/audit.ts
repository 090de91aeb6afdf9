// Retention and the audit log (DESIGN invariant 8): audit rows name patrons by a keyed pseudonym
// whose key is per patron and month; destroying keys older than the schedule makes those rows
// unlinkable without rewriting one of them, so `audit:verify` still proves the chain intact.
// Every confirmed retention action is itself recorded, under the system principal.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SYSTEM } from '../auth/principal.js';
import { appendJobRow } from '../audit/trail.js';
import type { AuditWriter } from '../audit/writer.js';
import { shredSubjectKeys } from '../audit/keys.js';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/query-rows.js';
import type { RetentionStep, StepCounts } from './step.js';

const DAY = 86_400_000;

/** Destroys the audit pseudonym keys of every month that ended `days` or more ago. */
export function auditLinkStep(days: number): RetentionStep {
  const cutoff = (now: Date) => new Date(now.getTime() - days * DAY);
  return {
    category: 'audit_links',
    async preview(db: Db, ctx) {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from audit_subject_keys where period_end <= ${cutoff(ctx.now).toISOString()}::timestamptz`,
      );
      return { subjectKeysDestroyed: row?.n ?? 0 };
    },
    async batch(db: Db, ctx) {
      // One statement whatever the count: a key is a small row and nothing else is touched.
      const n = await shredSubjectKeys(db, { before: cutoff(ctx.now) });
      return { counts: { subjectKeysDestroyed: n }, rows: 0, lastId: null };
    },
  };
}

/**
 * The `onAction` of a retention job: one audit row per category that changed something, with its
 * counts as the row's fields ("loansAnonymised=12"), no subject, principal `system:retention`.
 */
export function recordRetentionActions(writer: AuditWriter, now: () => Date) {
  const runId = `retention-${randomUUID()}`;
  return async (category: string, counts: StepCounts): Promise<void> => {
    await appendJobRow(
      writer,
      { principal: SYSTEM, requestId: runId, purpose: null, viaRouter: false, now },
      { operationName: 'retention', documentHash: null },
      {
        typeName: 'RetentionRun',
        rule: `retention:${category}`,
        fields: Object.entries(counts).map(([what, n]) => `${what}=${n}`),
      },
    );
  };
}
