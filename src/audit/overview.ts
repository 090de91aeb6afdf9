// The custodian's overview queries of the privacy console (auditAccessTimeline, auditLogHealth),
// made per request from the database handle and the server's verification job (none in a bare
// context, a test's: then the health reports the chain without a verification).
import type { Db } from '../db/client.js';
import type { Decision } from '../domain/decision.js';
import { recordAccess, type AuditTrail } from './trail.js';
import { logState, type AuditHealth, type AuditLogHealthNode } from './health.js';
import { accessTimeline, timelineRange, type AccessTimelineDayNode } from './timeline.js';

export class AuditOverview {
  constructor(
    private readonly db: Db,
    private readonly healthJob: AuditHealth | null,
  ) {}

  /** One patron's accesses per day and basis; the read itself is a row naming the patron. */
  async timeline(
    patronId: string,
    from: Date | string,
    to: Date | string,
    custodian: Promise<Decision>,
    trail: AuditTrail,
  ): Promise<AccessTimelineDayNode[]> {
    recordAccess(
      trail,
      patronId,
      'Query',
      'auditAccessTimeline',
      'DISCLOSURE',
      'custodian',
      await custodian,
    );
    return accessTimeline(this.db, patronId, timelineRange(from, to));
  }

  /** The log's health; the read itself is a row. */
  async health(custodian: Promise<Decision>, trail: AuditTrail): Promise<AuditLogHealthNode> {
    recordAccess(
      trail,
      null,
      'Query',
      'auditLogHealth',
      'DISCLOSURE',
      'custodian',
      await custodian,
    );
    if (this.healthJob) return this.healthJob.read();
    return { ...(await logState(this.db, [])), lastVerification: null, verificationRunning: false };
  }
}
