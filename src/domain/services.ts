// The services of one request, over that request's repositories.
import type { Db } from '../db/client.js';
import { createRepositories, transactor, type Repositories } from '../repositories/repositories.js';
import { CirculationService } from './circulation.js';
import { DisclosureService } from './disclosures.js';
import { FineService } from './fines.js';
import { PatronService } from './patrons.js';
import { ReferenceService } from './reference.js';
import { AuditService } from './audit.js';

export function createServices(db: Db, repos: Repositories, now: () => Date) {
  const transact = transactor(db, now);
  return {
    patrons: new PatronService(repos.patrons, now),
    circulation: new CirculationService(repos, transact, now),
    fines: new FineService(repos, transact, now),
    reference: new ReferenceService(repos, now),
    disclosures: new DisclosureService(repos, now),
    audit: new AuditService(db, repos),
  };
}

export type Services = ReturnType<typeof createServices>;

export { createRepositories };
