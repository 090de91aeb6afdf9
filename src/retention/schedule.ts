// Retention from configuration, and its optional schedule inside the server
// (RETENTION_INTERVAL_MINUTES; off by default, when `npm run retention -- --confirm` runs from cron).
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AuditWriter } from '../audit/writer.js';
import { recordRetentionActions } from './audit.js';
import { RetentionJob, type RetentionJobOptions } from './job.js';
import type { RetentionPolicy } from './steps.js';

export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    loanDays: config.RETENTION_LOAN_DAYS,
    fineDays: config.RETENTION_FINE_DAYS,
    consultDays: config.RETENTION_CONSULT_DAYS,
    disclosureDays: config.RETENTION_DISCLOSURE_DAYS,
    auditLinkDays: config.RETENTION_AUDIT_LINK_DAYS,
    pinFailureMinutes: config.VENDOR_PIN_LOCK_MINUTES,
  };
}

export function retentionJob(
  config: Config,
  database: Database,
  extra: Partial<RetentionJobOptions> = {},
): RetentionJob {
  return new RetentionJob({
    database,
    policy: retentionPolicy(config),
    batchSize: config.RETENTION_BATCH_SIZE,
    ...extra,
  });
}

export interface RetentionSchedule {
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/** Starts the interval when configured; a no-op handle otherwise. */
export function startRetentionSchedule(deps: {
  config: Config;
  database: Database;
  logger: Logger;
  audit: AuditWriter;
  now: () => Date;
}): RetentionSchedule {
  const minutes = deps.config.RETENTION_INTERVAL_MINUTES;
  if (minutes === 0) return { stop: async () => undefined };
  const log = deps.logger.child({ job: 'retention' });
  const record = recordRetentionActions(deps.audit, deps.now);
  const job = retentionJob(deps.config, deps.database, {
    onAction: async (category, counts) => {
      await record(category, counts);
      log.info({ category, counts }, 'retention applied');
    },
  });
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = job
      .run({ dryRun: false, now: deps.now() })
      .then((r) =>
        log.info({ skipped: r.skipped, elapsedMs: r.elapsedMs }, 'retention run finished'),
      )
      .catch((err: unknown) =>
        log.error({ err: { type: (err as Error)?.constructor?.name } }, 'retention run failed'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, minutes * 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
