// The custodian's overview queries of the privacy console (auditAccessTimeline, auditLogHealth),
// one instance per server: the database handle and the replica's verification job.
import type { Db } from '../db/client.js';
import type { AuditHealth, AuditLogHealthNode } from './health.js';
import { accessTimeline, timelineRange, type AccessTimelineDayNode } from './timeline.js';

export class AuditOverview {
  constructor(
    private readonly db: Db,
    private readonly healthJob: AuditHealth,
  ) {}

  timeline(
    patronId: string,
    from: Date | string,
    to: Date | string,
  ): Promise<AccessTimelineDayNode[]> {
    return accessTimeline(this.db, patronId, timelineRange(from, to));
  }

  health(): Promise<AuditLogHealthNode> {
    return this.healthJob.read();
  }
}
