// The per-request context: who asks and why, the request's repositories (with their DataLoaders),
// services, access control and audit buffer. Nothing here is shared between requests.
import type { Logger } from '../logger.js';
import type { Principal } from '../auth/principal.js';
import type { AccessPurpose } from '../auth/purpose.js';
import type { Db } from '../db/client.js';
import { AccessControl } from '../authz/policy/access-control.js';
import { AuditBuffer } from '../audit/buffer.js';
import { AuditOverview } from '../audit/overview.js';
import type { AuditHealth } from '../audit/health.js';
import { createRepositories, type Repositories } from '../repositories/repositories.js';
import { createServices, type Services } from '../domain/services.js';
import type { VendorSettings } from '../domain/vendor-settings.js';
import {
  DEFAULT_DISCLOSURE_SETTINGS,
  type DisclosureSettings,
} from '../domain/disclosure-requests/transitions.js';

export interface GraphQLContext {
  requestId: string;
  principal: Principal;
  purpose: AccessPurpose | null;
  /** Whether the request carried the router's secret (it came through the federated router). */
  viaRouter: boolean;
  repos: Repositories;
  services: Services;
  authz: AccessControl;
  audit: AuditBuffer;
  logger: Logger;
  now: () => Date;
  /**
   * Runs `work` in one database transaction with `repos` and `services` bound to it, restored
   * after (a mutation's write and its audit rows commit together: src/audit/mutation.ts).
   */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /** What this request's refusals count against (src/http/refusal-limit.ts), when the limit is on. */
  refusalKey?: string;
  /** The privacy console's aggregate audit queries (src/audit/overview.ts). */
  auditOverview: AuditOverview;
}

export interface RequestIdentity {
  requestId: string;
  principal: Principal;
  purpose: AccessPurpose | null;
  viaRouter: boolean;
}

export function createContext(
  db: Db,
  logger: Logger,
  who: RequestIdentity,
  now: () => Date = () => new Date(),
  vendorSettings?: VendorSettings,
  disclosure: DisclosureSettings = DEFAULT_DISCLOSURE_SETTINGS,
  statisticsMinCell?: number,
  /** The server's audit verification job; absent, the log health reports no verification. */
  auditHealth?: AuditHealth,
): GraphQLContext {
  const repos = createRepositories(db, now);
  return {
    ...who,
    repos,
    services: createServices(db, repos, now, vendorSettings, disclosure, statisticsMinCell),
    authz: new AccessControl(who.principal, who.purpose, repos.access, now),
    audit: new AuditBuffer(),
    auditOverview: new AuditOverview(db, auditHealth ?? null),
    logger: logger.child({ requestId: who.requestId }),
    now,
    // A method on purpose: Apollo Server hands resolvers a shallow copy of this object, and the
    // copy's repositories and services are the ones to rebind.
    transaction(work) {
      return db.transaction(async (t) => {
        const tx = t as unknown as Db;
        const outside = { repos: this.repos, services: this.services };
        this.repos = createRepositories(tx, now);
        this.services = createServices(
          tx,
          this.repos,
          now,
          vendorSettings,
          disclosure,
          statisticsMinCell,
        );
        try {
          return await work(tx);
        } finally {
          this.repos = outside.repos;
          this.services = outside.services;
        }
      });
    },
  };
}
