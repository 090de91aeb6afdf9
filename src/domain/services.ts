// The services of one request, over that request's repositories.
import type { Db } from '../db/client.js';
import { createRepositories, transactor, type Repositories } from '../repositories/repositories.js';
import { CirculationService } from './circulation.js';
import { DisclosureService } from './disclosures.js';
import { FineService } from './fines.js';
import { PatronService } from './patrons.js';
import { ReferenceService } from './reference.js';
import { StatisticsService } from './statistics.js';

/** Settings services take from configuration. */
export interface ServiceSettings {
  /** Statistics cells below this count are suppressed (STATISTICS_MIN_CELL). */
  statisticsMinCell: number;
}

export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = { statisticsMinCell: 10 };

export function createServices(db: Db, repos: Repositories, now: () => Date, settings: ServiceSettings = DEFAULT_SERVICE_SETTINGS) {
  const transact = transactor(db, now);
  return {
    patrons: new PatronService(repos.patrons, now),
    circulation: new CirculationService(repos, transact, now),
    fines: new FineService(repos, transact, now),
    reference: new ReferenceService(repos, now),
    disclosures: new DisclosureService(repos, now),
    statistics: new StatisticsService(repos.statistics, settings.statisticsMinCell),
  };
}

export type Services = ReturnType<typeof createServices>;

export { createRepositories };
