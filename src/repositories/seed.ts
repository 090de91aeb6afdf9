// Writes a whole data set at once (the demo library of src/seed/demo.ts): every table's rows in one
// transaction, parents before the rows that point at them.
import { count } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { loans } from '../db/schema/loans.sql.js';
import {
  designations,
  disclosureEvents,
  disclosureRequestPatrons,
  disclosureRequests,
} from '../db/schema/disclosure-requests.sql.js';
import { fines, payments } from '../db/schema/fines.sql.js';
import { consents, guardianGrants, patrons } from '../db/schema/patrons.sql.js';
import { referenceConsults } from '../db/schema/reference-consults.sql.js';
import { vendorEnrolments, vendors } from '../db/schema/vendors.sql.js';

/** The rows of each table, as they are inserted. */
export interface SeedRows {
  patrons: (typeof patrons.$inferInsert)[];
  loans: (typeof loans.$inferInsert)[];
  fines: (typeof fines.$inferInsert)[];
  payments: (typeof payments.$inferInsert)[];
  referenceConsults: (typeof referenceConsults.$inferInsert)[];
  designations: (typeof designations.$inferInsert)[];
  disclosureRequests: (typeof disclosureRequests.$inferInsert)[];
  disclosureRequestPatrons: (typeof disclosureRequestPatrons.$inferInsert)[];
  disclosureEvents: (typeof disclosureEvents.$inferInsert)[];
  vendors: (typeof vendors.$inferInsert)[];
  vendorEnrolments: (typeof vendorEnrolments.$inferInsert)[];
  guardianGrants: (typeof guardianGrants.$inferInsert)[];
  consents: (typeof consents.$inferInsert)[];
}

/** Whether the database holds no patron yet (a data set is loaded only into an empty one). */
export async function hasNoPatrons(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(patrons);
  return (row?.n ?? 0) === 0;
}

/** Inserts every table's rows in one transaction: all of them, or none. */
export async function insertSeed(db: Db, rows: SeedRows): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(patrons).values(rows.patrons);
    await tx.insert(loans).values(rows.loans);
    await tx.insert(fines).values(rows.fines);
    await tx.insert(payments).values(rows.payments);
    await tx.insert(referenceConsults).values(rows.referenceConsults);
    await tx.insert(designations).values(rows.designations);
    await tx.insert(disclosureRequests).values(rows.disclosureRequests);
    await tx.insert(disclosureRequestPatrons).values(rows.disclosureRequestPatrons);
    await tx.insert(disclosureEvents).values(rows.disclosureEvents);
    await tx.insert(vendors).values(rows.vendors);
    await tx.insert(vendorEnrolments).values(rows.vendorEnrolments);
    await tx.insert(guardianGrants).values(rows.guardianGrants);
    await tx.insert(consents).values(rows.consents);
  });
}
