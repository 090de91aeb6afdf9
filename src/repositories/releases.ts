// The release record of disclosure requests: what their requesters resolved, read from the audit
// log by src/audit/releases.ts, which owns that query.
import type { Db } from '../db/client.js';
import { releasesOf, type DisclosureReleaseNode } from '../audit/releases.js';

export class ReleaseRepository {
  constructor(private readonly db: Db) {}

  of(requestId: string): Promise<DisclosureReleaseNode[]> {
    return releasesOf(this.db, requestId);
  }
}
