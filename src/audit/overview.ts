// The custodian's overview queries of the privacy console (auditAccessTimeline, auditLogHealth),
// made per request from the database handle and the server's verification job (none in a bare
// context, a test's: then the health reports the chain without a verification).
import type { Db } from '../db/client.js';
import { logState, type AuditHealth, type AuditLogHealthNode } from './health.js';
import { accessTimeline, timelineRange, type AccessTimelineDayNode } from './timeline.js';

export class AuditOverview {
  constructor(
    private readonly db: Db,
    private readonly healthJob: AuditHealth | null,
  ) {}

  timeline(
    patronId: string,
    from: Date | string,
    to: Date | string,
  ): Promise<AccessTimelineDayNode[]> {
    return accessTimeline(this.db, patronId, timelineRange(from, to));
  }

  async health(): Promise<AuditLogHealthNode> {
    if (this.healthJob) return this.healthJob.read();
    return { ...(await logState(this.db, [])), lastVerification: null, verificationRunning: false };
  }
}
