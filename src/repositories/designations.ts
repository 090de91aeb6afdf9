// SQL for the Director's designations of alternates (regulation 2).
import { and, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { designations, type DesignationRow } from '../db/schema/disclosure-requests.sql.js';

export type NewDesignation = typeof designations.$inferInsert;

export class DesignationRepository {
  constructor(private readonly db: Db) {}

  async byId(id: string): Promise<DesignationRow | null> {
    const [row] = await this.db
      .select()
      .from(designations)
      .where(eq(designations.id, id))
      .for('update');
    return row ?? null;
  }

  async insert(row: NewDesignation): Promise<DesignationRow> {
    const [inserted] = await this.db.insert(designations).values(row).returning();
    return inserted!;
  }

  async revoke(id: string, at: Date, by: string): Promise<DesignationRow> {
    const [row] = await this.db
      .update(designations)
      .set({ revokedAt: at, revokedBy: by })
      .where(eq(designations.id, id))
      .returning();
    return row!;
  }

  /** Newest first; only those giving the Director's powers at `activeAt` when it is set. */
  list(activeAt: Date | null): Promise<DesignationRow[]> {
    const active = activeAt
      ? and(
          isNull(designations.revokedAt),
          lte(designations.validFrom, activeAt),
          gt(designations.validTo, activeAt),
        )
      : undefined;
    return this.db
      .select()
      .from(designations)
      .where(active)
      .orderBy(desc(designations.createdAt), desc(designations.id))
      .limit(500);
  }
}
