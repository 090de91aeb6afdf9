// SQL for patrons' consents to disclosure to a named third party (regulation 6).
import DataLoader from 'dataloader';
import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { consents, type ConsentRow } from '../db/schema/patrons.sql.js';

export type NewConsent = typeof consents.$inferInsert;

export class ConsentRepository {
  constructor(private readonly db: Db) {}

  /** Each patron's consents, newest first (a patron gives few). */
  readonly ofPatron = new DataLoader<string, ConsentRow[]>(async (patronIds) => {
    const rows = await this.db
      .select()
      .from(consents)
      .where(inArray(consents.patronId, [...patronIds]))
      .orderBy(desc(consents.grantedAt), desc(consents.id));
    return patronIds.map((id) => rows.filter((r) => r.patronId === id));
  });

  async lock(id: string): Promise<ConsentRow | null> {
    const [row] = await this.db.select().from(consents).where(eq(consents.id, id)).for('update');
    return row ?? null;
  }

  async insert(row: NewConsent): Promise<ConsentRow> {
    const [inserted] = await this.db.insert(consents).values(row).returning();
    return inserted!;
  }

  async revoke(id: string, at: Date): Promise<ConsentRow> {
    const [row] = await this.db
      .update(consents)
      .set({ revokedAt: at })
      .where(eq(consents.id, id))
      .returning();
    return row!;
  }
}
