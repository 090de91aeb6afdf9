// The repositories of one request (or one transaction), each with its own DataLoader caches.
import type { Db } from '../db/client.js';
import { AccessRepository } from './access.js';
import { AccountRepository } from './account.js';
import { ConsentRepository } from './consents.js';
import { ReferenceConsultRepository } from './reference-consults.js';
import { DesignationRepository } from './designations.js';
import { DisclosureRequestWorkflowRepository } from './disclosure-request-workflow.js';
import { DisclosureRequestRepository } from './disclosure-requests.js';
import { FineRepository } from './fines.js';
import { LoanRepository } from './loans.js';
import { PatronRepository } from './patrons.js';
import { VendorRepository } from './vendors.js';
import { AuditLogReader } from '../audit/read-model.js';
import { StatisticsRepository } from './statistics.js';
import { ReleaseRepository } from './releases.js';

export function createRepositories(db: Db, now: () => Date) {
  return {
    patrons: new PatronRepository(db),
    loans: new LoanRepository(db),
    fines: new FineRepository(db),
    referenceConsults: new ReferenceConsultRepository(db),
    disclosureRequests: new DisclosureRequestRepository(db),
    disclosureRequestWorkflow: new DisclosureRequestWorkflowRepository(db),
    designations: new DesignationRepository(db),
    consents: new ConsentRepository(db),
    access: new AccessRepository(db, now),
    account: new AccountRepository(db),
    vendors: new VendorRepository(db),
    audit: new AuditLogReader(db, now),
    statistics: new StatisticsRepository(db),
    releases: new ReleaseRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** Runs fn with repositories bound to one transaction: a thrown error rolls every write back. */
export type Transact = <T>(fn: (repos: Repositories) => Promise<T>) => Promise<T>;

export function transactor(db: Db, now: () => Date): Transact {
  return (fn) => db.transaction((tx) => fn(createRepositories(tx as unknown as Db, now)));
}
