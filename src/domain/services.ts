// The services of one request, over that request's repositories.
import type { Db } from '../db/client.js';
import { transactor, type Repositories } from '../repositories/repositories.js';
import { AccountService } from './account.js';
import { LoanService } from './loans.js';
import { ConsentService } from './consents.js';
import { DesignationService } from './designations.js';
import { DisclosureRequestWorkflow } from './disclosure-requests/workflow.js';
import {
  DEFAULT_DISCLOSURE_SETTINGS,
  type DisclosureSettings,
} from './disclosure-requests/transitions.js';
import { DisclosureRequestReads } from './disclosure-requests/reads.js';
import { DataExportService } from '../repositories/export.js';
import { FineService } from './fines.js';
import { PatronService } from './patrons.js';
import { ReferenceConsultService } from './reference-consults.js';
import { StatisticsService } from './statistics.js';
import { EPHEMERAL_VENDOR_SETTINGS, type VendorSettings } from './vendor-settings.js';
import { VendorService } from './vendors.js';
import { AuditService } from './audit.js';

export function createServices(
  db: Db,
  repos: Repositories,
  now: () => Date,
  vendorSettings: VendorSettings = EPHEMERAL_VENDOR_SETTINGS,
  disclosure: DisclosureSettings = DEFAULT_DISCLOSURE_SETTINGS,
  /** Statistics cells below this count are suppressed (STATISTICS_MIN_CELL). */
  statisticsMinCell = 10,
) {
  const transact = transactor(db, now);
  const disclosureRequestWorkflow = new DisclosureRequestWorkflow(repos, transact, now, disclosure);
  return {
    patrons: new PatronService(repos.patrons, now),
    loans: new LoanService(repos, transact, now),
    fines: new FineService(repos, transact, now),
    referenceConsults: new ReferenceConsultService(repos, now),
    account: new AccountService(repos, transact, now, vendorSettings),
    dataExport: new DataExportService(db, now),
    vendors: new VendorService(repos, now, vendorSettings),
    disclosureRequests: new DisclosureRequestReads(repos, now, () =>
      disclosureRequestWorkflow.expireLapsed(),
    ),
    disclosureRequestWorkflow,
    designations: new DesignationService(repos, transact, now),
    consents: new ConsentService(repos, transact, now),
    audit: new AuditService(repos),
    statistics: new StatisticsService(repos.statistics, statisticsMinCell),
  };
}

export type Services = ReturnType<typeof createServices>;
