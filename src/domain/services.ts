// The services of one request, over that request's repositories.
import type { Db } from '../db/client.js';
import { createRepositories, transactor, type Repositories } from '../repositories/repositories.js';
import { CirculationService } from './circulation.js';
import { ConsentService } from './consents.js';
import { DesignationService } from './designations.js';
import { DisclosureRequestService } from './disclosure-requests.js';
import { DEFAULT_DISCLOSURE_SETTINGS, type DisclosureSettings } from './disclosure-workflow.js';
import { DisclosureService } from './disclosures.js';
import { FineService } from './fines.js';
import { PatronService } from './patrons.js';
import { ReferenceService } from './reference.js';

export function createServices(db: Db, repos: Repositories, now: () => Date, disclosure: DisclosureSettings = DEFAULT_DISCLOSURE_SETTINGS) {
  const transact = transactor(db, now);
  const disclosureWorkflow = new DisclosureRequestService(repos, transact, now, disclosure);
  return {
    patrons: new PatronService(repos.patrons, now),
    circulation: new CirculationService(repos, transact, now),
    fines: new FineService(repos, transact, now),
    reference: new ReferenceService(repos, now),
    disclosures: new DisclosureService(repos, now, () => disclosureWorkflow.expireLapsed()),
    disclosureWorkflow,
    designations: new DesignationService(repos, transact, now),
    consents: new ConsentService(repos, transact, now),
  };
}

export type Services = ReturnType<typeof createServices>;

export { createRepositories };
